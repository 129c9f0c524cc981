/**
 * A small seeded PRNG (sfc32) and a string hash to derive its state, so that every random stream of the
 * generator is a pure function of its key (the seed plus a date, a month, ...). Math.random is never used.
 */

/** A stream of uniform floats in [0, 1) with a few helpers. */
export interface Rng {
  /** A uniform float in [0, 1). */
  readonly next: () => number
  /** A uniform integer in [min, max], both inclusive. */
  readonly int: (min: number, max: number) => number
  /** One element of a non-empty array, uniformly. */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** True with probability `p`. */
  readonly chance: (p: number) => boolean
}

/** cyrb128: four 32-bit words from a string, well mixed (seed material for sfc32). */
export const hash128 = (key: string): [number, number, number, number] => {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

/** An sfc32 stream seeded from `parts` (joined into one key): the same parts always give the same stream. */
export const makeRng = (...parts: ReadonlyArray<string | number>): Rng => {
  let [a, b, c, d] = hash128(parts.join("|"))
  const next = (): number => {
    a |= 0
    b |= 0
    c |= 0
    d |= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // Discard the first outputs: sfc32 mixes its state over its first few rounds.
  for (let i = 0; i < 12; i++) next()
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p
  }
}

/** Walker's alias table over `weights`: `sample(rng)` draws an index in O(1), with probability proportional to its weight. */
export interface AliasTable {
  readonly size: number
  readonly sample: (rng: Rng) => number
}

export const makeAliasTable = (weights: ReadonlyArray<number>): AliasTable => {
  const n = weights.length
  const total = weights.reduce((s, w) => s + w, 0)
  const prob = new Float64Array(n)
  const alias = new Int32Array(n)
  const scaled = weights.map((w) => (w * n) / total)
  const small: Array<number> = []
  const large: Array<number> = []
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i))
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!
    const l = large.pop()!
    prob[s] = scaled[s]!
    alias[s] = l
    scaled[l] = scaled[l]! + scaled[s]! - 1
    ;(scaled[l]! < 1 ? small : large).push(l)
  }
  for (const i of [...small, ...large]) prob[i] = 1
  return {
    size: n,
    sample: (rng) => {
      const i = Math.floor(rng.next() * n)
      return rng.next() < prob[i]! ? i : alias[i]!
    }
  }
}
