import { Config } from "effect"

/** `QUERY_TIMEOUT_MS`: how long a request's database work may take (default 5000), whichever backend runs it. */
export const queryTimeoutMsConfig = Config.integer("QUERY_TIMEOUT_MS").pipe(
  Config.validate({ message: "QUERY_TIMEOUT_MS must be at least 1", validation: (n) => Number.isInteger(n) && n >= 1 }),
  Config.withDefault(5000)
)
