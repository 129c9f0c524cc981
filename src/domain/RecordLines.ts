import { API_RECORD_FIELDS, type ApiRecord } from "./ProductionRecord.js"

const needsQuotes = /[",\r\n]/

/** RFC 4180: a field holding a comma, quote, CR or LF is quoted, its quotes doubled. */
export const csvField = (value: unknown): string => {
  if (typeof value === "number") return String(value)
  const text = String(value)
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The CSV header: the Record fields in the contract's order, CRLF-terminated. */
export const CSV_HEADER = `${API_RECORD_FIELDS.join(",")}\r\n`

export const csvLine = (record: ApiRecord): string => {
  let line = ""
  for (let i = 0; i < API_RECORD_FIELDS.length; i++) {
    line += (i === 0 ? "" : ",") + csvField(record[API_RECORD_FIELDS[i]!])
  }
  return `${line}\r\n`
}

export const ndjsonLine = (record: ApiRecord): string => {
  const ordered: Record<string, unknown> = {}
  for (const field of API_RECORD_FIELDS) ordered[field] = record[field]
  return `${JSON.stringify(ordered)}\n`
}
