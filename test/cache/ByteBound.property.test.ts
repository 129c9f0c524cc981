import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "effect/FastCheck"
import { CacheEntry, type EntryMeta, type Encoding } from "../../src/cache/CacheEntry.js"
import { EntryStore, type StoreLimits } from "../../src/cache/EntryStore.js"

const KEYS = ["a", "b", "c", "d", "e", "f"] as const
const LIMITS: StoreLimits = { capacity: 4, maxBytes: 6000, maxEntryBytes: 2500 }
const META: EntryMeta = { window: undefined, files: ["live"] }

type Op =
  | { readonly _tag: "put"; readonly key: number; readonly size: number; readonly seed: number }
  | { readonly _tag: "use"; readonly key: number }
  /** `age` 0: the last entry made for the key; 1 the one before it (replaced, still compressed for its request)… */
  | { readonly _tag: "encode"; readonly key: number; readonly age: number; readonly coding: Encoding }
  | { readonly _tag: "remove"; readonly key: number }

const key = fc.nat(KEYS.length - 1)
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("put" as const),
      key,
      // Around both limits: the entry limit (2500) and the byte budget (6000) over a few entries.
      size: fc.oneof(fc.nat(3000), fc.constantFrom(0, 2500, 2501, 6000)),
      seed: fc.nat(1000)
    })
  },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("use" as const), key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("encode" as const),
      key,
      age: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(2) }),
      coding: fc.constantFrom<Encoding>("gzip", "br")
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("remove" as const), key }) }
)

/** A JSON-ish body of `size` bytes that compresses to a size depending on `seed`. */
const bodyOf = (size: number, seed: number): Buffer => {
  const text = Array.from({ length: Math.ceil(size / 8) + 1 }, (_, i) => `${(i * seed) % 997},`).join("")
  return Buffer.from(text.slice(0, size))
}

/** Reference: entries least recently used first, each with the bytes it holds; evict from the front. */
class ReferenceLru {
  entries: Array<{ readonly key: string; readonly entry: CacheEntry; size: number }> = []
  evictions = 0

  get bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.size, 0)
  }

  put(entry: CacheEntry): void {
    this.remove(entry.key)
    if (entry.bytes.byteLength > Math.min(LIMITS.maxEntryBytes, LIMITS.maxBytes)) return
    this.entries.push({ key: entry.key, entry, size: entry.bytes.byteLength })
    this.evict()
  }

  use(key: string): void {
    const at = this.entries.findIndex((e) => e.key === key)
    if (at >= 0) this.entries.push(...this.entries.splice(at, 1))
  }

  /** A compressed form of `added` bytes kept by `entry`: counted only while that very entry is held. */
  grow(entry: CacheEntry, added: number): void {
    const held = this.entries.find((e) => e.entry === entry)
    if (held === undefined) return
    held.size += added
    this.evict()
  }

  remove(key: string): void {
    this.entries = this.entries.filter((e) => e.key !== key)
  }

  evict(): void {
    while (this.entries.length > LIMITS.capacity || this.bytes > LIMITS.maxBytes) {
      this.entries.shift()
      this.evictions++
    }
  }
}

describe("EntryStore byte bound, against a reference LRU by bytes", () => {
  it.effect.prop(
    "holds the entries the reference holds, in its order, with the same bytes and evictions",
    { ops: fc.array(opArbitrary, { maxLength: 60 }) },
    ({ ops }) =>
      Effect.gen(function* () {
        const store = new EntryStore(LIMITS)
        const model = new ReferenceLru()
        /** The entries made per key, stored or not (an evicted entry may still be compressed for its request). */
        const made = new Map<string, Array<CacheEntry>>()
        for (const op of ops) {
          const k = KEYS[op.key]!
          switch (op._tag) {
            case "put": {
              const computed = { body: bodyOf(op.size, op.seed), rows: 0, dbMs: 0 }
              const entry = CacheEntry.make(k, META, computed, { startedAt: 0, computedAt: 0 }, store.encodedAdded)
              made.set(k, [entry, ...(made.get(k) ?? [])])
              store.insert(entry)
              model.put(entry)
              break
            }
            case "use": {
              const entry = store.entries.get(k)
              if (entry !== undefined) store.touch(entry)
              model.use(k)
              break
            }
            case "encode": {
              const entry = made.get(k)?.[op.age]
              if (entry === undefined || entry.cachedEncoding(op.coding) !== undefined) break
              const out = yield* entry.encoded(op.coding)
              // Kept as a buffer of its own, so the bytes counted are the bytes held.
              expect(out.buffer.byteLength).toBe(out.byteLength)
              model.grow(entry, out.byteLength)
              break
            }
            case "remove":
              store.remove(k)
              model.remove(k)
          }
          expect([...store.entries.keys()]).toEqual(model.entries.map((e) => e.key))
          expect(store.bytes).toBe(model.bytes)
          expect(store.bytes).toBeLessThanOrEqual(LIMITS.maxBytes)
          expect(store.bytes).toBe([...store.entries.values()].reduce((sum, e) => sum + e.size, 0))
          expect(store.counts.evictions).toBe(model.evictions)
        }
      }),
    { fastCheck: { numRuns: 300 } }
  )
})
