/**
 * Orders strings as SQLite's BINARY collation does on UTF-8 text: by Unicode code point. Compares UTF-16 code
 * units, which agree with code points except that a surrogate (a character above U+FFFF) must sort after
 * U+E000..U+FFFF: when both differing units are at or above U+D800, surrogates are moved above that block.
 */
export const compareText = (a: string, b: string): number => {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? codePointRank(x) - codePointRank(y) : x - y
  }
  return a.length - b.length
}

const codePointRank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000)

/**
 * The smallest string greater than every string that starts with `prefix` (code point order), or undefined
 * when there is none. `[prefix, upper)` is then exactly the strings starting with `prefix`: an index range.
 */
export const prefixUpperBound = (prefix: string): string | undefined => {
  const points = [...prefix].map((c) => c.codePointAt(0)!)
  while (points.length > 0) {
    const last = points.pop()!
    let next = last + 1
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000 // surrogates are not characters
    if (next <= 0x10ffff) return String.fromCodePoint(...points, next)
  }
  return undefined
}
