import { OneConnection } from "./HttpClient.js"
import type { CacheTally } from "./Mixed.js"
import { sleep } from "./ServerProcess.js"

/** Epoch ms on the clock the outside loader stamps its commits with (same machine, another process). */
export const epochNow = (): number => performance.timeOrigin + performance.now()

/**
 * A client asking one URL through the cache, on a connection of its own, one request every `intervalMs` (from
 * the start of one to the start of the next): the first answer holding each lot number that starts with
 * `lotPrefix` is when the service first showed that record. Its own cache lookups are counted, so that the
 * workload's hit rate can leave them out.
 */
export class FreshnessProbe {
  /** Each lot's first answer: when it arrived (epoch ms) and its round trip (ms). */
  readonly firstSeen = new Map<string, { readonly at: number; readonly roundTripMs: number }>()
  readonly #client: OneConnection
  #probes = 0
  #firstAt = NaN
  #lastAt = NaN
  #failures: Array<string> = []
  #served = 0
  #misses = 0
  #stopped = false
  #loop: Promise<void> | undefined

  constructor(
    base: string,
    readonly path: string,
    readonly lotPrefix: string,
    readonly intervalMs: number
  ) {
    this.#client = new OneConnection(base)
  }

  get probes(): number {
    return this.#probes
  }

  /** Mean time from the start of one probe to the start of the next, ms (longer than asked when answers are slow). */
  get meanIntervalMs(): number {
    return (this.#lastAt - this.#firstAt) / Math.max(1, this.#probes - 1)
  }

  /** Requests that failed or were not answered 200, with why. */
  get failures(): ReadonlyArray<string> {
    return this.#failures
  }

  readonly tally = (): CacheTally => ({ served: this.#served, misses: this.#misses })

  async #probe(): Promise<void> {
    this.#probes++
    this.#lastAt = performance.now()
    if (this.#probes === 1) this.#firstAt = this.#lastAt
    try {
      const answer = await this.#client.get(this.path, 10_000)
      const at = epochNow()
      if (answer.xCache === "MISS") this.#misses++
      else if (answer.xCache === "HIT" || answer.xCache === "STALE") this.#served++
      if (answer.status !== 200) {
        this.#failures.push(`${answer.status} ${answer.body.toString().slice(0, 200)}`)
        return
      }
      const page = JSON.parse(answer.body.toString()) as { rows: ReadonlyArray<{ lot_number: string }> }
      for (const row of page.rows)
        if (row.lot_number.startsWith(this.lotPrefix) && !this.firstSeen.has(row.lot_number))
          this.firstSeen.set(row.lot_number, { at, roundTripMs: answer.ms })
    } catch (error) {
      this.#failures.push(error instanceof Error ? error.message : String(error))
    }
  }

  /** Starts probing; resolves after the first answer. */
  async start(): Promise<void> {
    let started = performance.now()
    await this.#probe()
    this.#loop = (async () => {
      while (!this.#stopped) {
        await sleep(started + this.intervalMs - performance.now())
        started = performance.now()
        if (!this.#stopped) await this.#probe()
      }
    })()
  }

  /** Resolves once every lot in `lots` has been seen, or at `deadline` (`performance.now()` ms). */
  async seenAll(lots: ReadonlyArray<string>, deadline: number): Promise<boolean> {
    while (lots.some((lot) => !this.firstSeen.has(lot))) {
      if (performance.now() > deadline) return false
      await sleep(this.intervalMs)
    }
    return true
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#loop
    this.#client.close()
  }
}
