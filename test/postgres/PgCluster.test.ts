import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { inject } from "vitest"
import {
  makeTestDatabase,
  removeStaleClusters,
  serverBinaries,
  TestDatabase,
  testPgLayer
} from "../support/PgCluster.js"

const adminUrl = inject("pgAdminUrl")

// No process has this pid: above Linux's largest pid_max (2^22).
const DEAD_PID = String(2 ** 22 + 1)

describe("the test cluster", () => {
  layer(testPgLayer(adminUrl))((it) => {
    it.effect("is a real PostgreSQL server on 127.0.0.1 with fsync off", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ version: string; fsync: string; addr: string }>`
          SELECT version() AS version, current_setting('fsync') AS fsync, host(inet_server_addr()) AS addr`
        expect(row!.version).toMatch(/^PostgreSQL \d+/)
        expect(row!.fsync).toBe("off")
        expect(row!.addr).toBe("127.0.0.1")
      })
    )

    it.effect("gives the test file a database of its own", () =>
      Effect.gen(function* () {
        const db = yield* TestDatabase
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ name: string }>`SELECT current_database() AS name`
        expect(row!.name).toBe(db.name)
      })
    )
  })

  it.scoped("drops a test database when its scope closes", () =>
    Effect.gen(function* () {
      const db = yield* Effect.scoped(makeTestDatabase(adminUrl))
      const exists = yield* Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          return yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${db.name}`
        }).pipe(Effect.provide(Layer.fresh(PgClient.layer({ url: Redacted.make(adminUrl) }))))
      )
      expect(exists[0]!.n).toBe(0)
    })
  )

  it.effect("finds server binaries with initdb and pg_ctl", () =>
    Effect.sync(() => {
      const { bindir } = serverBinaries()
      expect(existsSync(path.join(bindir, "initdb"))).toBe(true)
      expect(existsSync(path.join(bindir, "pg_ctl"))).toBe(true)
    })
  )

  it.effect("removes a cluster left by a run that died, and keeps a live run's", () =>
    Effect.promise(async () => {
      const stale = mkdtempSync(path.join(os.tmpdir(), "pa-pgcluster-"))
      writeFileSync(path.join(stale, "owner.pid"), DEAD_PID)
      const live = mkdtempSync(path.join(os.tmpdir(), "pa-pgcluster-"))
      writeFileSync(path.join(live, "owner.pid"), String(process.pid))
      const removed = await removeStaleClusters()
      expect(removed).toContain(stale)
      expect(existsSync(stale)).toBe(false)
      expect(existsSync(live)).toBe(true)
      writeFileSync(path.join(live, "owner.pid"), DEAD_PID)
      await removeStaleClusters()
      expect(existsSync(live)).toBe(false)
    })
  )
})
