import { Cause, Console, Effect, Option } from "effect"

const oneLine = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null || !("_tag" in error)) return undefined
  if (error._tag === "StartupError" && "message" in error) return String(error.message)
  // A ConfigError prints as one line naming the variable.
  if (["And", "Or", "InvalidData", "MissingData", "SourceUnavailable", "Unsupported"].includes(String(error._tag))) {
    return `configuration: ${String(error)}`
  }
  return undefined
}

/** Reports why the service could not start: one line for the expected refusals, the full cause otherwise. */
export const reportStartupFailure = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.tapErrorCause(self, (cause) =>
    Option.match(
      Option.flatMap(Cause.failureOption(cause), (e) => Option.fromNullable(oneLine(e))),
      {
        onNone: () => Console.error(Cause.pretty(cause)),
        onSome: (line) => Console.error(`production-analytics: ${line}`)
      }
    )
  )
