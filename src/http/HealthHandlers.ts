import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { DatabaseHealth } from "../health/DatabaseHealth.js"
import { Api } from "./Api.js"

/** `/health` ignores parameters; 503 with the same body when the live file cannot be read. */
export const HealthHandlers = HttpApiBuilder.group(Api, "health", (handlers) =>
  Effect.gen(function* () {
    const health = yield* DatabaseHealth
    return handlers.handle("health", () =>
      Effect.map(health.report, (report) =>
        HttpServerResponse.text(JSON.stringify(report), {
          status: report.status === "unavailable" ? 503 : 200,
          contentType: "application/json",
          headers: { "cache-control": "no-store" }
        })
      )
    )
  })
)
