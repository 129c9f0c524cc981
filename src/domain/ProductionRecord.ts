import { Schema } from "effect"
import { DbFile } from "./DbFile.js"
import { objectWriter } from "./JsonWriter.js"

/** The columns of `production_records`, the table both files hold. */
export const RECORD_COLUMNS = [
  "id",
  "production_date",
  "item_code",
  "item_name",
  "lot_number",
  "line_code",
  "good_quantity",
  "defect_quantity"
] as const

/** One production record as stored. Dates are kept as stored text (the table does not constrain them). */
export class ProductionRecord extends Schema.Class<ProductionRecord>("ProductionRecord")({
  id: Schema.Int,
  production_date: Schema.String,
  item_code: Schema.String,
  item_name: Schema.String,
  lot_number: Schema.String,
  line_code: Schema.String,
  good_quantity: Schema.Int,
  defect_quantity: Schema.Int
}) {}

/** A record as the API returns it: which file it came from, then its columns. */
export const ApiRecord = Schema.Struct({
  source: DbFile,
  ...ProductionRecord.fields
})
export type ApiRecord = typeof ApiRecord.Type

/** Field order of a Record in JSON, CSV and NDJSON. */
export const API_RECORD_FIELDS = ["source", ...RECORD_COLUMNS] as const

/**
 * A Record's JSON text: the contract's fields in their order. The optimized engine has SQLite write it in the
 * worker (one string per row crosses the thread boundary instead of an array of nine values to clone).
 */
export type RecordJson = string

export const recordJson: (record: ApiRecord) => RecordJson = objectWriter(API_RECORD_FIELDS)
