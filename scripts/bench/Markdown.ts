const cell = (value: string | number): string => String(value).replaceAll("|", "\\|").replaceAll("\n", " ")

/** A Markdown table; columns whose header ends with a space are right-aligned (numbers). */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string =>
  [
    `| ${head.map((h) => cell(h.trim())).join(" | ")} |`,
    `|${head.map((h) => (h.endsWith(" ") ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)
  ].join("\n")

export const section = (title: string, ...body: ReadonlyArray<string>): string =>
  [title, ...body].filter((b) => b !== "").join("\n\n")
