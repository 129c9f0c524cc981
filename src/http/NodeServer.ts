import * as Http from "node:http"
import { Context, Effect } from "effect"

export type RequestListener = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/**
 * A synchronous path tried before the Effect app for every request: it answers and returns true, or returns
 * false to hand the request on. The default declines everything; a response cache provides one.
 */
export interface FastPathService {
  readonly tryServe: (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean
}

export class FastPath extends Context.Reference<FastPath>()("FastPath", {
  defaultValue: (): FastPathService => ({ tryServe: () => false })
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

    /** Serves requests with `app`, after `fastPath` declines them. */
    const install = (app: RequestListener, fastPath: FastPathService) =>
      Effect.sync(() => {
        listener = (request, response) => {
          if (!fastPath.tryServe(request, response)) app(request, response)
        }
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
