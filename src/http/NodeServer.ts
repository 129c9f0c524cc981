import * as Http from "node:http"
import { Context, Effect } from "effect"

export type RequestListener = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/**
 * A path tried before the Effect app for every request: it answers the request itself (at once or later), or
 * calls `next` (at once or later, but at most once and never after answering) to hand it to the Effect app. The
 * default hands everything on; the query fast path (QueryFastPath.ts) answers the data endpoints.
 */
export interface FastPathService {
  readonly serve: (request: Http.IncomingMessage, response: Http.ServerResponse, next: () => void) => void
}

export class FastPath extends Context.Reference<FastPath>()("FastPath", {
  defaultValue: (): FastPathService => ({ serve: (_request, _response, next) => next() })
}) {}

const NOT_READY = JSON.stringify({ code: "overloaded", message: "The service is starting. Retry shortly." })

/**
 * The `node:http` server, created here so that its request listener is ours: the fast path first, then the
 * Effect app. It also counts in-flight requests for a graceful close.
 */
export class NodeServer extends Effect.Service<NodeServer>()("NodeServer", {
  sync: () => {
    const server = Http.createServer()
    const inFlight = new Set<Http.ServerResponse>()
    let draining = false
    let listener: RequestListener = (_request, response) => {
      response.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(NOT_READY)
    }

    server.on("request", (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      inFlight.add(response)
      response.once("close", () => {
        inFlight.delete(response)
        // Once its response is done, a kept-alive connection is idle: close it so `close` can complete.
        if (draining) setImmediate(() => server.closeIdleConnections())
      })
      if (draining) response.setHeader("connection", "close")
      listener(request, response)
    })

    /** Serves requests with `app`, those `fastPath` hands on. */
    const install = (app: RequestListener, fastPath: FastPathService) =>
      Effect.sync(() => {
        listener = (request, response) => fastPath.serve(request, response, () => app(request, response))
      })

    /**
     * Graceful close: stop accepting, let in-flight requests finish (their connections are not kept alive),
     * close idle connections, and after `graceMs` cut whatever is still open.
     */
    const drain = (graceMs: number) =>
      Effect.async<void>((resume) => {
        draining = true
        for (const response of inFlight) if (!response.headersSent) response.setHeader("connection", "close")
        const timer = setTimeout(() => server.closeAllConnections(), graceMs)
        server.close(() => {
          clearTimeout(timer)
          resume(Effect.void)
        })
        server.closeIdleConnections()
      })

    return { server, install, drain, inFlight: () => inFlight.size } as const
  }
}) {}
