import Database from "better-sqlite3"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as os from "node:os"
import { REPO } from "./ServerProcess.js"

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memory: string
  readonly os: string
  readonly node: string
  readonly sqlite: string
  readonly betterSqlite3: string
  readonly autocannon: string
  readonly loadAtStart: string
}

const versionOf = (pkg: string): string => {
  try {
    return (JSON.parse(readFileSync(`${REPO}node_modules/${pkg}/package.json`, "utf8")) as { version: string }).version
  } catch {
    return "?"
  }
}

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")

export const describeMachine = (): Machine => {
  const db = new Database(":memory:")
  const sqlite = db.prepare("SELECT sqlite_version()").pluck().get() as string
  db.close()
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "?",
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sqlite,
    betterSqlite3: versionOf("better-sqlite3"),
    autocannon: versionOf("autocannon"),
    loadAtStart: loadAverage()
  }
}

const quote = (arg: string) => (/^[\w./=:@-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)

/** The command line as it was typed (as far as argv tells). */
export const exactCommand = (argv: ReadonlyArray<string>): string =>
  `node --import tsx scripts/bench.ts${argv.length === 0 ? "" : " " + argv.map(quote).join(" ")}`

const git = (args: ReadonlyArray<string>): string | undefined => {
  try {
    return execFileSync("git", [...args], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return undefined
  }
}

/** The sources measured: the commit checked out, and whether tracked files differ from it. */
export const sourceRevision = (): string => {
  const head = git(["rev-parse", "--short", "HEAD"])
  if (head === undefined) return "unknown (not a git checkout)"
  const dirty = (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== ""
  return `commit ${head}${dirty ? " with uncommitted changes" : ""}`
}
