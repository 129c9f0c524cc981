/** Orders strings as SQLite's BINARY collation does on UTF-8 text: by Unicode code point. */
export const compareText = (a: string, b: string): number => {
  if (a === b) return 0
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done === true) return y.done === true ? 0 : -1
    if (y.done === true) return 1
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!
    if (d !== 0) return d
  }
}

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
