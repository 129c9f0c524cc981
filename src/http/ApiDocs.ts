import { type HttpApiEndpoint, OpenApi } from "@effect/platform"
import { JSONSchema, Schema } from "effect"
import type { EndpointParams } from "./QueryParams.js"

/**
 * OpenAPI documentation that HttpApi cannot derive here: the query parameters (declared by `EndpointParams`,
 * decoded by our own rules rather than HttpApi's) and the response headers of the data endpoints.
 */

type Operation = Record<string, unknown> & {
  parameters?: Array<unknown>
  responses?: Record<string, Record<string, unknown>>
}

interface ObjectJsonSchema {
  readonly properties?: Record<string, { readonly description?: string }>
  readonly required?: ReadonlyArray<string>
}

export const queryParameters = (fields: Schema.Struct.Fields): Array<unknown> => {
  const json = JSONSchema.make(Schema.Struct(fields)) as ObjectJsonSchema
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema,
    ...(schema.description === undefined ? {} : { description: schema.description })
  }))
}

const header = (description: string) => ({ description, schema: { type: "string" } })

const DATA_HEADERS = {
  ETag: header("Strong validator of the body; send it back in `If-None-Match` to get 304 when unchanged."),
  "Cache-Control": header("`no-cache`: a kept copy must be revalidated."),
  "X-Cache": header("`HIT`, `STALE` or `MISS`: how the response cache served this answer."),
  "Server-Timing": header("`db;dur=<ms>`: database time of a miss.")
}

const RETRY_AFTER = { "Retry-After": header("Seconds to wait before retrying (with `overloaded`).") }

const addHeaders = (op: Operation, status: string, headers: Record<string, unknown>): void => {
  const response = op.responses?.[status]
  if (response !== undefined) response["headers"] = { ...(response["headers"] as object), ...headers }
}

const transform =
  (params: EndpointParams<unknown>, validated: boolean) =>
  (spec: Record<string, unknown>): Record<string, unknown> => {
    const op = structuredClone(spec) as Operation
    op.parameters = [...(op.parameters ?? []), ...queryParameters(params.fields)]
    if (validated) addHeaders(op, "200", DATA_HEADERS)
    addHeaders(op, "503", RETRY_AFTER)
    return op
  }

/** Documents an endpoint's query parameters (and, for cached JSON answers, their validator headers). */
export const documented =
  (params: EndpointParams<unknown>, options: { readonly validated: boolean }) =>
  <E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E): E =>
    (endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps).annotate(
      OpenApi.Transform,
      transform(params, options.validated)
    ) as unknown as E

const DECODE_ERROR_REF = "#/components/schemas/HttpApiDecodeError"

/**
 * HttpApi lists its own `HttpApiDecodeError` as a 400 of every endpoint. It cannot occur here (no endpoint
 * declares a schema for HttpApi to decode), so the document keeps only the contract's 400.
 */
export const withoutDecodeError = (input: Record<string, unknown>): Record<string, unknown> => {
  const spec = structuredClone(input) as {
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, unknown> }
  }
  for (const operations of Object.values(spec.paths)) {
    for (const op of Object.values(operations)) {
      const response = op.responses?.["400"] as
        | {
            description?: string
            content?: Record<string, { schema: { $ref?: string; anyOf?: Array<{ $ref?: string }> } }>
          }
        | undefined
      const json = response?.content?.["application/json"]
      if (response === undefined || json === undefined) continue
      const kept = (json.schema.anyOf ?? [json.schema]).filter((s) => s.$ref !== DECODE_ERROR_REF)
      if (kept.length === 0) {
        delete op.responses?.["400"]
        continue
      }
      json.schema = kept.length === 1 ? kept[0]! : { anyOf: kept }
      const name = kept[0]?.$ref?.split("/").pop()
      const description = (spec.components.schemas[name ?? ""] as { description?: string } | undefined)?.description
      if (description !== undefined) response.description = description
    }
  }
  for (const name of ["HttpApiDecodeError", "Issue", "PropertyKey"]) delete spec.components.schemas[name]
  return spec
}

const BEARER: OpenApi.OpenAPISecurityScheme = {
  type: "http",
  scheme: "bearer",
  description:
    "Only when the service runs with `API_KEYS`: one of those keys as `Authorization: Bearer <key>`, else 401 " +
    "`unauthorized` (with `WWW-Authenticate: Bearer`). `/health` and CORS preflights never need one."
}

/**
 * `API_KEYS` access, documented: the bearer scheme on every operation but `/health`. It is enforced around the
 * whole app and on the fast path (`ApiKeys`), not by an HttpApi middleware, so the document gets it here.
 */
export const withBearerAccess = (input: Record<string, unknown>): Record<string, unknown> => {
  const spec = structuredClone(input) as {
    paths: Record<string, Record<string, { security?: Array<OpenApi.OpenAPISecurityRequirement> }>>
    components: { securitySchemes?: Record<string, OpenApi.OpenAPISecurityScheme> }
    security?: Array<OpenApi.OpenAPISecurityRequirement>
  }
  spec.components.securitySchemes = { ...spec.components.securitySchemes, bearer: BEARER }
  spec.security = [{ bearer: [] }]
  // Every operation carries its own (empty) list, which would override the document's.
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const operation of Object.values(operations)) operation.security = path === "/health" ? [] : [{ bearer: [] }]
  }
  return spec
}
