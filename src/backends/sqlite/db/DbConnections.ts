import type Database from "better-sqlite3"
import { Effect } from "effect"
import type { DbTarget } from "../../../config/DbTargets.js"
import type { DbFile } from "../../../domain/DbFile.js"
import { type ConnectionOptions, DbConnection, readFresh, type Unreadable } from "./DbConnection.js"
import { PragmaConfig } from "./Pragmas.js"
import { Reconnects } from "./Reconnects.js"

/**
 * The service's SQLite connections on the main thread, and what the read workers need to open theirs the same way:
 * the pragma set (`SQLITE_PRAGMAS`) and the process's reconnect counters. Every holder (the change detector, the
 * reference engine, each worker) opens through `DbConnection`; `reconnect` makes all of them, in every thread,
 * close their connections to a file and reopen.
 */
export class DbConnections extends Effect.Service<DbConnections>()("DbConnections", {
  effect: Effect.gen(function* () {
    const pragmas = yield* PragmaConfig
    const reconnects = new Reconnects()
    const options = (extra: Partial<ConnectionOptions> = {}): ConnectionOptions => ({ pragmas, reconnects, ...extra })
    return {
      pragmas,
      reconnects,
      /** A connection to `target`'s file, kept by its caller on this thread. */
      connect: (target: DbTarget, extra?: Partial<ConnectionOptions>) =>
        new DbConnection(target.file, target.path, options(extra)),
      /** `read` on a connection of its own to `target`'s file (every page from the file), closed after. */
      readFresh: <A>(target: DbTarget, read: (db: Database.Database) => A): A | Unreadable =>
        readFresh(target.file, target.path, options(), read),
      /** Closes every connection of the process to `file` (each reopens on its next use). */
      reconnect: (file: DbFile) => Effect.sync(() => reconnects.reconnect(file))
    } as const
  })
}) {}
