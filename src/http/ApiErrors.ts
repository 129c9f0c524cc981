import { HttpApiSchema, HttpApp, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import type { ReadError } from "../pool/ReadErrors.js"
import { noteCause } from "./ErrorLog.js"

/**
 * The errors a client can see. Each is a `Schema.TaggedError` (typed in handlers) plus a wire schema that drops
 * `_tag`, so the body is exactly `{"code","message"}` (and `"parameter"` for a 400 about one parameter).
 */

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

/** What reading the database can end in, as the client sees it. */
export type ReadFailure = Overloaded | DatabaseUnavailableError | QueryTimedOut
export type ApiError = InvalidParameter | NotFound | ReadFailure

const message = Schema.String.annotations({ description: "A human-readable explanation." })
const body = <C extends string>(value: C) => Schema.Struct({ code: Schema.Literal(value), message })

/** The body as sent: `_tag` removed on encode, restored on decode. */
const wire = <Self extends { readonly _tag: string }, I extends { readonly _tag: string }>(
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

export const InvalidParameterBody = wire(
  InvalidParameter,
  Schema.Struct({
    code: Schema.Literal("invalid_parameter"),
    message,
    parameter: Schema.optional(Schema.String.annotations({ description: "The parameter at fault." }))
  }),
  400,
  "A parameter is malformed, out of range, unknown or repeated; `from` > `to`; or the cursor is bad."
)
export const NotFoundBody = wire(NotFound, body("not_found"), 404, "No endpoint at this path.")
export const OverloadedBody = wire(
  Overloaded,
  body("overloaded"),
  503,
  "Too many requests are waiting for the database, or too many exports run at once (see `Retry-After`)."
)
export const DatabaseUnavailableBody = wire(
  DatabaseUnavailableError,
  body("database_unavailable"),
  503,
  "A database file the window needs cannot be read (the message says `live` or `archive`)."
)
export const QueryTimedOutBody = wire(QueryTimedOut, body("timeout"), 504, "The request's database work took too long.")

/** Seconds a client should wait before retrying an `overloaded` answer. */
export const RETRY_AFTER_SECONDS = 1

/** Marks the response (whatever encodes the error) with `Retry-After`. */
export const withRetryAfter = HttpApp.appendPreResponseHandler((_request, response) =>
  Effect.succeed(HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_SECONDS)))
)

export const overloaded = (message: string): Effect.Effect<never, Overloaded> =>
  Effect.zipRight(withRetryAfter, Effect.fail(new Overloaded({ message })))

/** What the log line of the answer says caused it (the client gets only `clientFailure`). */
const logCause = (error: ReadError): string => {
  switch (error._tag) {
    case "PoolOverloaded":
      return `PoolOverloaded: ${error.reason}`
    case "DatabaseUnavailable":
      return `DatabaseUnavailable (${error.file}): ${error.reason}`
    case "QueryTimeout":
      return `QueryTimeout: past ${error.timeoutMs} ms`
  }
}

/** The client-visible form of an internal read error (never with SQL, paths or stacks); the cause goes to the log. */
export const fromReadError = (error: ReadError): Effect.Effect<never, ReadFailure> =>
  Effect.zipRight(noteCause(logCause(error)), clientFailure(error))

const clientFailure = (error: ReadError): Effect.Effect<never, ReadFailure> => {
  switch (error._tag) {
    case "PoolOverloaded":
      return overloaded("The service is busy: too many requests are waiting for the database. Retry shortly.")
    case "DatabaseUnavailable":
      return Effect.fail(
        new DatabaseUnavailableError({
          message: `The ${error.file} database cannot be read right now. Retry later.`
        })
      )
    case "QueryTimeout":
      return Effect.fail(
        new QueryTimedOut({
          message: `The query did not finish within ${error.timeoutMs} ms. Narrow the date window or add filters.`
        })
      )
  }
}

/** Direct JSON response for an error raised outside HttpApi's error encoding (middleware, 404). */
export const errorResponse = (status: number, body: Record<string, string>): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json" })
