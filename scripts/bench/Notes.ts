import { readFileSync } from "node:fs"
import { section } from "./Markdown.js"

const NOTES = new URL("../../docs/benchmark-notes.md", import.meta.url)

/**
 * The developers' notes on the optimizations behind these numbers (docs/benchmark-notes.md, without its title):
 * what each changed and its before/after as measured when it was made, with the command. The tables above are
 * this run's; the notes are not re-measured by it.
 */
export const notesSection = (): string =>
  section(
    "## Notes: optimizations and their measured effect",
    readFileSync(NOTES, "utf8")
      .replace(/^# .*\n+/, "")
      .trim()
  )
