import type { CacheEntry } from "../../src/cache/CacheEntry.js"

/** An entry's body as text, for assertions (the cache keeps bodies as UTF-8 bytes). */
export const textOf = (entry: CacheEntry | undefined): string | undefined =>
  entry === undefined ? undefined : Buffer.from(entry.bytes).toString("utf8")
