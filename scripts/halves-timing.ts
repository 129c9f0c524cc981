/**
 * What running two query parts at once costs in the fiber runtime, apart from SQLite: each part posts a message to
 * its own echo worker thread and waits for the reply, the two parts run by `Effect.all` (unbounded), by
 * `Effect.raceWith` (the loser joined, or interrupted on a failure), by root fibers of `Runtime.runFork` observed
 * from an `Effect.async` (the code `Effect.all` replaced), by one fork (the second part a child of the caller's
 * fiber, the first run on it, the child interrupted if the first fails), and one after the other. Prints each
 * one's median µs per request over 10 rounds of 4000, alternated, and the process's CPU time per request; `SERVICES=N` sets the size of the context (default 40),
 * `REFS=N` how many FiberRefs the requests' fiber has set (default 0).
 *   node --import tsx scripts/halves-timing.ts
 */
import { Context, Effect, Exit, Fiber, FiberId, FiberRef, Runtime } from "effect"
import { Worker } from "node:worker_threads"

const ECHO = `const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m))`
const echoWorker = () => new Worker(ECHO, { eval: true })
const workers = [echoWorker(), echoWorker()]
const part = (w: Worker) =>
  Effect.async<number>((resume) => {
    const on = (m: number) => resume(Effect.succeed(m))
    w.once("message", on)
    w.postMessage(1)
  })
const observedRootFibers = <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>): Effect.Effect<Array<A>, E, R> =>
  Effect.flatMap(Effect.runtime<R>(), (runtime) =>
    Effect.async<Array<A>, E>((resume) => {
      const results = new Array<A>(effects.length)
      let left = effects.length
      const fork = Runtime.runFork(runtime)
      const fibers = effects.map((effect) => fork(effect))
      fibers.forEach((fiber, i) =>
        fiber.addObserver((exit) => {
          if (Exit.isFailure(exit)) return resume(Exit.failCause(exit.cause))
          results[i] = exit.value
          if (--left === 0) resume(Effect.succeed(results))
        })
      )
      return Effect.sync(() => fibers.forEach((f) => f.unsafeInterruptAsFork(FiberId.none)))
    })
  )
const raceBoth = <A, B, E>(a: Effect.Effect<A, E>, b: Effect.Effect<B, E>): Effect.Effect<[A, B], E> =>
  Effect.raceWith(a, b, {
    onSelfDone: (exit, other) =>
      Exit.isSuccess(exit)
        ? Effect.map(Fiber.join(other), (y) => [exit.value, y] as [A, B])
        : Effect.zipRight(Fiber.interrupt(other), Effect.failCause(exit.cause)),
    onOtherDone: (exit, self) =>
      Exit.isSuccess(exit)
        ? Effect.map(Fiber.join(self), (x) => [x, exit.value] as [A, B])
        : Effect.zipRight(Fiber.interrupt(self), Effect.failCause(exit.cause))
  })
/** The second part on a child fiber, the first on the caller's; the child is interrupted if the first fails. */
const forkSecond = <A, B, E>(a: Effect.Effect<A, E>, b: Effect.Effect<B, E>): Effect.Effect<[A, B], E> =>
  Effect.flatMap(Effect.fork(b), (fiber) =>
    Effect.matchCauseEffect(a, {
      onFailure: (cause) => Effect.zipRight(Fiber.interrupt(fiber), Effect.failCause(cause)),
      onSuccess: (x) => Effect.map(Fiber.join(fiber), (y) => [x, y] as [A, B])
    })
  )
const every: Record<string, Effect.Effect<unknown>> = {
  forkSecond: forkSecond(part(workers[0]!), part(workers[1]!)),
  "Effect.all": Effect.all([part(workers[0]!), part(workers[1]!)], { concurrency: "unbounded" }),
  runForkObserved: observedRootFibers([part(workers[0]!), part(workers[1]!)]),
  raceWith: raceBoth(part(workers[0]!), part(workers[1]!)),
  sequential: Effect.all([part(workers[0]!), part(workers[1]!)])
}
const variants = process.env.ONLY ? { [process.env.ONLY]: every[process.env.ONLY]! } : every
const N = 4000
const services = Array.from({ length: Number(process.env.SERVICES ?? 40) }, (_, i) =>
  Context.GenericTag<number>(`S${i}`)
)
const context = services.reduce((ctx, tag, i) => Context.add(ctx, tag, i), Context.empty() as Context.Context<unknown>)
const measure = Effect.gen(function* () {
  const res: Record<string, number[]> = {}
  const cpu: Record<string, number[]> = {}
  for (let round = 0; round < 10; round++)
    for (const [name, v] of Object.entries(variants)) {
      const t = performance.now()
      const c = process.cpuUsage()
      for (let i = 0; i < N; i++) yield* Effect.annotateLogs(v, "req", String(i))
      ;(res[name] ??= []).push(((performance.now() - t) * 1000) / N)
      const used = process.cpuUsage(c)
      ;(cpu[name] ??= []).push((used.user + used.system) / N)
    }
  for (const [name, xs] of Object.entries(res))
    console.log(
      name,
      xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1),
      "µs; CPU of the process (all threads)",
      cpu[name]!.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1),
      "µs"
    )
})
// The FiberRefs are set once, around the whole measurement: each part's fiber forks and joins them.
const program = Effect.flatMap(
  Effect.forEach(Array.from({ length: Number(process.env.REFS ?? 0) }), (_, i) => FiberRef.make(i)),
  (refs) => refs.reduce((effect, ref, i) => Effect.locally(effect, ref, i + 1), measure)
)
await Effect.runPromise(Effect.provide(Effect.scoped(program), context))
workers.forEach((w) => w.terminate())
