import { Data } from "effect"

/** Why the service will not start, as one line naming the file (and the command that fixes it, if any). */
export class StartupError extends Data.TaggedError("StartupError")<{ readonly message: string }> {}
