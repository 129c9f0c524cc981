/**
 * Simple Unicode case folding, one code point to one, as SQLite's FTS5 folds text: `Ø` → `ø`, while `ß` stays
 * `ß` (no expansion to `ss`) and a code point whose lower case is longer than one code point is left as it is.
 */
export const foldCase = (text: string): string => {
  let out = ""
  for (const ch of text) {
    const lower = ch.toLowerCase()
    out += lower.length === ch.length || [...lower].length === 1 ? lower : ch
  }
  return out
}

/** Whether `needle` occurs in `haystack`, every character literal, case-insensitive by `foldCase`. */
export const foldedContains = (haystack: string, needle: string): boolean =>
  foldCase(haystack).includes(foldCase(needle))

/** The SQL function name under which every connection of the service registers `foldedContains`. */
export const FOLD_CONTAINS_SQL_FUNCTION = "fold_contains"
