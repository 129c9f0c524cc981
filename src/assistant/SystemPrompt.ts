import { Effect, Option } from "effect"
import { DbTargets } from "../config/DbTargets.js"
import { type IsoDate, MIN_API_DATE } from "../domain/IsoDate.js"
import { DatabaseHealth } from "../health/DatabaseHealth.js"
import { Answers } from "../http/Answers.js"
import { today } from "../http/RequestDecoding.js"
import { type Query, SummaryDailyQuery, SummaryMonthlyQuery } from "../query/Query.js"
import { ChatTools } from "./ChatTools.js"

/**
 * The system prompt of a chat turn: today's date, the cutover, the dates the data covers, what each tool is for,
 * and to answer only from tool results. The range comes from `/health` (the last date of each file) and two cached
 * summaries (the first month with records, then its first day), never from opening the files.
 */

const firstRow = (answers: Answers["Type"], query: Query) =>
  Effect.map(answers.answer(query), (answer) => {
    const body = JSON.parse(Buffer.from(answer.body.bytes).toString("utf8")) as {
      readonly rows: ReadonlyArray<Record<string, string>>
    }
    return Option.fromNullable(body.rows[0])
  })

const firstSentence = (text: string | undefined): string => {
  const sentence = /^.*?[.!?](\s|$)/.exec(text ?? "")
  return (sentence?.[0] ?? text ?? "").trim()
}

export class SystemPrompt extends Effect.Service<SystemPrompt>()("SystemPrompt", {
  effect: Effect.gen(function* () {
    const health = yield* DatabaseHealth
    const answers = yield* Answers
    const { cutover } = yield* DbTargets
    const { tools } = yield* ChatTools

    /** First and last production dates over both files; none when there are no records (or none readable). */
    const dataRange = Effect.gen(function* () {
      const { databases } = yield* health.report
      const lasts = [databases.live.max_date, databases.archive.max_date].filter((d): d is string => d !== null)
      if (lasts.length === 0) return Option.none()
      const last = lasts.sort().at(-1) as IsoDate
      const all = { from: MIN_API_DATE, to: last }
      const month = yield* firstRow(
        answers,
        new SummaryMonthlyQuery({ window: all, item_code: undefined, line_code: undefined })
      )
      if (Option.isNone(month)) return Option.none()
      const from = `${month.value["month"]}-01` as IsoDate
      const day = yield* firstRow(
        answers,
        new SummaryDailyQuery({ window: { from, to: last }, item_code: undefined, line_code: undefined })
      )
      return Option.map(day, (row) => ({ first: row["date"] ?? from, last }))
    }).pipe(Effect.orElseSucceed(() => Option.none()))

    const toolLines = tools.map((tool) => `- ${tool.name}: ${firstSentence(tool.description)}`).join("\n")

    const text = Effect.gen(function* () {
      const day = yield* today
      const range = yield* dataRange
      const coverage = Option.match(range, {
        onNone: () => "The range of dates with production records could not be determined; ask the tools.",
        onSome: ({ first, last }) => `Production records exist from ${first} to ${last}.`
      })
      return [
        "You answer questions about a production plant's output from its production-analytics database.",
        `Today is ${day} (UTC). ${coverage}`,
        `Records before ${cutover} (the cutover date) are in the archive, later ones in the live database; ` +
          "every tool reads both, so a window may span the cutover.",
        `Tools:\n${toolLines}`,
        "Answer only from tool results: call a tool for every number you give and say which window and filters " +
          "it used. Dates are YYYY-MM-DD; a tool's window defaults to the 30 days up to today, so pass `from` and " +
          "`to` for other periods. When the data you need is missing, outside the range above, or a tool reports " +
          "an error, say so plainly instead of guessing."
      ].join("\n\n")
    })

    return { text } as const
  })
}) {}
