/**
 * What keeps the derived tables exact and tells the service what changed: one AFTER … FOR EACH STATEMENT trigger
 * per event on `production_records`, with transition tables (COPY fires the INSERT one), so a statement of a
 * million rows updates each derived table with one grouped statement, not a million. Each ends with
 * `pg_notify('production_changes', …)`: the statement's touched dates as JSON ranges, delivered at commit.
 */
import { CUMULATIVE_WRITERS_LOCK, PG_CUMULATIVES, refreshAllCumulatives } from "./PgCumulative.js"
import { addToDimensions, removeFromDimensions } from "./PgDimensions.js"
import { PG_ROLLUPS, addToRollup, removeFromRollup } from "./PgRollups.js"

export const CHANGES_CHANNEL = "production_changes"

/** pg_notify refuses payloads of 8000 bytes or more; past this, one range from the first to the last date. */
const PAYLOAD_LIMIT = 7900

/**
 * The payload: touched dates as `[["from","to"],…]`, consecutive dates merged into one range (a load of a month
 * is one range), or `[[first,last]]` when the list would not fit (a superset: what it invalidates stays correct).
 */
/** A date as 'YYYY-MM-DD' whatever the session's DateStyle. */
const iso = (date: string) => `to_char(${date}, 'YYYY-MM-DD')`

const notifyTouched = (sources: ReadonlyArray<string>) => `WITH touched AS (
    ${sources.map((s) => `SELECT production_date AS d FROM ${s}`).join(" UNION ")}
  ), runs AS (
    SELECT min(d) AS lo, max(d) AS hi FROM (SELECT d, d - (row_number() OVER (ORDER BY d))::int AS run FROM touched) AS x
    GROUP BY run
  )
  SELECT '[' || string_agg(format('["%s","%s"]', ${iso("lo")}, ${iso("hi")}), ',' ORDER BY lo) || ']',
    ${iso("min(lo)")}, ${iso("max(hi)")}
  FROM runs
  INTO payload, first_date, last_date;
  IF payload IS NOT NULL THEN
    IF octet_length(payload) > ${PAYLOAD_LIMIT} THEN
      payload := format('[["%s","%s"]]', first_date, last_date);
    END IF;
    PERFORM pg_notify('${CHANGES_CHANNEL}', payload);
  END IF`

const addAll = (src: string) => [...addToDimensions(src), ...PG_ROLLUPS.map((r) => addToRollup(r, src))]
const removeAll = (src: string) => [
  ...removeFromDimensions(src),
  ...PG_ROLLUPS.flatMap((r) => removeFromRollup(r, src))
]

const triggerFunction = (name: string, body: ReadonlyArray<string>, touched: ReadonlyArray<string>) =>
  `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
  first_date text;
  last_date text;
BEGIN
${body.map((s) => `  ${s};`).join("\n")}
  ${notifyTouched(touched)};
  RETURN NULL;
END $$`

const EVENTS = [
  { event: "INSERT", transitions: "NEW TABLE AS new_rows", body: addAll("new_rows"), touched: ["new_rows"] },
  { event: "DELETE", transitions: "OLD TABLE AS old_rows", body: removeAll("old_rows"), touched: ["old_rows"] },
  {
    event: "UPDATE",
    transitions: "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    body: [...removeAll("old_rows"), ...addAll("new_rows")],
    touched: ["old_rows", "new_rows"]
  }
] as const

const triggerOn = (table: string, event: string, transitions: string) => {
  const fn = `production_records_after_${event.toLowerCase()}`
  return `CREATE TRIGGER ${fn} AFTER ${event} ON ${table} REFERENCING ${transitions}
  FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`
}

export const TRIGGER_STATEMENTS: ReadonlyArray<string> = EVENTS.flatMap(({ event, transitions, body, touched }) => [
  triggerFunction(`production_records_after_${event.toLowerCase()}`, body, touched),
  triggerOn("production_records", event, transitions)
])

/**
 * Migration v4's trigger functions: the writers' lock, v2's statements, then the month-to-date and year-to-date
 * tables refreshed from the rollups for the spans the statement touched (PgCumulative.ts). The triggers
 * themselves stay: they call these functions by name. (v2's texts above stay as they were applied.)
 */
export const CUMULATIVE_TRIGGER_FUNCTIONS: ReadonlyArray<string> = EVENTS.map(({ event, body, touched }) =>
  triggerFunction(
    `production_records_after_${event.toLowerCase()}`,
    [CUMULATIVE_WRITERS_LOCK, ...body, ...refreshAllCumulatives(touched)],
    touched
  )
)

/**
 * A statement on one partition fires that partition's statement triggers, not the parent's: every partition gets
 * the same ones (`production_records_guard(partition)`), so a writer that names a partition keeps the derived
 * tables exact too. (A statement on the parent fires only the parent's.)
 */
export const GUARD_FUNCTION = `CREATE OR REPLACE FUNCTION production_records_guard(part regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
${EVENTS.map(({ event, transitions }) => `  EXECUTE format('${triggerOn("%s", event, transitions).replaceAll("'", "''")}', part);`).join("\n")}
END $$`

/**
 * TRUNCATE (no transition table) empties every derived table and notifies one range over all dates, which
 * invalidates everything in the payload's own form.
 */
const truncateFunction = (
  tables: ReadonlyArray<string>
) => `CREATE OR REPLACE FUNCTION production_records_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE items, lines, ${tables.join(", ")};
  PERFORM pg_notify('${CHANGES_CHANNEL}', '[["0001-01-01","9999-12-31"]]');
  RETURN NULL;
END $$`

const ROLLUP_TABLES = PG_ROLLUPS.map((r) => r.table)

/** v4's: the cumulative tables emptied too. */
export const CUMULATIVE_TRUNCATE_FUNCTION = truncateFunction([...ROLLUP_TABLES, ...PG_CUMULATIVES.map((c) => c.table)])

export const TRUNCATE_TRIGGER_STATEMENTS: ReadonlyArray<string> = [
  truncateFunction(ROLLUP_TABLES),
  `CREATE TRIGGER production_records_after_truncate AFTER TRUNCATE ON production_records
  FOR EACH STATEMENT EXECUTE FUNCTION production_records_after_truncate()`
]

/** Fills the (empty) derived tables from the base table: the triggers' add statements over all of it. */
export const BACKFILL_STATEMENTS: ReadonlyArray<string> = addAll("production_records")
