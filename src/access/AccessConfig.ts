import { Config, Redacted } from "effect"

export interface AccessSettings {
  /** `API_KEYS`: none = open access. Redacted, so a dump of the configuration never shows them. */
  readonly keys: ReadonlyArray<Redacted.Redacted<string>>
  /** `HOST`, as the server listens on it (chat without keys answers only on a loopback host). */
  readonly host: string
  /** `CHAT_RATE_PER_MINUTE`: chat calls per minute per key (or per client address without keys). */
  readonly chatRatePerMinute: number
}

/** `API_KEYS` (comma-separated; entries trimmed, empty ones ignored), `HOST` and `CHAT_RATE_PER_MINUTE`. */
export const AccessConfig: Config.Config<AccessSettings> = Config.all({
  keys: Config.redacted("API_KEYS").pipe(
    Config.withDefault(Redacted.make("")),
    Config.map((all) =>
      Redacted.value(all)
        .split(",")
        .map((key) => key.trim())
        .filter((key) => key !== "")
        .map((key) => Redacted.make(key))
    )
  ),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  chatRatePerMinute: Config.integer("CHAT_RATE_PER_MINUTE").pipe(
    Config.withDefault(30),
    Config.validate({ message: "CHAT_RATE_PER_MINUTE must be at least 1", validation: (n) => n >= 1 })
  )
})
