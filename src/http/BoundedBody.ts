import { HttpIncomingMessage, type HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"

/**
 * A request's body as text, at most `maxBytes`. A declared length over the limit is refused before reading, so
 * the client gets its 400 (`tooLarge`); a chunked body that grows past it is cut off (the platform drops the
 * connection).
 */
export const boundedBodyText = <E>(
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number,
  tooLarge: () => E
): Effect.Effect<string, E> => {
  if (Number(request.headers["content-length"] ?? 0) > maxBytes) return Effect.fail(tooLarge())
  return HttpIncomingMessage.withMaxBodySize(request.text, Option.some(maxBytes)).pipe(
    Effect.catchAll(() => Effect.fail(tooLarge()))
  )
}
