import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { atExit, REPO, sleep } from "./ServerProcess.js"

const SCRIPT = fileURLToPath(new URL("./outside-loader.ts", import.meta.url))

export interface LoaderCommit {
  readonly lot: string
  /** When its commit returned, ms since the epoch (`performance.timeOrigin + performance.now()` in the loader). */
  readonly at: number
}

export interface LoaderSettings {
  /** The live file it writes to (a copy: the other comparisons' data stay as they were). */
  readonly file: string
  readonly date: string
  readonly lotPrefix: string
  readonly intervalMs: number
  /** Each commit's item and line, taken in turn. */
  readonly targets: ReadonlyArray<{
    readonly item_code: string
    readonly item_name: string
    readonly line_code: string
  }>
}

export interface OutsideLoader {
  /** Its commits so far, in order. */
  readonly commits: () => ReadonlyArray<LoaderCommit>
  /** SIGTERM (it stops between commits); resolves with its own count of commits and failed commits. */
  readonly stop: () => Promise<{ readonly commits: number; readonly failures: number }>
}

/**
 * Starts `outside-loader.ts` in a process of its own (`node --import tsx`) and waits for its first commit. It is
 * killed if the bench exits first.
 */
export const startOutsideLoader = async (settings: LoaderSettings): Promise<OutsideLoader> => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      SCRIPT,
      settings.file,
      settings.date,
      settings.lotPrefix,
      String(settings.intervalMs),
      JSON.stringify(settings.targets)
    ],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] }
  )
  const cancelKill = atExit(() => child.kill("SIGKILL"))
  const commits: Array<LoaderCommit> = []
  const failures: Array<string> = []
  let done: { commits: number; failures: number } | undefined
  let pending = ""
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) {
      const [word, a, b] = line.split(" ")
      if (word === "commit") commits.push({ lot: a!, at: Number(b) })
      else if (word === "failed") failures.push(line.slice("failed ".length))
      else if (word === "done") done = { commits: Number(a), failures: Number(b) }
    }
  })
  const exited = new Promise<string>((resolve) =>
    child.once("close", (code, signal) => {
      cancelKill()
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`)
    })
  )
  const ended = () => child.exitCode !== null || child.signalCode !== null
  const deadline = performance.now() + 30_000
  while (commits.length === 0 && failures.length === 0 && !ended() && performance.now() < deadline) await sleep(10)
  if (commits.length === 0) {
    child.kill("SIGKILL")
    throw new Error(`the outside loader made no commit (${await exited}): ${failures[0] ?? stderr.slice(-2000)}`)
  }
  return {
    commits: () => commits,
    stop: async () => {
      child.kill("SIGTERM")
      const how = await exited
      if (done === undefined) throw new Error(`the outside loader ended without its count (${how}): ${stderr}`)
      if (done.commits !== commits.length)
        throw new Error(`the outside loader counted ${done.commits} commits and printed ${commits.length}`)
      return done
    }
  }
}
