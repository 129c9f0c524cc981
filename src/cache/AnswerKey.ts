import { type Effect, Equal, Hash } from "effect"
import type { Computed, EntryMeta } from "./CacheEntry.js"

/**
 * An answer's key in the response cache's store (effect's `Cache`): the cache key and a generation, which moves on
 * when an invalidation overtakes a computation of the key, so that later requests start a computation of their own
 * instead of joining it (`Computations`). It carries what the store's lookup needs to compute the answer, which is
 * not part of its identity.
 */
export class AnswerKey implements Equal.Equal {
  constructor(
    readonly key: string,
    readonly generation: number,
    readonly meta: EntryMeta,
    /** The answer's computation, its context already provided. */
    readonly compute: Effect.Effect<Computed, unknown>
  ) {}

  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof AnswerKey && that.key === this.key && that.generation === this.generation
  }

  [Hash.symbol](): number {
    return Hash.cached(this, Hash.combine(this.generation)(Hash.string(this.key)))
  }
}
