import { Effect } from "effect"
import { createHash } from "node:crypto"
import * as zlib from "node:zlib"
import { routeWindow } from "../domain/DateRouter.js"
import type { DateWindow } from "../domain/DateWindow.js"
import { DB_FILES, type DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"

/** How a response was served: fresh from the cache, stale while a refresh runs, or computed for it. */
export type Outcome = "HIT" | "STALE" | "MISS"

export type Encoding = "gzip" | "br"

/** What an answer depends on, known before computing it. */
export interface EntryMeta {
  /** The dates the answer covers; undefined = every date (`/items`, `/lines`). */
  readonly window: DateWindow | undefined
  /** The files it reads (routed by the window: both when it crosses the cutover). */
  readonly files: ReadonlyArray<DbFile>
}

/** The meta of an answer over `window` (undefined = every date, read from both files), routed at `cutover`. */
export const metaOf = (window: DateWindow | undefined, cutover: IsoDate): EntryMeta => ({
  window,
  files: window === undefined ? DB_FILES : routeWindow(window, cutover).map((part) => part.file)
})

/** What a computation hands the cache: the JSON body as UTF-8, its row count and the database time it took. */
export interface Computed {
  readonly body: Uint8Array
  readonly rows: number
  readonly dbMs: number
}

/** Strong ETag of a body. Hash its UTF-8 bytes where they exist: hashing the text encodes it again (3× slower). */
export const etagOf = (body: string | Uint8Array): string => `"${createHash("sha1").update(body).digest("base64url")}"`

// Compressed once per entry and served many times: a little more effort than for one-off bodies.
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6 }
const brotliOptions = (size: number): zlib.BrotliOptions => ({
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size }
})

/** One cached answer. Immutable but for its lazily computed compressed forms. */
export class CacheEntry {
  readonly #encoded = new Map<Encoding, Uint8Array>()

  constructor(
    readonly key: string,
    /** The JSON body as UTF-8, serialized once: what is sent, hashed and compressed. */
    readonly bytes: Uint8Array,
    readonly etag: string,
    readonly window: DateWindow | undefined,
    readonly files: ReadonlyArray<DbFile>,
    /** Clock millis when the computation finished. */
    readonly computedAt: number,
    readonly dbMs: number,
    readonly rows: number
  ) {}

  static make(key: string, meta: EntryMeta, computed: Computed, computedAt: number): CacheEntry {
    const bytes = computed.body
    return new CacheEntry(key, bytes, etagOf(bytes), meta.window, meta.files, computedAt, computed.dbMs, computed.rows)
  }

  /** The compressed body if already computed. */
  cachedEncoding(encoding: Encoding): Uint8Array | undefined {
    return this.#encoded.get(encoding)
  }

  /** The compressed body, computed synchronously on first use (for the synchronous fast path). */
  encodedSync(encoding: Encoding): Uint8Array {
    const cached = this.#encoded.get(encoding)
    if (cached !== undefined) return cached
    const out =
      encoding === "br"
        ? zlib.brotliCompressSync(this.bytes, brotliOptions(this.bytes.length))
        : zlib.gzipSync(this.bytes, GZIP_OPTIONS)
    this.#encoded.set(encoding, out)
    return out
  }

  /** The compressed body, computed off the main thread on first use and kept on the entry. */
  encoded(encoding: Encoding): Effect.Effect<Uint8Array> {
    return Effect.suspend(() => {
      const cached = this.#encoded.get(encoding)
      if (cached !== undefined) return Effect.succeed(cached)
      return Effect.async<Uint8Array>((resume) => {
        const done = (error: Error | null, out: Buffer) => {
          // zlib fails only on bad options or memory exhaustion: a defect.
          if (error !== null) return resume(Effect.die(error))
          const kept = this.#encoded.get(encoding) ?? out
          this.#encoded.set(encoding, kept)
          resume(Effect.succeed(kept))
        }
        if (encoding === "br") zlib.brotliCompress(this.bytes, brotliOptions(this.bytes.length), done)
        else zlib.gzip(this.bytes, GZIP_OPTIONS, done)
      })
    })
  }
}
