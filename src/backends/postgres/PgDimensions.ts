/**
 * The items dimension (distinct code/name pairs, with a trigram index for `q`) and the lines list, kept by the
 * statement triggers (PgTriggers.ts) from a transition table, and backfilled from the base table at migration.
 */

/**
 * The contract's `q` folding (src/domain/TextFold.ts: each code point to its one-code-point lower case, else
 * itself), with ICU's lower case so that it holds beyond ASCII whatever the database's locale is.
 */
export const FOLD_CASE_FUNCTION = `CREATE OR REPLACE FUNCTION fold_case(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(CASE WHEN char_length(lower(c COLLATE "und-x-icu")) = 1
    THEN lower(c COLLATE "und-x-icu") ELSE c END, '' ORDER BY i), '')
  FROM unnest(string_to_array(t, NULL)) WITH ORDINALITY AS u(c, i)
$$`

export const DIMENSION_TABLES: ReadonlyArray<string> = [
  `CREATE TABLE items (
  item_code text COLLATE "C" NOT NULL,
  item_name text COLLATE "C" NOT NULL,
  cnt bigint NOT NULL,
  item_name_folded text COLLATE "C" NOT NULL GENERATED ALWAYS AS (fold_case(item_name)) STORED,
  PRIMARY KEY (item_code, item_name)
)`,
  // `q` of three or more characters: item_name_folded LIKE '%' || fold_case(q) || '%' reads this index.
  `CREATE INDEX items_name_trgm ON items USING gin (item_name_folded gin_trgm_ops)`,
  `CREATE TABLE lines (line_code text COLLATE "C" PRIMARY KEY, cnt bigint NOT NULL)`
]

/** Statements adding the rows of `src` (a transition table, or the base table for the backfill). */
export const addToDimensions = (src: string): ReadonlyArray<string> => [
  `INSERT INTO items AS t (item_code, item_name, cnt)
  SELECT item_code, item_name, count(*) FROM ${src} GROUP BY item_code, item_name
  ON CONFLICT (item_code, item_name) DO UPDATE SET cnt = t.cnt + excluded.cnt`,
  `INSERT INTO lines AS t (line_code, cnt) SELECT line_code, count(*) FROM ${src} GROUP BY line_code
  ON CONFLICT (line_code) DO UPDATE SET cnt = t.cnt + excluded.cnt`
]

/**
 * Statements removing the rows of `src`; a pair or line left with no record goes (a second statement: a row an
 * UPDATE in a WITH changed is not visible to the same statement's DELETE).
 */
export const removeFromDimensions = (src: string): ReadonlyArray<string> => [
  `UPDATE items AS t SET cnt = t.cnt - gone.cnt
  FROM (SELECT item_code, item_name, count(*) AS cnt FROM ${src} GROUP BY item_code, item_name) AS gone
  WHERE t.item_code = gone.item_code AND t.item_name = gone.item_name`,
  `DELETE FROM items WHERE cnt <= 0 AND (item_code, item_name) IN (SELECT item_code, item_name FROM ${src})`,
  `UPDATE lines AS t SET cnt = t.cnt - gone.cnt
  FROM (SELECT line_code, count(*) AS cnt FROM ${src} GROUP BY line_code) AS gone WHERE t.line_code = gone.line_code`,
  `DELETE FROM lines WHERE cnt <= 0 AND line_code IN (SELECT line_code FROM ${src})`
]
