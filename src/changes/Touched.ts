/** A record a commit wrote or removed, by what answers filter on besides the date. */
export interface TouchedRecord {
  readonly date: string
  readonly item_code: string
  readonly line_code: string
}

/**
 * What commits touched beyond their dates, when the backend knows it: the item and line of every record written
 * or removed (on the change's dates), and whether the items dimension (code/name pairs) or the lines list changed.
 */
export interface Touched {
  readonly records: ReadonlyArray<TouchedRecord>
  readonly dimensions: boolean
}
