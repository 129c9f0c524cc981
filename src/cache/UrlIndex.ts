import { type IsoDate, utcDateOf } from "../domain/IsoDate.js"

const DAY_MS = 86_400_000

interface UrlTarget {
  readonly key: string
  /** The UTC day the URL resolved to `key` on (its defaults, such as `to` = today, move with the day). */
  readonly day: IsoDate | undefined
}

/**
 * Exact request URL → cache key, for the synchronous fast path. Bounded, the oldest registration out first: clients
 * may add cache busters (`_=…`), so many URLs can name one key.
 */
export class UrlIndex {
  readonly #targets = new Map<string, UrlTarget>()
  #dayStart = 0
  #dayEnd = 0
  #day = "" as IsoDate

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#targets.size
  }

  remember(url: string, key: string, day: IsoDate | undefined): void {
    this.#targets.delete(url)
    this.#targets.set(url, { key, day })
    if (this.#targets.size > this.capacity) this.#targets.delete(this.#targets.keys().next().value!)
  }

  /** The key `url` resolves to at `nowMillis`, if known. */
  resolve(url: string, nowMillis: number): string | undefined {
    const target = this.#targets.get(url)
    if (target === undefined) return undefined
    if (target.day !== undefined && target.day !== this.#dayOf(nowMillis)) {
      this.#targets.delete(url)
      return undefined
    }
    return target.key
  }

  forget(url: string): void {
    this.#targets.delete(url)
  }

  /** The UTC date of `nowMillis`, recomputed only when the day changes. */
  #dayOf(nowMillis: number): IsoDate {
    if (nowMillis < this.#dayStart || nowMillis >= this.#dayEnd) {
      this.#dayStart = nowMillis - (((nowMillis % DAY_MS) + DAY_MS) % DAY_MS)
      this.#dayEnd = this.#dayStart + DAY_MS
      this.#day = utcDateOf(nowMillis)
    }
    return this.#day
  }
}
