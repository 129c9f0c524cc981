/**
 * A statement whose one row is `[text, count]`: `line` (a JSON object per row, as SQL) over `source`, sorted by
 * `order`, comma-joined. The worker hands such a text over as bytes (`Text` output), and the body is the parts'
 * texts joined: the rows never become JavaScript values. The outer `group_concat` keeps the subquery's order:
 * SQLite does not drop a FROM subquery's ORDER BY when the outer query uses an aggregate other than count, min or
 * max.
 */
export const joinedRowsSql = (line: string, source: string, order: string): string =>
  `SELECT coalesce(group_concat(line, ','), ''), count(*) FROM (
  SELECT ${line} AS line FROM ${source} ORDER BY ${order})`
