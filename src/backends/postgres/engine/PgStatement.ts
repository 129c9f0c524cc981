/** One statement: its text (positional `$n` parameters) and the values it binds. */
export interface PgStatement {
  readonly sql: string
  readonly params: ReadonlyArray<string | number | null | ReadonlyArray<string>>
}

/** A statement shape the engine sends, with sample parameters, for `EXPLAIN` (`npm run analyze-indexes`). */
export interface PgShape {
  readonly name: string
  readonly statement: PgStatement
}
