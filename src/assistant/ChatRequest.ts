import type { HttpServerRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import { InvalidParameter } from "../http/ApiErrors.js"
import { boundedBodyText } from "../http/BoundedBody.js"
import type { ChatMessage } from "./ChatLoop.js"

/**
 * The bodies of `POST /chat` and `POST /v1/chat/completions`, checked field by field so that a malformed
 * conversation is a 400 naming the field (`messages[1].role`), not a generic decode error.
 */

/** A long conversation is a few hundred KB; more is a mistake or an attack. */
export const MAX_CHAT_BODY_BYTES = 1024 * 1024

export interface ChatRequest {
  readonly messages: ReadonlyArray<ChatMessage>
  readonly stream: boolean
}

export interface CompletionsRequest extends ChatRequest {
  readonly model: string
}

const invalid = (parameter: string, message: string) => new InvalidParameter({ parameter, message })

const tooLarge = () =>
  invalid("body", `The request body must be a JSON object of at most ${MAX_CHAT_BODY_BYTES} bytes.`)

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** The body as a JSON object (see `boundedBodyText`). */
export const readJsonObject = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Readonly<Record<string, unknown>>, InvalidParameter> =>
  boundedBodyText(request, MAX_CHAT_BODY_BYTES, tooLarge).pipe(
    Effect.flatMap((text) => {
      try {
        const value = JSON.parse(text) as unknown
        if (isObject(value)) return Effect.succeed(value)
      } catch {
        // answered below
      }
      return Effect.fail(invalid("body", 'The request body must be a JSON object such as {"messages":[...]}.'))
    })
  )

const streamOf = (body: Readonly<Record<string, unknown>>): Either.Either<boolean, InvalidParameter> => {
  const stream = body["stream"]
  if (stream === undefined || stream === null) return Either.right(false)
  return typeof stream === "boolean"
    ? Either.right(stream)
    : Either.left(invalid("stream", "`stream` must be true or false."))
}

/** The text of an OpenAI message `content`: a string, or an array of `{type:"text", text}` parts. */
const contentText = (
  content: unknown,
  at: string,
  accepts: { readonly parts: boolean; readonly null: boolean }
): Either.Either<string, InvalidParameter> => {
  if (typeof content === "string") return Either.right(content)
  if (accepts.null && content === null) return Either.right("")
  if (accepts.parts && Array.isArray(content)) {
    const texts: Array<string> = []
    for (const [i, part] of content.entries()) {
      if (!isObject(part) || part["type"] !== "text" || typeof part["text"] !== "string") {
        return Either.left(invalid(`${at}[${i}]`, `\`${at}[${i}]\` must be a text part {"type":"text","text":"…"}.`))
      }
      texts.push(part["text"])
    }
    return Either.right(texts.join(""))
  }
  return Either.left(invalid(at, `\`${at}\` must be a string.`))
}

/**
 * `messages`: a non-empty array of `{role, content}` ending with the user's message. The OpenAI front also takes
 * `developer` (as system), content as text parts, and an assistant's `null` content.
 */
const messagesOf = (
  body: Readonly<Record<string, unknown>>,
  lenient: boolean
): Either.Either<ReadonlyArray<ChatMessage>, InvalidParameter> =>
  Either.gen(function* () {
    const messages = body["messages"]
    if (!Array.isArray(messages) || messages.length === 0) {
      return yield* Either.left(
        invalid("messages", '`messages` must be a non-empty array of {"role","content"} objects.')
      )
    }
    const roles = lenient ? "system, developer, user or assistant" : "user, assistant or system"
    const out: Array<ChatMessage> = []
    for (const [i, message] of messages.entries()) {
      const at = `messages[${i}]`
      if (!isObject(message)) return yield* Either.left(invalid(at, `\`${at}\` must be an object {"role","content"}.`))
      const role = message["role"]
      const known = role === "user" || role === "assistant" || role === "system" || (lenient && role === "developer")
      if (!known) {
        const extra = role === "tool" ? " The service runs the tools itself: send only the conversation." : ""
        return yield* Either.left(invalid(`${at}.role`, `\`${at}.role\` must be ${roles}.${extra}`))
      }
      const content = yield* contentText(message["content"], `${at}.content`, {
        parts: lenient,
        null: lenient && role === "assistant"
      })
      out.push({ role: role === "developer" ? "system" : role, content })
    }
    const last = messages.length - 1
    if (out[last]?.role !== "user") {
      return yield* Either.left(
        invalid(`messages[${last}].role`, `The last message (\`messages[${last}]\`) must be the user's.`)
      )
    }
    return out
  })

/** `POST /chat`: `{"messages":[{"role","content"}],"stream"?}`. */
export const decodeChatRequest = (
  body: Readonly<Record<string, unknown>>
): Either.Either<ChatRequest, InvalidParameter> =>
  Either.all({ messages: messagesOf(body, false), stream: streamOf(body) })

/** `POST /v1/chat/completions`: OpenAI's request; only `model`, `messages` and `stream` matter. */
export const decodeCompletionsRequest = (
  body: Readonly<Record<string, unknown>>,
  models: ReadonlyArray<string>
): Either.Either<CompletionsRequest, InvalidParameter> =>
  Either.gen(function* () {
    const model = body["model"]
    if (typeof model !== "string" || !models.includes(model)) {
      return yield* Either.left(
        invalid("model", `\`model\` must be a model id of GET /v1/models: ${models.map((m) => `"${m}"`).join(", ")}.`)
      )
    }
    return { model, ...(yield* Either.all({ messages: messagesOf(body, true), stream: streamOf(body) })) }
  })
