import { HttpServer } from "@effect/platform"
import { Cause, Duration, Effect, Either, Layer } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { type IsoDate, addDays, firstDayOfMonth, monthOf } from "../domain/IsoDate.js"
import { Answers, queryKey } from "./Answers.js"
import { decodeParams, queryEndpointAt } from "./QueryParams.js"
import { pathOf, searchOf, today } from "./RequestDecoding.js"

/** The first day of the month `months` before `day`'s. */
const monthStartBefore = (day: IsoDate, months: number): IsoDate => {
  let month = monthOf(day)
  for (let i = 0; i < months; i++) month = monthOf(addDays(firstDayOfMonth(month), -1))
  return firstDayOfMonth(month)
}

/**
 * The requests a dashboard opens with on `day`: the default 30-day daily summary, the last 12 months by month,
 * items and lines for the current month and the last 12 months (each up to today), and the line list.
 */
export const warmupUrls = (day: IsoDate): ReadonlyArray<string> => {
  const month = monthStartBefore(day, 0)
  const year = monthStartBefore(day, 11)
  return [
    "/summary/daily",
    `/summary/monthly?from=${year}`,
    `/summary/by-item?from=${month}`,
    `/summary/by-item?from=${year}`,
    `/summary/by-line?from=${month}`,
    `/summary/by-line?from=${year}`,
    "/lines"
  ]
}

/** Decodes `url` as its endpoint would (the same cache key), asks for the answer and lets the fast path know. */
const warm = (answers: Answers["Type"], url: string, day: IsoDate) =>
  Effect.gen(function* () {
    const endpoint = queryEndpointAt(pathOf(url))
    const query = endpoint === undefined ? undefined : decodeParams(endpoint, searchOf(url), day)
    if (query === undefined || Either.isLeft(query))
      return yield* Effect.dieMessage(`warm-up URL ${url} does not decode`)
    yield* answers.answer(query.right)
    yield* answers.remember(url, queryKey(query.right))
  })

/**
 * `CACHE_WARMUP`: computes the common dashboard answers once the server listens (it requires the
 * `HttpServer`, so it is built after it), in a fiber of its own so readiness is not delayed. One at a time, to
 * leave the read workers to the first clients. Failures (an unreadable file) are logged at debug and skipped.
 */
export const CacheWarmupLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    yield* HttpServer.HttpServer
    const cache = yield* ResponseCache
    if (!cache.config.enabled || !cache.config.warmup) return
    const answers = yield* Answers
    const run = Effect.gen(function* () {
      const day = yield* today
      const urls = warmupUrls(day)
      const [took, ok] = yield* Effect.timed(
        Effect.reduce(urls, 0, (n, url) =>
          warm(answers, url, day).pipe(
            Effect.as(n + 1),
            Effect.catchAllCause((cause) =>
              Effect.as(Effect.logDebug(`cache warm-up: ${url} failed`, Cause.squash(cause)), n)
            )
          )
        )
      )
      yield* Effect.logDebug(`cache warm-up: ${ok} of ${urls.length} answers in ${Duration.format(took)}`)
    })
    yield* Effect.forkScoped(run)
  })
).pipe(Layer.provide(Answers.Cached))
