import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Ref, TestClock } from "effect"
import { allParts } from "../../src/backends/sqlite/engine/optimized/AllParts.js"

/** A part that takes `ms` on the TestClock and records whether it was interrupted. */
const part = <A>(value: Effect.Effect<A, string>, ms: number, interrupted: Ref.Ref<boolean>) =>
  Effect.zipRight(Effect.sleep(`${ms} millis`), value).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))

describe("allParts: a query's parts at once, on child fibers of the caller", () => {
  it.effect("two parts run at once and answer in their order", () =>
    Effect.gen(function* () {
      const flags = [yield* Ref.make(false), yield* Ref.make(false)]
      const fiber = yield* Effect.fork(
        allParts([part(Effect.succeed("a"), 30, flags[0]!), part(Effect.succeed("b"), 20, flags[1]!)])
      )
      yield* TestClock.adjust("30 millis") // not 50: they ran at once
      expect(yield* Fiber.join(fiber)).toEqual(["a", "b"])
    })
  )

  it.effect("the first part failing interrupts the second and fails with the first's error", () =>
    Effect.gen(function* () {
      const second = yield* Ref.make(false)
      const fiber = yield* Effect.fork(
        allParts([part(Effect.fail("first"), 10, yield* Ref.make(false)), part(Effect.succeed("b"), 100, second)])
      )
      yield* TestClock.adjust("10 millis")
      expect(yield* Fiber.await(fiber)).toEqual(Exit.fail("first"))
      expect(yield* Ref.get(second)).toBe(true)
    })
  )

  it.effect("the second part failing fails the whole once the first has answered", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        allParts([
          part(Effect.succeed("a"), 30, yield* Ref.make(false)),
          part(Effect.fail("second"), 10, yield* Ref.make(false))
        ])
      )
      yield* TestClock.adjust("30 millis")
      expect(yield* Fiber.await(fiber)).toEqual(Exit.fail("second"))
    })
  )

  it.effect("interrupting the caller interrupts both parts", () =>
    Effect.gen(function* () {
      const flags = [yield* Ref.make(false), yield* Ref.make(false)]
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Effect.zipRight(
          Deferred.succeed(started, undefined),
          allParts([part(Effect.succeed("a"), 100, flags[0]!), part(Effect.succeed("b"), 100, flags[1]!)])
        )
      )
      yield* Deferred.await(started)
      yield* TestClock.adjust("10 millis")
      yield* Fiber.interrupt(fiber)
      expect([yield* Ref.get(flags[0]!), yield* Ref.get(flags[1]!)]).toEqual([true, true])
    })
  )

  it.effect("one part runs on the caller's fiber; none answers nothing", () =>
    Effect.gen(function* () {
      expect(yield* allParts([Effect.succeed(1)])).toEqual([1])
      expect(yield* allParts<number, never, never>([])).toEqual([])
    })
  )
})
