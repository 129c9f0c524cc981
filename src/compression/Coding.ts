import * as zlib from "node:zlib"

/** The content codings the service compresses bodies with. */
export type Coding = "br" | "gzip"

/**
 * One setting for every body: cached answers (compressed once per entry, and again on every refresh; the miss
 * that made the entry waits for it), one-off bodies and the export's stream. A cached form is sent many times, so
 * its bytes weigh more than the compression's time: brotli 5 sends 16-19 % fewer bytes than 3, which under load is
 * more requests a second (docs/benchmark-notes.md, "Compression settings").
 */
const BROTLI_QUALITY = 5
const GZIP_LEVEL = 6

const brotliOptions = (sizeHint: number): zlib.BrotliOptions => ({
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: sizeHint }
})
const GZIP_OPTIONS: zlib.ZlibOptions = { level: GZIP_LEVEL }

/**
 * Output buffer of a one-shot compression: the whole output in one piece, up to 1 MiB. With zlib's 16 KiB default
 * every chunk is a trip through the event loop and a new task on the pool (the event loop's share of a 1.6 MB body
 * 0.8-0.9 → 0.35 ms: docs/benchmark-notes.md).
 */
const chunkSizeFor = (bytes: Uint8Array) => Math.min(Math.max(bytes.length, zlib.constants.Z_DEFAULT_CHUNK), 1 << 20)

/** `bytes` compressed with `coding` on libuv's thread pool, never on the event loop. */
export const compress = (bytes: Uint8Array, coding: Coding): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const done = (error: Error | null, out: Buffer) => (error === null ? resolve(out) : reject(error))
    const chunkSize = chunkSizeFor(bytes)
    if (coding === "br") zlib.brotliCompress(bytes, { ...brotliOptions(bytes.length), chunkSize }, done)
    else zlib.gzip(bytes, { ...GZIP_OPTIONS, chunkSize }, done)
  })

/** A stream that compresses what goes through it with `coding` (on the thread pool, chunk by chunk). */
export const compressor = (coding: Coding): zlib.BrotliCompress | zlib.Gzip =>
  coding === "br" ? zlib.createBrotliCompress(brotliOptions(0)) : zlib.createGzip(GZIP_OPTIONS)
