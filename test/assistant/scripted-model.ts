/**
 * A scripted OpenAI-compatible model server, run as its own process by the assistant tests:
 * `node --import tsx scripted-model.ts` prints `listening <port>` and serves
 *   POST /v1/chat/completions  (stream or not) — the script below;
 *   GET  /requests             — every chat request body received so far, in order.
 * The script, for the last user message: with "[fail 500]" it answers HTTP 500; with "[slow]" it waits 5 s first.
 * Otherwise, when no tool results follow that message yet, it calls `get_summary_by_line` (if offered) for the
 * window "from YYYY-MM-DD to YYYY-MM-DD" it names ("[bad argument]": with a `from` that is not a date). Once tool
 * results are there it answers from them: the total good_quantity of their rows, or the error a tool reported.
 * "[loop]" calls the tool again every round while tools are offered. "[unknown tool]" first calls `get_weather`,
 * a tool nobody offered.
 */
import * as http from "node:http"

interface WireMessage {
  readonly role: string
  readonly content: string | null
  readonly tool_calls?: ReadonlyArray<{ readonly id: string; readonly function: { readonly name: string } }>
}
interface WireRequest {
  readonly model: string
  readonly messages: ReadonlyArray<WireMessage>
  readonly tools?: ReadonlyArray<{ readonly function: { readonly name: string } }>
  readonly stream?: boolean
}

type Answer =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "tool"; readonly name: string; readonly args: string }

const received: Array<WireRequest> = []
let calls = 0

const TOOL = "get_summary_by_line"

const answerTo = (request: WireRequest): Answer => {
  const lastUser = request.messages.findLastIndex((m) => m.role === "user")
  const question = request.messages[lastUser]?.content ?? ""
  const results = request.messages.slice(lastUser + 1).filter((m) => m.role === "tool")
  const offered = (request.tools ?? []).some((t) => t.function.name === TOOL)
  const window = /from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})/.exec(question)
  if (question.includes("[unknown tool]") && offered && results.length === 0) {
    return { kind: "tool", name: "get_weather", args: JSON.stringify({ city: "Oslo" }) }
  }
  const wantsTool = offered && window !== null && (results.length === 0 || question.includes("[loop]"))
  if (wantsTool) {
    const from = question.includes("[bad argument]") ? "last spring" : window[1]
    return { kind: "tool", name: TOOL, args: JSON.stringify({ from, to: window[2] }) }
  }
  if (results.length === 0) return { kind: "text", text: "I have no tool result to answer from." }
  if (question.includes("[loop]")) return { kind: "text", text: `Stopped after ${results.length} tool results.` }
  const last = JSON.parse(results.at(-1)!.content ?? "null") as {
    readonly rows?: ReadonlyArray<{ readonly good_quantity: number }>
    readonly error?: string
  }
  if (last.error !== undefined) return { kind: "text", text: `The tool reported an error: ${last.error}` }
  const total = (last.rows ?? []).reduce((sum, row) => sum + row.good_quantity, 0)
  return {
    kind: "text",
    text: `Good quantity ${window?.[1]} to ${window?.[2]}: ${total} units over ${last.rows?.length ?? 0} lines.`
  }
}

const completion = (request: WireRequest, answer: Answer) => {
  calls += 1
  const message =
    answer.kind === "text"
      ? { role: "assistant", content: answer.text }
      : {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: `call_${calls}`, type: "function", function: { name: answer.name, arguments: answer.args } }
          ]
        }
  return {
    id: `chatcmpl-${calls}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message, finish_reason: answer.kind === "text" ? "stop" : "tool_calls" }],
    usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 }
  }
}

/** The same answer as SSE chunks: text word by word, a tool call's name and arguments in separate pieces. */
const chunks = (request: WireRequest, answer: Answer): Array<object> => {
  calls += 1
  const base = { id: `chatcmpl-${calls}`, object: "chat.completion.chunk", created: 0, model: request.model }
  const delta = (d: object, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta: d, finish_reason: finish }]
  })
  const out: Array<object> = [delta({ role: "assistant", content: "" })]
  if (answer.kind === "text") {
    for (const piece of answer.text.split(/(?<= )/)) out.push(delta({ content: piece }))
    out.push(delta({}, "stop"))
  } else {
    const half = Math.floor(answer.args.length / 2)
    out.push(
      delta({
        tool_calls: [
          { index: 0, id: `call_${calls}`, type: "function", function: { name: answer.name, arguments: "" } }
        ]
      })
    )
    out.push(delta({ tool_calls: [{ index: 0, function: { arguments: answer.args.slice(0, half) } }] }))
    out.push(delta({ tool_calls: [{ index: 0, function: { arguments: answer.args.slice(half) } }] }))
    out.push(delta({}, "tool_calls"))
  }
  out.push({ ...base, choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } })
  return out
}

const server = http.createServer((req, res) => {
  const body: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => body.push(chunk))
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/requests") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received))
      return
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}')
      return
    }
    const request = JSON.parse(Buffer.concat(body).toString("utf8")) as WireRequest
    received.push(request)
    const question = request.messages.findLast((m) => m.role === "user")?.content ?? ""
    if (question.includes("[fail 500]")) {
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"scripted failure"}}')
      return
    }
    const respond = () => {
      const answer = answerTo(request)
      if (request.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion(request, answer)))
        return
      }
      res.writeHead(200, { "content-type": "text/event-stream" })
      for (const chunk of chunks(request, answer)) res.write(`data: ${JSON.stringify(chunk)}\n\n`)
      res.end("data: [DONE]\n\n")
    }
    if (question.includes("[slow]")) setTimeout(respond, 5_000)
    else respond()
  })
})

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === "object" && address !== null ? address.port : 0}\n`)
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
