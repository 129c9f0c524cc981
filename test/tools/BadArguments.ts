/** Tool calls the service must refuse with a 400 naming `parameter` (shared by the schema and call tests). */
export interface BadArguments {
  readonly tool: string
  readonly args: Record<string, unknown>
  readonly parameter: string
  /** Whether the tool's JSON Schema alone rejects these arguments (calendar, cursor and from > to it cannot). */
  readonly schemaRejects: boolean
}

const bad = (tool: string, args: Record<string, unknown>, parameter: string, schemaRejects = true): BadArguments => ({
  tool,
  args,
  parameter,
  schemaRejects
})

export const BAD_ARGUMENTS: ReadonlyArray<BadArguments> = [
  // unknown names
  bad("search_records", { itemcode: "IT-1" }, "itemcode"),
  bad("get_daily_summary", { from: "2026-01-01", limit: 5 }, "limit"),
  bad("get_summary_by_line", { line_code: "L01" }, "line_code"),
  bad("list_lines", { q: "x" }, "q"),
  bad("list_lines", { line: null }, "line"),
  bad("search_items", { q: "a", from: "2026-01-01" }, "from"),
  // wrong JSON types
  bad("search_records", { limit: "20" }, "limit"),
  bad("search_records", { item_code: 5 }, "item_code"),
  bad("get_summary_by_line", { from: 20260101 }, "from"),
  bad("search_items", { q: ["bolt"] }, "q"),
  bad("get_monthly_summary", { line_code: { code: "L01" } }, "line_code"),
  bad("get_summary_by_item", { limit: true }, "limit"),
  // dates
  bad("search_records", { from: "2026-1-1" }, "from"),
  bad("get_daily_summary", { to: "2026-02-10T00:00:00Z" }, "to"),
  bad("search_records", { to: "2025-02-30" }, "to", false),
  bad("get_monthly_summary", { from: "1899-12-31" }, "from", false),
  bad("get_monthly_summary", { to: "3000-01-01" }, "to", false),
  bad("get_daily_summary", { from: "2026-02-01", to: "2026-01-01" }, "from", false),
  bad("get_monthly_summary_by_item", { from: "2026-03-01" }, "from", false),
  // limits and q
  bad("search_records", { limit: 0 }, "limit"),
  bad("search_records", { limit: 1001 }, "limit"),
  bad("search_records", { limit: 2.5 }, "limit"),
  bad("search_items", { q: "a", limit: -1 }, "limit"),
  bad("get_summary_by_item", { limit: 1001 }, "limit"),
  bad("search_items", {}, "q"),
  bad("search_items", { q: "" }, "q"),
  bad("search_items", { q: "x".repeat(101) }, "q"),
  bad("search_records", { q: "x".repeat(101) }, "q"),
  // cursors
  bad("search_records", { cursor: "not-a-cursor" }, "cursor", false)
]
