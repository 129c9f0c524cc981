/** The body rows of the first Markdown table in `text` whose header starts with `head`, as trimmed cells. */
export const tableRows = (text: string, head: string): Array<Array<string>> => {
  const lines = text.split("\n")
  const at = lines.findIndex((l) => l.startsWith(`| ${head}`))
  const rows: Array<Array<string>> = []
  for (const line of at < 0 ? [] : lines.slice(at + 2)) {
    if (!line.startsWith("|")) break
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim())
    )
  }
  return rows
}
