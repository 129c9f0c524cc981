import type * as Http from "node:http"
import { Effect } from "effect"
import type { ReadError } from "../pool/ReadErrors.js"

/**
 * Read failures the query fast path met for a request it then handed to the Effect app: the app answers them as
 * contract errors (status, body, `Retry-After`, log line) without reading again, which for a timeout would mean
 * a second full wait. Keyed by the `node:http` request object, so an entry goes away with its request.
 */
export class HandedOverFailures extends Effect.Service<HandedOverFailures>()("HandedOverFailures", {
  sync: () => {
    const failures = new WeakMap<Http.IncomingMessage, ReadError>()
    return {
      put: (request: Http.IncomingMessage, error: ReadError): void => void failures.set(request, error),
      /** The failure noted for this request, removed as it is read. */
      take: (request: unknown): ReadError | undefined => {
        if (typeof request !== "object" || request === null) return undefined
        const error = failures.get(request as Http.IncomingMessage)
        failures.delete(request as Http.IncomingMessage)
        return error
      }
    }
  }
}) {}
