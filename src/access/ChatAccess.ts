import { RateLimiter } from "@effect/experimental"
import { createHash } from "node:crypto"
import { Duration, Effect, Layer, Option } from "effect"
import { Forbidden, RateLimited } from "../http/ApiErrors.js"
import { AccessConfig } from "./AccessConfig.js"
import { ApiKeys, type KeyedRequest, bearerToken } from "./ApiKeys.js"

/** What chat access reads of a request: `HttpServerRequest` has it. */
export interface ChatCaller extends KeyedRequest {
  readonly remoteAddress: Option.Option<string>
}

/** 127.0.0.0/8, ::1 (bracketed or not, IPv4-mapped too) and localhost. */
export const isLoopback = (host: string): boolean => {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
  return name === "localhost" || name === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

const CLOSED = new Forbidden({
  message:
    "Chat answers only on a loopback HOST unless API_KEYS is set (chat spends money upstream): set API_KEYS, " +
    "or listen on 127.0.0.1."
})

const WINDOW = Duration.minutes(1)

/** Whom a chat call counts against: its key (as a digest, so the limiter never holds it) or its address. */
const callerOf = (request: ChatCaller, byKey: boolean): string => {
  const token = byKey ? bearerToken(request) : undefined
  if (token !== undefined) return `key:${createHash("sha256").update(token, "utf8").digest("hex")}`
  return `address:${Option.getOrElse(request.remoteAddress, () => "unknown")}`
}

const rateLimited = (retryAfter: Duration.Duration, limit: number) =>
  new RateLimited({
    message: `More than ${limit} chat calls in a minute: retry after the time \`Retry-After\` gives.`,
    retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(retryAfter)))
  })

/**
 * The rules a chat call passes before any work (the chat endpoints call `admit` first): without `API_KEYS`, chat
 * answers only on a loopback `HOST` (403); each key (or client address without keys) gets `CHAT_RATE_PER_MINUTE`
 * calls a minute (429 with `Retry-After`). The limiter runs on effect's `Clock`.
 */
export class ChatAccess extends Effect.Service<ChatAccess>()("ChatAccess", {
  effect: Effect.gen(function* () {
    const { host, chatRatePerMinute } = yield* AccessConfig
    const keys = yield* ApiKeys
    const limiter = yield* RateLimiter.RateLimiter
    const open = keys.required || isLoopback(host)

    const admit = (request: ChatCaller): Effect.Effect<void, Forbidden | RateLimited> => {
      if (!open) return Effect.fail(CLOSED)
      const consumed = limiter.consume({
        algorithm: "fixed-window",
        onExceeded: "fail",
        window: WINDOW,
        limit: chatRatePerMinute,
        key: callerOf(request, keys.required)
      })
      return consumed.pipe(
        Effect.asVoid,
        Effect.catchAll((error) =>
          error.reason === "Exceeded"
            ? Effect.fail(rateLimited(error.retryAfter, chatRatePerMinute))
            : Effect.die(error)
        )
      )
    }
    return { admit } as const
  }),
  dependencies: [ApiKeys.Default, RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))]
}) {}
