import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll } from "vitest"
import { API_VERSION } from "../../src/http/Api.js"
import { TOOLS } from "../../src/tools/ToolDefinitions.js"
import { getJson, makeFixture, removeFixture, request, serverPort } from "../http/HttpTestKit.js"
import { HAPPY_PATHS, argumentsOf, cachedServerLayer, withToolDefaults } from "../tools/ToolsTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))

/** The official MCP client, connected over Streamable HTTP to the service's `/mcp` for the scope. */
const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Client({ name: "mcp-test", version: "0.0.1" })
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)))
      return client
    }),
    (client) => Effect.promise(() => client.close())
  )

/** A call's result: exactly one text content, returned parsed. */
const call = (client: Client, name: string, args: Record<string, unknown>) =>
  Effect.promise(() => client.callTool({ name, arguments: args })).pipe(
    Effect.map((result) => {
      const content = result.content as ReadonlyArray<{ type: string; text?: string }>
      expect(content, name).toHaveLength(1)
      expect(content[0]?.type, name).toBe("text")
      return { isError: result.isError === true, json: JSON.parse(content[0]!.text!) as unknown }
    })
  )

/** Every `$ref` anywhere in a JSON value. */
const refsIn = (value: unknown): ReadonlyArray<unknown> =>
  Array.isArray(value)
    ? value.flatMap(refsIn)
    : value !== null && typeof value === "object"
      ? Object.entries(value).flatMap(([key, v]) => (key === "$ref" ? [v] : refsIn(v)))
      : []

interface Page {
  readonly rows: ReadonlyArray<unknown>
  readonly next_cursor: string | null
}

describe("POST /mcp with the official MCP client", () => {
  layer(cachedServerLayer(fixture, { runs: [] }), { excludeTestServices: true })((it) => {
    it.scoped("initialize: the server's name and version", () =>
      Effect.gen(function* () {
        const client = yield* connect(yield* serverPort)
        expect(client.getServerVersion()).toEqual({ name: "production-analytics", version: API_VERSION })
        expect(client.getServerCapabilities()?.tools).toBeDefined()
      })
    )

    it.scoped("tools/list: every tool, /tools' schema without $ref, read-only closed-world annotations", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const client = yield* connect(port)
        const { tools } = yield* Effect.promise(() => client.listTools())
        const listed = (yield* getJson(port, "/tools")).json as ReadonlyArray<{ name: string; parameters: unknown }>
        expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name))
        for (const tool of tools) {
          expect(refsIn(tool.inputSchema), tool.name).toEqual([])
          expect(tool.inputSchema, tool.name).toEqual(listed.find((l) => l.name === tool.name)?.parameters)
          expect(tool.description, tool.name).toBe(TOOLS.find((t) => t.name === tool.name)?.description)
          expect(tool.annotations, tool.name).toEqual({
            readOnlyHint: true,
            destructiveHint: false,
            idempotentHint: true,
            openWorldHint: false
          })
        }
      })
    )

    it.scoped("tools/call: one text content holding the endpoint's body for the same arguments", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const client = yield* connect(port)
        for (const tool of TOOLS) {
          const { path, searches } = HAPPY_PATHS[tool.name]!
          for (const search of searches) {
            const label = `${tool.name} ${search}`
            const result = yield* call(client, tool.name, argumentsOf(search, tool.parameters))
            const endpoint = yield* getJson(port, `${path}?${withToolDefaults(search, tool.defaults)}`)
            expect(endpoint.status, label).toBe(200)
            expect(result, label).toEqual({ isError: false, json: endpoint.json })
          }
        }
      })
    )

    it.scoped("search_records pages on with the cursor of its result, as /records does", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const client = yield* connect(port)
        const args = { from: "2025-12-01", to: "2026-01-31", limit: 7 }
        const first = (yield* call(client, "search_records", args)).json as Page
        expect(first.rows).toHaveLength(7)
        expect(first.next_cursor).not.toBeNull()
        const second = yield* call(client, "search_records", { ...args, cursor: first.next_cursor })
        const endpoint = yield* getJson(
          port,
          `/records?${new URLSearchParams({ from: args.from, to: args.to, limit: "7", cursor: first.next_cursor! })}`
        )
        expect(second).toEqual({ isError: false, json: endpoint.json })
        expect((second.json as Page).rows).not.toEqual(first.rows)
      })
    )

    it.scoped("a bad argument is a tool error naming it; an unknown tool is a protocol error", () =>
      Effect.gen(function* () {
        const client = yield* connect(yield* serverPort)
        const cases = [
          ["search_records", { limit: "20" }, "limit"],
          ["get_daily_summary", { from: "2026-02-30" }, "from"],
          ["get_summary_by_line", { itemcode: "IT-1" }, "itemcode"],
          ["search_items", {}, "q"],
          ["search_records", { cursor: "not-a-cursor" }, "cursor"]
        ] as const
        for (const [name, args, parameter] of cases) {
          const result = yield* call(client, name, args)
          expect(result.isError, name).toBe(true)
          expect(result.json, name).toMatchObject({ code: "invalid_parameter", parameter })
          expect((result.json as { message: string }).message, name).toContain(`"${parameter}"`)
        }
        const unknown = yield* Effect.flip(Effect.tryPromise(() => client.callTool({ name: "nope", arguments: {} })))
        expect(String(unknown.error)).toContain("nope")
      })
    )

    it.effect("no sessions, no server-sent stream: GET and DELETE /mcp are 405, Allow: POST", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const method of ["GET", "DELETE"]) {
          const response = yield* request(port, "/mcp", { method })
          expect(response.status, method).toBe(405)
          expect(response.headers["allow"], method).toBe("POST")
        }
      })
    )
  })
})
