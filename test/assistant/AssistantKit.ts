/**
 * The scripted model server (`scripted-model.ts`) as a child process of a test, and what it received.
 */
import { Effect, Schedule } from "effect"
import { fileURLToPath } from "node:url"
import { spawnNode } from "../reliability/Processes.js"

const SCRIPT = fileURLToPath(new URL("./scripted-model.ts", import.meta.url))

export interface WireMessage {
  readonly role: string
  readonly content: string | null
  readonly tool_call_id?: string
  readonly tool_calls?: ReadonlyArray<{
    readonly id: string
    readonly type: string
    readonly function: { readonly name: string; readonly arguments: string }
  }>
}

export interface WireRequest {
  readonly model: string
  readonly messages: ReadonlyArray<WireMessage>
  readonly tools?: ReadonlyArray<{
    readonly type: string
    readonly function: { readonly name: string; readonly description: string; readonly parameters: unknown }
  }>
  readonly tool_choice?: unknown
  readonly stream?: boolean
}

export interface ScriptedModel {
  /** `http://127.0.0.1:<port>/v1`: what CHAT_BASE_URL is set to. */
  readonly baseUrl: string
  /** The chat requests received whose first user message contains `marker`, in order. */
  readonly requests: (marker: string) => Effect.Effect<ReadonlyArray<WireRequest>>
}

/** Starts the scripted model server for the scope and waits until it listens. */
export const startScriptedModel = Effect.gen(function* () {
  const child = yield* spawnNode([SCRIPT])
  const port = yield* Effect.sync(() => /listening (\d+)/.exec(child.stdout())?.[1]).pipe(
    Effect.flatMap((p) => (p === undefined ? Effect.fail("not yet") : Effect.succeed(Number(p)))),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("20 seconds"))),
    Effect.orDieWith(() => new Error(`the scripted model did not start: ${child.stderr()}`))
  )
  const requests = (marker: string) =>
    Effect.promise(async () => {
      const all = (await (await fetch(`http://127.0.0.1:${port}/requests`)).json()) as ReadonlyArray<WireRequest>
      return all.filter((r) => r.messages.find((m) => m.role === "user")?.content?.includes(marker) === true)
    })
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests } satisfies ScriptedModel
})
