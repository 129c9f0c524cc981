import { Tool } from "@effect/ai"
import { describe, expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Layer } from "effect"
import { afterAll } from "vitest"
import { PlantToolkit, PlantToolkitLive, isQueryAnswer } from "../../src/assistant/PlantToolkit.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { Answers } from "../../src/http/Answers.js"
import { QueryMetrics } from "../../src/metrics/QueryMetrics.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"
import { TOOLS } from "../../src/tools/ToolDefinitions.js"
import { BAD_ARGUMENTS } from "../tools/BadArguments.js"
import { HAPPY_PATHS, argumentsOf, withToolDefaults } from "../tools/ToolsTestKit.js"
import {
  CUTOVER,
  TODAY,
  clockAt,
  getJson,
  makeFixture,
  removeFixture,
  serverLayer,
  serverPort
} from "../http/HttpTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))

/** The toolkit's handlers alone (no HTTP), over the same files as the server whose endpoints they are compared to. */
const ToolkitOnly = PlantToolkitLive.pipe(
  Layer.provide([Answers.Uncached, QueryMetrics.Default]),
  Layer.provide(ReferenceEngineLive),
  Layer.provide(DbTargets.Default),
  Layer.provide(
    Layer.setConfigProvider(
      ConfigProvider.fromMap(
        new Map([
          ["LIVE_DB_PATH", fixture.livePath],
          ["ARCHIVE_DB_PATH", fixture.archivePath],
          ["CUTOVER_DATE", CUTOVER]
        ])
      )
    )
  )
)

const handle = (name: string, args: Record<string, unknown>) =>
  Effect.flatMap(PlantToolkit, (toolkit) => toolkit.handle(name, args)).pipe(Effect.withClock(clockAt(TODAY)))

describe("PlantToolkit", () => {
  layer(Layer.merge(serverLayer(fixture), ToolkitOnly), { excludeTestServices: true })((it) => {
    it.effect("handle answers each tool with its endpoint's 200 body (the answer, and its JSON once encoded)", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const tool of TOOLS) {
          const { path, searches } = HAPPY_PATHS[tool.name]!
          for (const search of searches) {
            const label = `${tool.name} ${search}`
            const handled = yield* handle(tool.name, argumentsOf(search, tool.parameters))
            const endpoint = yield* getJson(port, `${path}?${withToolDefaults(search, tool.defaults)}`)
            expect(endpoint.status, label).toBe(200)
            expect(handled.isFailure, label).toBe(false)
            expect(isQueryAnswer(handled.result) && Buffer.from(handled.result.body.bytes), label).toEqual(
              endpoint.body
            )
            expect(handled.encodedResult, label).toEqual(endpoint.json)
          }
        }
      })
    )

    it.effect("a wrong argument fails the call with invalid_parameter naming it", () =>
      Effect.gen(function* () {
        for (const bad of BAD_ARGUMENTS) {
          const label = `${bad.tool} ${JSON.stringify(bad.args)}`
          const result = yield* Effect.either(handle(bad.tool, bad.args))
          expect(Either.isLeft(result), label).toBe(true)
          if (Either.isLeft(result)) {
            expect(result.left, label).toMatchObject({ _tag: "InvalidParameter", parameter: bad.parameter })
            expect((result.left as { message: string }).message, label).toContain(`"${bad.parameter}"`)
          }
        }
      })
    )

    it.effect("every tool is read-only, not destructive, idempotent and closed-world; its schema is /tools'", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const listed = (yield* getJson(port, "/tools")).json as ReadonlyArray<{ name: string; parameters: unknown }>
        const tools = Object.values(PlantToolkit.tools)
        expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name))
        for (const tool of tools) {
          expect(Context.get(tool.annotations, Tool.Readonly), tool.name).toBe(true)
          expect(Context.get(tool.annotations, Tool.Destructive), tool.name).toBe(false)
          expect(Context.get(tool.annotations, Tool.Idempotent), tool.name).toBe(true)
          expect(Context.get(tool.annotations, Tool.OpenWorld), tool.name).toBe(false)
          expect(listed.find((l) => l.name === tool.name)?.parameters, tool.name).toEqual(Tool.getJsonSchema(tool))
        }
      })
    )
  })
})
