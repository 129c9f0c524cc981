import { type Effect, Equal } from "effect"
import type { DbFile } from "../domain/DbFile.js"
import { AnswerKey } from "./AnswerKey.js"
import type { Computed, EntryMeta } from "./CacheEntry.js"
import { type TouchedScopes, changeReaches } from "./AnswerScope.js"

/** One computation of an answer in progress: a miss's lookup or a background refresh. */
export interface Computation {
  readonly key: AnswerKey
  /** Clock millis: its reads see every commit made before. */
  readonly startedAt: number
  /** Set by the first invalidation that overtakes it: its answer is stored invalidated, valid as of this. */
  validAsOf: number | undefined
  /** Set when a file it reads was replaced (`invalidateFile`): its answer is never stored. */
  dropped: boolean
}

/**
 * The computations in progress and what invalidations did to them meanwhile: marked (stored invalidated, or not
 * at all) and detached — their key's generation moves on, so that later requests compute anew rather than join
 * them. A key's generation goes back to 0 once nothing of it is computing.
 */
export class Computations {
  /** By the very key object that started each (lookups are told apart from the gets that joined them). */
  readonly #running = new Map<AnswerKey, Computation>()
  readonly #generations = new Map<string, number>()
  /** Per file: computations started before this instant are not stored (see `invalidateFile`). */
  readonly #storeFrom: Record<DbFile, number> = { live: -Infinity, archive: -Infinity }

  /** The key a request of `key` computes, or joins the computation of, now. */
  keyOf(key: string, meta: EntryMeta, compute: Effect.Effect<Computed, unknown>): AnswerKey {
    return new AnswerKey(key, this.#generations.get(key) ?? 0, meta, compute)
  }

  start(key: AnswerKey, startedAt: number): Computation {
    const computation: Computation = { key, startedAt, validAsOf: undefined, dropped: false }
    this.#running.set(key, computation)
    return computation
  }

  /** Ends the computation `key` (that object) started; undefined for a key that only joined one. */
  finish(key: AnswerKey): Computation | undefined {
    const computation = this.#running.get(key)
    if (computation === undefined) return undefined
    this.#running.delete(key)
    if (!this.#computing(key.key)) this.#generations.delete(key.key)
    return computation
  }

  /** Whether a computation of `key` (its generation) is running. */
  isRunning(key: AnswerKey): boolean {
    for (const running of this.#running.keys()) if (Equal.equals(running, key)) return true
    return false
  }

  /** Whether the answer of `computation` may be stored: it read no file replaced since it started. */
  mayStore(computation: Computation): boolean {
    const { key, startedAt, dropped } = computation
    return !dropped && key.meta.files.every((file) => startedAt >= this.#storeFrom[file])
  }

  /**
   * A commit after `unchangedUntil` touched `sortedDates` of `file` (and `touched`, when known): the computations
   * reading them are marked, valid as of the later of their start and `unchangedUntil`, and detached.
   */
  invalidateDates(
    file: DbFile,
    sortedDates: ReadonlyArray<string>,
    unchangedUntil: number,
    touched: TouchedScopes | undefined
  ): void {
    for (const computation of this.#running.values()) {
      const { meta } = computation.key
      if (!meta.files.includes(file) || !changeReaches(sortedDates, touched, meta.window, meta.scope)) continue
      computation.validAsOf ??= Math.max(computation.startedAt, unchangedUntil)
      this.#detach(computation.key)
    }
  }

  /** `file` was replaced: what reads it now is dropped, and what starts before `storeFrom` is not stored. */
  invalidateFile(file: DbFile, storeFrom: number): void {
    this.#storeFrom[file] = Math.max(this.#storeFrom[file], storeFrom)
    for (const computation of this.#running.values()) {
      if (!computation.key.meta.files.includes(file)) continue
      computation.dropped = true
      this.#detach(computation.key)
    }
  }

  #computing(key: string): boolean {
    for (const running of this.#running.keys()) if (running.key === key) return true
    return false
  }

  #detach(key: AnswerKey): void {
    const current = this.#generations.get(key.key) ?? 0
    if (key.generation === current) this.#generations.set(key.key, current + 1)
  }
}
