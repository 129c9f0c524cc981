import { HttpApiSchema } from "@effect/platform"
import { Effect, FiberRef, HashMap, Schema } from "effect"
import type { ReadError } from "../query/ReadErrors.js"
import { type Reply, jsonReply } from "./Reply.js"

/**
 * The errors a client can see. Each is a `Schema.TaggedError` (typed in handlers) plus a body schema that drops
 * `_tag`, so the body is exactly `{"code","message"}` (and `"parameter"` for a 400 about one parameter).
 */

/** Seconds a client should wait before retrying an `overloaded` answer. */
export const RETRY_AFTER_SECONDS = 1

const code = <C extends string>(value: C) =>
  Schema.Literal(value).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => value)
  )

export class InvalidParameter extends Schema.TaggedError<InvalidParameter>()(
  "InvalidParameter",
  { code: code("invalid_parameter"), message: Schema.String, parameter: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { code: code("not_found"), message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export class Overloaded extends Schema.TaggedError<Overloaded>()(
  "Overloaded",
  { code: code("overloaded"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

export class DatabaseUnavailableError extends Schema.TaggedError<DatabaseUnavailableError>()(
  "DatabaseUnavailableError",
  { code: code("database_unavailable"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

export class QueryTimedOut extends Schema.TaggedError<QueryTimedOut>()(
  "QueryTimedOut",
  { code: code("timeout"), message: Schema.String },
  HttpApiSchema.annotations({ status: 504 })
) {}

export class ChatUnavailable extends Schema.TaggedError<ChatUnavailable>()(
  "ChatUnavailable",
  { code: code("chat_unavailable"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

export class UpstreamError extends Schema.TaggedError<UpstreamError>()(
  "UpstreamError",
  { code: code("upstream_error"), message: Schema.String },
  HttpApiSchema.annotations({ status: 502 })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { code: code("unauthorized"), message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { code: code("forbidden"), message: Schema.String },
  HttpApiSchema.annotations({ status: 403 })
) {}

export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  {
    code: code("rate_limited"),
    message: Schema.String,
    // Sent as `Retry-After`, not in the body.
    retryAfterSeconds: Schema.optionalWith(Schema.Int, { default: () => RETRY_AFTER_SECONDS })
  },
  HttpApiSchema.annotations({ status: 429 })
) {}

/** What reading the database can end in, as the client sees it. */
export type ReadFailure = Overloaded | DatabaseUnavailableError | QueryTimedOut
/** What a chat turn can end in besides a bad request: no model, the model failed, too slow. */
export type ChatFailure = ChatUnavailable | UpstreamError | QueryTimedOut
/** What the access rules refuse with. */
export type AccessFailure = Unauthorized | Forbidden | RateLimited
export type ApiError = InvalidParameter | NotFound | ReadFailure | ChatFailure | AccessFailure

const message = Schema.String.annotations({ description: "A human-readable explanation." })
const body = <C extends string>(value: C) => Schema.Struct({ code: Schema.Literal(value), message })

/** The error as its body is sent: `_tag` removed on encode, restored on decode; documented with its status. */
const errorBody = <Self extends { readonly _tag: string }, I extends { readonly _tag: string }>(
  error: Schema.Schema<Self, I> & { readonly _tag: string },
  sent: Schema.Schema<Omit<I, "_tag">>,
  status: number,
  description: string
): Schema.Schema<Self, Omit<I, "_tag">> =>
  Schema.transform(sent, Schema.encodedSchema(error), {
    strict: false,
    decode: (fields) => ({ ...fields, _tag: error._tag }),
    encode: ({ _tag: _, ...fields }) => fields
  })
    .pipe(Schema.compose(error))
    .annotations({ ...HttpApiSchema.annotations({ status }), identifier: `${error._tag}Body`, description })

export const InvalidParameterBody = errorBody(
  InvalidParameter,
  Schema.Struct({
    code: Schema.Literal("invalid_parameter"),
    message,
    parameter: Schema.optional(Schema.String.annotations({ description: "The parameter at fault." }))
  }),
  400,
  "A parameter is malformed, out of range, unknown or repeated; `from` > `to`; or the cursor is bad."
)
export const NotFoundBody = errorBody(NotFound, body("not_found"), 404, "No endpoint at this path.")
export const OverloadedBody = errorBody(
  Overloaded,
  body("overloaded"),
  503,
  "Too many requests are waiting for the database, or too many exports run at once (see `Retry-After`)."
)
export const DatabaseUnavailableBody = errorBody(
  DatabaseUnavailableError,
  body("database_unavailable"),
  503,
  "A database file the window needs cannot be read (the message says `live` or `archive`)."
)
export const QueryTimedOutBody = errorBody(
  QueryTimedOut,
  body("timeout"),
  504,
  "The request's database work took too long."
)

export const ChatUnavailableBody = errorBody(
  ChatUnavailable,
  body("chat_unavailable"),
  503,
  "No upstream model is configured: set CHAT_BASE_URL and CHAT_MODEL."
)
export const UpstreamErrorBody = errorBody(
  UpstreamError,
  body("upstream_error"),
  502,
  "The upstream model server refused, failed or could not be reached (its HTTP status in the message)."
)
export const UnauthorizedBody = errorBody(
  Unauthorized,
  body("unauthorized"),
  401,
  "`API_KEYS` is set and the request has no `Authorization: Bearer <key>` with one of them (see `WWW-Authenticate`)."
)
export const ForbiddenBody = errorBody(
  Forbidden,
  body("forbidden"),
  403,
  "Chat without `API_KEYS` on a non-loopback `HOST`: chat spends money upstream."
)
export const RateLimitedBody = errorBody(
  RateLimited,
  body("rate_limited"),
  429,
  "More chat calls than `CHAT_RATE_PER_MINUTE` for this key or address (see `Retry-After`)."
)

const encoding = (schema: Schema.Schema.AnyNoContext) => ({
  is: Schema.is(Schema.typeSchema(schema)),
  encode: Schema.encodeUnknownSync(schema),
  status: HttpApiSchema.getStatusError(schema)
})

// The same schemas HttpApi documents in the OpenAPI: the status and the body each error is documented with.
const ENCODINGS = [
  InvalidParameterBody,
  NotFoundBody,
  OverloadedBody,
  DatabaseUnavailableBody,
  QueryTimedOutBody,
  ChatUnavailableBody,
  UpstreamErrorBody,
  UnauthorizedBody,
  ForbiddenBody,
  RateLimitedBody
].map(encoding)

/** Whether `u` is an error the contract lets a client see. */
export const isApiError = (u: unknown): u is ApiError => ENCODINGS.some((e) => e.is(u))

/**
 * The contract's reply to an error a client may see: its status, `{code, message[, parameter]}` and, for
 * `overloaded` and `rate_limited`, `Retry-After`; for `unauthorized`, `WWW-Authenticate`. The fast path and the
 * app (an HttpApi middleware) both answer through it.
 */
export const errorReply = (error: ApiError): Reply => {
  const { encode, status } = ENCODINGS.find((e) => e.is(error))!
  const headers: Record<string, string> = {}
  if (error._tag === "Overloaded") headers["retry-after"] = String(RETRY_AFTER_SECONDS)
  if (error._tag === "RateLimited") headers["retry-after"] = String(error.retryAfterSeconds)
  if (error._tag === "Unauthorized") headers["www-authenticate"] = "Bearer"
  return jsonReply(status, headers, Buffer.from(JSON.stringify(encode(error))))
}

export const overloaded = (message: string): Effect.Effect<never, Overloaded> =>
  Effect.fail(new Overloaded({ message }))

const CAUSE = "cause"

/**
 * Notes the internal cause of the current request's error answer (which read error, the SQLite code, a defect's
 * stack) for its log line, never for the client: a log annotation of the request's fiber, which the error log
 * line carries.
 */
export const noteCause = (cause: string): Effect.Effect<void> =>
  FiberRef.update(FiberRef.currentLogAnnotations, (annotations) => HashMap.set(annotations, CAUSE, cause))

/** The cause noted for the current request, if any. */
export const notedCause: Effect.Effect<string | undefined> = Effect.map(Effect.logAnnotations, (annotations) => {
  const cause = HashMap.get(annotations, CAUSE)
  return cause._tag === "Some" && typeof cause.value === "string" ? cause.value : undefined
})

/** What the log line of the answer says caused it (the client gets only `clientFailure`). */
const readErrorCause = (error: ReadError): string => {
  switch (error._tag) {
    case "PoolOverloaded":
      return `PoolOverloaded: ${error.reason}`
    case "DatabaseUnavailable":
      return `DatabaseUnavailable (${error.file}): ${error.reason}`
    case "ServerUnavailable":
      return `ServerUnavailable: ${error.reason}`
    case "QueryTimeout":
      return `QueryTimeout: past ${error.timeoutMs} ms`
  }
}

/** The client-visible form of an internal read error (never with SQL, paths or stacks); the cause goes to the log. */
export const fromReadError = (error: ReadError): Effect.Effect<never, ReadFailure> =>
  Effect.zipRight(noteCause(readErrorCause(error)), Effect.fail(clientFailure(error)))

const clientFailure = (error: ReadError): ReadFailure => {
  switch (error._tag) {
    case "PoolOverloaded":
      return new Overloaded({
        message: "The service is busy: too many requests are waiting for the database. Retry shortly."
      })
    case "DatabaseUnavailable":
      return new DatabaseUnavailableError({
        message: `The ${error.file} database cannot be read right now. Retry later.`
      })
    case "ServerUnavailable":
      return new DatabaseUnavailableError({ message: "The database cannot be read right now. Retry later." })
    case "QueryTimeout":
      return new QueryTimedOut({
        message: `The query did not finish within ${error.timeoutMs} ms. Narrow the date window or add filters.`
      })
  }
}
