import { Effect } from "effect"
import { createHash } from "node:crypto"
import { type Coding, compress } from "../compression/Coding.js"
import { routeWindow } from "../domain/DateRouter.js"
import type { DateWindow } from "../domain/DateWindow.js"
import { DB_FILES, type DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"
import type { AnswerKey } from "./AnswerKey.js"
import type { AnswerScope } from "./AnswerScope.js"

/** How a response was served: fresh from the cache, stale while a refresh runs, or computed for it. */
export type Outcome = "HIT" | "STALE" | "MISS"

export type Encoding = Coding

/** What an answer depends on, known before computing it. */
export interface EntryMeta {
  /** The dates the answer covers; undefined = every date (`/items`, `/lines`). */
  readonly window: DateWindow | undefined
  /** The files it reads (routed by the window: both when it crosses the cutover). */
  readonly files: ReadonlyArray<DbFile>
  /** Which records of its window it is made of; undefined: all of them (with no window: anything). */
  readonly scope?: AnswerScope | undefined
}

/**
 * The meta of an answer over `window` (undefined = every date, read from both files), routed at `cutover`, made
 * of the records `scope` says.
 */
export const metaOf = (window: DateWindow | undefined, cutover: IsoDate, scope?: AnswerScope): EntryMeta => ({
  window,
  files: window === undefined ? DB_FILES : routeWindow(window, cutover).map((part) => part.file),
  scope
})

/** What a computation hands the cache: the JSON body as UTF-8, its row count and the database time it took. */
export interface Computed {
  readonly body: Uint8Array
  readonly rows: number
  readonly dbMs: number
}

/** Strong ETag of a body. Hash its UTF-8 bytes where they exist: hashing the text encodes it again (3× slower). */
export const etagOf = (body: string | Uint8Array): string => `"${createHash("sha1").update(body).digest("base64url")}"`

/** A copy of `out` in a buffer of its own: zlib hands out views of 16 KiB chunks, which a cache would hold whole. */
const exact = (out: Uint8Array): Uint8Array => (out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out))

/** One cached answer. Immutable but for its lazily computed compressed forms and its invalidation. */
export class CacheEntry {
  readonly #encoded = new Map<Encoding, Uint8Array>()
  readonly #compressing = new Map<Encoding, Promise<Uint8Array>>()
  #size: number
  /**
   * Undefined while no commit is known to have touched the answer. Set by the first invalidation that covers it
   * (later ones keep it): its data equals the database as of some moment at or after this (clock millis).
   */
  validAsOf: number | undefined = undefined
  /** Its key in the response cache's store, which also says how to compute it again (a refresh). */
  cacheKey: AnswerKey | undefined = undefined

  constructor(
    readonly key: string,
    /** The JSON body as UTF-8, serialized once: what is sent, hashed and compressed. */
    readonly bytes: Uint8Array,
    readonly etag: string,
    readonly meta: EntryMeta,
    /** Clock millis when the computation started: its reads saw every commit made before. */
    readonly startedAt: number,
    /** Clock millis when the computation finished. */
    readonly computedAt: number,
    readonly dbMs: number,
    readonly rows: number,
    /** Told of each compressed form kept, with its size: the store counts the bytes its entries hold. */
    readonly onEncoded: (entry: CacheEntry, added: number) => void = () => {}
  ) {
    this.#size = bytes.byteLength
  }

  static make(
    key: string,
    meta: EntryMeta,
    computed: Computed,
    timing: { readonly startedAt: number; readonly computedAt: number },
    onEncoded?: (entry: CacheEntry, added: number) => void
  ): CacheEntry {
    const { body, dbMs, rows } = computed
    const { startedAt, computedAt } = timing
    return new CacheEntry(key, body, etagOf(body), meta, startedAt, computedAt, dbMs, rows, onEncoded)
  }

  get window(): DateWindow | undefined {
    return this.meta.window
  }

  get files(): ReadonlyArray<DbFile> {
    return this.meta.files
  }

  /** Bytes held: the body and every compressed form kept so far. */
  get size(): number {
    return this.#size
  }

  /** The compressed body if already computed. */
  cachedEncoding(encoding: Encoding): Uint8Array | undefined {
    return this.#encoded.get(encoding)
  }

  /**
   * The compressed body, computed off the main thread on first use (once, whoever asks meanwhile waits for that
   * one: a popular answer is asked for by many connections at once) and kept on the entry.
   */
  encoded(encoding: Encoding): Effect.Effect<Uint8Array> {
    return Effect.suspend(() => {
      const cached = this.#encoded.get(encoding)
      // zlib fails only on bad options or memory exhaustion: a defect.
      return cached !== undefined ? Effect.succeed(cached) : Effect.promise(() => this.compressed(encoding))
    })
  }

  /** `encoded` for the `node:http` listener, which answers without a fiber. */
  compressed(encoding: Encoding): Promise<Uint8Array> {
    const cached = this.#encoded.get(encoding)
    if (cached !== undefined) return Promise.resolve(cached)
    let pending = this.#compressing.get(encoding)
    if (pending === undefined) {
      pending = compress(this.bytes, encoding).then((out) => this.#keep(encoding, out))
      this.#compressing.set(encoding, pending)
    }
    return pending
  }

  #keep(encoding: Encoding, out: Uint8Array): Uint8Array {
    const kept = exact(out)
    this.#encoded.set(encoding, kept)
    this.#size += kept.byteLength
    this.onEncoded(this, kept.byteLength)
    return kept
  }
}
