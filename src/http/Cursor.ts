import { createHash } from "node:crypto"
import { Either } from "effect"
import type { DateWindow } from "../domain/DateWindow.js"
import { isIsoDate } from "../domain/IsoDate.js"
import type { RecordFilters, RecordPosition } from "../query/Query.js"
import type { InvalidParameter } from "./ApiErrors.js"
import { invalid } from "./ParamRules.js"

/**
 * The `/records` cursor: base64url of `[production_date, source, id, digest]`, where the digest covers the
 * request's window and filters and the position itself, so a cursor replayed with other filters, or altered,
 * is refused rather than silently paging something else. No secret is involved: a forged position is only a
 * keyset bound, harmless; the digest is there to catch mistakes, and it survives restarts.
 */

/** What a cursor is bound to: the resolved window and the filters (`limit` may change between pages). */
export interface CursorScope {
  readonly window: DateWindow
  readonly filters: RecordFilters
}

const SOURCES = { live: "l", archive: "a" } as const

const digest = (scope: CursorScope, position: RecordPosition): string => {
  const { filters, window } = scope
  const canonical = JSON.stringify([
    window.from,
    window.to,
    filters.item_code ?? null,
    filters.line_code ?? null,
    filters.lot_prefix ?? null,
    filters.q ?? null,
    position.production_date,
    position.source,
    position.id
  ])
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16)
}

export const encodeCursor = (position: RecordPosition, scope: CursorScope): string =>
  Buffer.from(
    JSON.stringify([position.production_date, SOURCES[position.source], position.id, digest(scope, position)])
  ).toString("base64url")

const malformed = (): InvalidParameter =>
  invalid("cursor", `Parameter "cursor" is not a valid cursor; use the "next_cursor" of a previous page.`)

const base64url = /^[A-Za-z0-9_-]+$/

const parsePosition = (token: string): { position: RecordPosition; digest: string } | undefined => {
  if (token.length > 200 || !base64url.test(token)) return undefined
  const bytes = Buffer.from(token, "base64url")
  // Node ignores stray trailing bits: only the canonical spelling of the bytes is accepted.
  if (bytes.toString("base64url") !== token) return undefined
  let value: unknown
  try {
    value = JSON.parse(bytes.toString("utf8"))
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || value.length !== 4) return undefined
  const [date, source, id, sum] = value as Array<unknown>
  if (typeof date !== "string" || !isIsoDate(date)) return undefined
  if (source !== "l" && source !== "a") return undefined
  if (typeof id !== "number" || !Number.isSafeInteger(id)) return undefined
  if (typeof sum !== "string") return undefined
  return { position: { production_date: date, source: source === "l" ? "live" : "archive", id }, digest: sum }
}

export const decodeCursor = (token: string, scope: CursorScope): Either.Either<RecordPosition, InvalidParameter> => {
  const parsed = parsePosition(token)
  if (parsed === undefined) return Either.left(malformed())
  if (parsed.digest !== digest(scope, parsed.position)) {
    return Either.left(
      invalid(
        "cursor",
        `Parameter "cursor" does not match this request: it was issued for other filters or another window, ` +
          `or it was altered. Repeat the first page's filters, or start again without a cursor.`
      )
    )
  }
  return Either.right(parsed.position)
}
