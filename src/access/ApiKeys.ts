import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Redacted } from "effect"
import { Unauthorized } from "../http/ApiErrors.js"
import { pathOf } from "../http/RequestDecoding.js"
import { AccessConfig } from "./AccessConfig.js"

/** What the key check reads of a request: a `node:http` request and the platform's both have it. */
export interface KeyedRequest {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
}

// Both sides are hashed first, so the comparison runs on equal lengths and says nothing about the key's length.
const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/** The token of `Authorization: Bearer <token>` (the scheme in any case), if the request has one. */
export const bearerToken = (request: KeyedRequest): string | undefined => {
  const authorization = request.headers["authorization"]
  if (typeof authorization !== "string") return undefined
  const match = /^bearer +(\S+) *$/i.exec(authorization)
  return match === null ? undefined : match[1]
}

/** Whether `candidate` is one of the keys whose digests are given, comparing with every key in constant time. */
export const matchesAnyKey = (digests: ReadonlyArray<Buffer>, candidate: string): boolean => {
  const attempt = digest(candidate)
  let matched = 0
  for (const key of digests) matched |= Number(timingSafeEqual(key, attempt))
  return matched === 1
}

export const keyDigests = (keys: ReadonlyArray<Redacted.Redacted<string>>): ReadonlyArray<Buffer> =>
  keys.map((key) => digest(Redacted.value(key)))

const MISSING = new Unauthorized({
  message: "This service needs an API key: send the header `Authorization: Bearer <key>`."
})
const WRONG = new Unauthorized({ message: "The API key sent in `Authorization: Bearer <key>` is not valid." })

/** A CORS preflight: browsers send it without `Authorization`, so it is answered without a key. */
const isPreflight = (request: KeyedRequest) =>
  request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined

/**
 * `API_KEYS` access: with keys set, every request but `/health` and CORS preflights needs
 * `Authorization: Bearer <key>` with one of them. Both doors (the fast path and the Effect app) ask `refusal`.
 */
export class ApiKeys extends Effect.Service<ApiKeys>()("ApiKeys", {
  effect: Effect.map(AccessConfig, ({ keys }) => {
    const digests = keyDigests(keys)
    const required = digests.length > 0
    /** The 401 to answer `request` with, or undefined when it may go on. */
    const refusal = (request: KeyedRequest): Unauthorized | undefined => {
      if (!required || isPreflight(request) || pathOf(request.url ?? "/") === "/health") return undefined
      const token = bearerToken(request)
      if (token === undefined) return MISSING
      return matchesAnyKey(digests, token) ? undefined : WRONG
    }
    return { required, refusal } as const
  })
}) {}
