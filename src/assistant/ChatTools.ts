import type { Tool, Toolkit } from "@effect/ai"
import { Context, Effect } from "effect"

/**
 * The tools a chat may call: their definitions (offered to the model) and a way to run one by name with the
 * model's arguments, giving the result as JSON. Built from any `@effect/ai` toolkit with handlers.
 */
export class ChatTools extends Context.Tag("ChatTools")<
  ChatTools,
  {
    readonly tools: ReadonlyArray<Tool.Any>
    /** Fails with whatever the tool fails with (a bad argument, an overload, a missing file). */
    readonly call: (name: string, params: unknown) => Effect.Effect<unknown, unknown>
  }
>() {
  static readonly fromToolkit = <Tools extends Record<string, Tool.Any>>(toolkit: Toolkit.WithHandler<Tools>) =>
    ChatTools.of({
      tools: Object.values(toolkit.tools),
      call: (name, params) =>
        name in toolkit.tools
          ? Effect.map(
              toolkit.handle(name, params as Tool.Parameters<Tools[typeof name]>) as Effect.Effect<
                Tool.HandlerResult<Tool.Any>,
                unknown
              >,
              (result) => result.encodedResult
            )
          : Effect.fail({ message: `There is no tool named "${name}".` })
    })
}
