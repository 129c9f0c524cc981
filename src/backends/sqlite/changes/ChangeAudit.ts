import { Command, CommandExecutor } from "@effect/platform"
import { NodeCommandExecutor, NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { createRequire } from "node:module"
import type { DbTarget } from "../../../config/DbTargets.js"

/** What an outside process read of one file: its identity and the change log's last position (null: no log). */
export const AuditedFile = Schema.Union(
  Schema.Struct({ identity: Schema.String, seq: Schema.NullOr(Schema.Number) }),
  Schema.Struct({ error: Schema.String })
)
export type AuditedFile = typeof AuditedFile.Type

const AuditOutput = Schema.parseJson(Schema.Array(AuditedFile))

// Run by `node -e` in a process of its own: a connection there shares nothing with this process's SQLite (its WAL
// index, its locks), so it reads what any other process would. Opened, read and closed like any outside reader.
const AUDIT_SCRIPT = `
const Database = require(process.argv[1]);
const { statSync } = require("node:fs");
const read = (path) => {
  const stat = statSync(path);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 2000");
    const log = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'change_log'").get();
    const seq = log === undefined ? null : db.prepare("SELECT coalesce(max(seq), 0) FROM change_log").pluck().get();
    return { identity: stat.dev + ":" + stat.ino, seq };
  } finally {
    db.close();
  }
};
const out = process.argv.slice(2).map((path) => {
  try {
    return read(path);
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
});
process.stdout.write(JSON.stringify(out));
`

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve("better-sqlite3")

/**
 * Reads each file's change-log position from a separate process: the truth the change detector is checked
 * against. A process's own connections cannot serve as that check: while any is open, SQLite gives every new one
 * the same WAL index, stale or not.
 */
export class ChangeAudit extends Effect.Service<ChangeAudit>()("ChangeAudit", {
  effect: Effect.gen(function* () {
    const executor = yield* CommandExecutor.CommandExecutor
    return {
      read: (targets: ReadonlyArray<DbTarget>) =>
        Command.make(process.execPath, "-e", AUDIT_SCRIPT, BETTER_SQLITE3, ...targets.map((t) => t.path)).pipe(
          Command.string,
          Effect.flatMap(Schema.decode(AuditOutput)),
          Effect.timeout("10 seconds"),
          Effect.provideService(CommandExecutor.CommandExecutor, executor)
        )
    } as const
  }),
  dependencies: [NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))]
}) {}
