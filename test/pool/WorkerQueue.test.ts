import { describe, expect, it } from "@effect/vitest"
import { Exit } from "effect"
import { WorkerQueue } from "../../src/backends/sqlite/pool/WorkerQueue.js"

describe("WorkerQueue", () => {
  it("hands out idle workers first in, first out", () => {
    const queue = new WorkerQueue<string, string>()
    queue.give("a")
    queue.give("b")
    expect([queue.take(), queue.take(), queue.take()]).toEqual(["a", "b", undefined])
  })

  it("gives a released worker to the longest waiter, not to the idle line", () => {
    const queue = new WorkerQueue<string, string>()
    const got: Array<string> = []
    const settle = (name: string) => (exit: Exit.Exit<string, string>) =>
      got.push(`${name}:${Exit.isSuccess(exit) ? exit.value : "failed"}`)
    queue.wait(settle("first"))
    queue.wait(settle("second"))
    queue.give("a")
    expect(got).toEqual(["first:a"])
    expect([queue.idle, queue.waiting]).toEqual([0, 1])
  })

  it("a waiter that gives up is withdrawn, and returns a worker it was already handed", () => {
    const queue = new WorkerQueue<string, string>()
    const early = queue.wait(() => {})
    expect(queue.cancel(early)).toBeUndefined()
    expect(queue.waiting).toBe(0)
    const late = queue.wait(() => {})
    queue.give("a")
    expect(queue.cancel(late)).toBe("a")
  })

  it("drain fails every waiter and returns the idle workers", () => {
    const queue = new WorkerQueue<string, string>()
    queue.give("a")
    expect(queue.drain(Exit.fail("closed"))).toEqual(["a"])
    const failures: Array<boolean> = []
    queue.wait((exit) => failures.push(Exit.isFailure(exit)))
    queue.drain(Exit.fail("closed"))
    expect(failures).toEqual([true])
    expect([queue.idle, queue.waiting]).toEqual([0, 0])
  })
})
