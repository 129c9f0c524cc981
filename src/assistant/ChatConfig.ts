import { Config, Effect, Option, type Redacted } from "effect"

/** Where the upstream model is and how to speak to it; absent when `CHAT_BASE_URL` or `CHAT_MODEL` is unset. */
export interface Upstream {
  readonly baseUrl: string
  readonly model: string
  readonly api: "chat-completions" | "responses"
  /** Sent as `Authorization: Bearer`; redacted so that no log line can show it. */
  readonly apiKey: Option.Option<Redacted.Redacted>
}

/** An empty value counts as unset (`CHAT_BASE_URL=` in an env file turns chat off). */
const optionalText = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

const bounded = (name: string, fallback: number, min: number, max: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be ${min}..${max}`, validation: (n) => n >= min && n <= max })
  )

/** The `CHAT_*` variables (api.md § "Assistant endpoints"). */
export class ChatConfig extends Effect.Service<ChatConfig>()("ChatConfig", {
  effect: Effect.gen(function* () {
    const baseUrl = yield* optionalText("CHAT_BASE_URL")
    const model = yield* optionalText("CHAT_MODEL")
    const api = yield* Config.literal(
      "chat-completions",
      "responses"
    )("CHAT_API").pipe(Config.withDefault("chat-completions" as const))
    const apiKey = yield* Config.option(Config.redacted("CHAT_API_KEY"))
    const upstream: Option.Option<Upstream> = Option.map(Option.all({ baseUrl, model }), ({ baseUrl, model }) => ({
      baseUrl: baseUrl.replace(/\/+$/, ""),
      model,
      api,
      apiKey
    }))
    return {
      upstream,
      maxToolRounds: yield* bounded("CHAT_MAX_TOOL_ROUNDS", 6, 1, 50),
      timeoutMs: yield* bounded("CHAT_TIMEOUT_MS", 60_000, 1, 3_600_000),
      modelAlias: yield* Config.nonEmptyString("CHAT_MODEL_ALIAS").pipe(Config.withDefault("production-analytics"))
    } as const
  })
}) {}
