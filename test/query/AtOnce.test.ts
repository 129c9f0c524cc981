import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, FiberRef, Ref } from "effect"
import { atOnce } from "../../src/query/optimized/AtOnce.js"

class Label extends Context.Tag("Label")<Label, string>() {}

describe("atOnce (Effect.all with unbounded concurrency, without joining child fibers)", () => {
  it.effect("runs the effects at the same time and gives their results in order", () =>
    Effect.gen(function* () {
      // Each waits for the other to have started: run one after the other, they would never end.
      const [a, b] = [yield* Deferred.make<void>(), yield* Deferred.make<void>()]
      const results = yield* atOnce([
        Effect.zipRight(Deferred.succeed(a, undefined), Effect.as(Deferred.await(b), "first")),
        Effect.zipRight(Deferred.succeed(b, undefined), Effect.as(Deferred.await(a), "second")),
        Effect.succeed("third")
      ])
      expect(results).toEqual(["first", "second", "third"])
    })
  )

  it.effect("the effects see the caller's services and FiberRefs", () =>
    Effect.gen(function* () {
      const ref = FiberRef.unsafeMake("unset")
      const seen = yield* Effect.locally(
        atOnce([Effect.zip(Label, FiberRef.get(ref)), Effect.zip(Label, FiberRef.get(ref))]),
        ref,
        "set by the caller"
      ).pipe(Effect.provideService(Label, "a service"))
      expect(seen).toEqual([
        ["a service", "set by the caller"],
        ["a service", "set by the caller"]
      ])
    })
  )

  it.effect("fails with the first failure and interrupts the others", () =>
    Effect.gen(function* () {
      const interrupted = yield* Ref.make(false)
      const started = yield* Deferred.make<void>()
      const exit = yield* Effect.exit(
        atOnce([
          Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
            Effect.onInterrupt(() => Ref.set(interrupted, true))
          ),
          Effect.zipRight(Deferred.await(started), Effect.fail("boom"))
        ])
      )
      expect(exit).toEqual(Exit.fail("boom"))
      yield* Effect.yieldNow()
      expect(yield* Ref.get(interrupted)).toBe(true)
    })
  )

  it.effect("interrupting the caller interrupts the effects", () =>
    Effect.gen(function* () {
      const interrupted = yield* Ref.make(0)
      const started = yield* Deferred.make<void>()
      const waiting = Effect.never.pipe(Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1)))
      const fiber = yield* Effect.fork(
        atOnce([Effect.zipRight(Deferred.succeed(started, undefined), waiting), waiting])
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      yield* Effect.yieldNow()
      expect(yield* Ref.get(interrupted)).toBe(2)
    })
  )

  it.effect("no effects: no results, at once", () => Effect.map(atOnce([]), (results) => expect(results).toEqual([])))

  it.effect("one effect runs on the caller's fiber", () =>
    Effect.gen(function* () {
      const caller = yield* Effect.fiberId
      expect(yield* atOnce([Effect.fiberId])).toEqual([caller])
    })
  )
})
