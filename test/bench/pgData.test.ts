import { chmodSync, mkdtempSync, rmSync, utimesSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { prepareData } from "../../scripts/bench/DataPrep.js"
import { preparePg } from "../../scripts/bench/PgData.js"
import { runningPostmaster } from "../../scripts/pg/LocalCluster.js"

const dir = mkdtempSync(join(tmpdir(), "bench-pg-test-"))
// As root the cluster runs as user postgres, who must reach its folder inside this one (mkdtemp makes it 0700).
chmodSync(dir, 0o755)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const countIn = (path: string): number => {
  const db = new Database(path, { readonly: true })
  try {
    return Number(db.prepare("SELECT count(*) FROM production_records").pluck().get())
  } finally {
    db.close()
  }
}

const countOn = async (url: string): Promise<number> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM production_records")
    return Number(rows[0]!.n)
  } finally {
    await client.end()
  }
}

describe("the bench's PostgreSQL (scripts/bench/PgData.ts)", () => {
  it("builds a cluster beside the data once, starts it again as it is, and rebuilds it for other data", async () => {
    const data = await prepareData(dir, { rowsPerDay: 8, from: "2025-11-01", to: "2026-02-28" })
    const records = countIn(data.raw.live) + countIn(data.raw.archive)

    const first = await preparePg(data)
    try {
      expect(first.cached).toBe(false)
      expect(first.dir).toBe(join(data.dir, "pg"))
      expect(first.build.records).toBe(records)
      expect(first.build.databaseBytes).toBeGreaterThan(0)
      expect(first.build.importS).toBeGreaterThan(0)
      expect(await countOn(first.url)).toBe(records)
    } finally {
      await first.stop()
    }
    expect(runningPostmaster(first.dir)).toBeUndefined()

    const second = await preparePg(data)
    try {
      expect(second.cached).toBe(true)
      expect(second.build).toEqual(first.build)
      expect(await countOn(second.url)).toBe(records)
    } finally {
      await second.stop()
    }

    // Other data (here: the same file touched) is not what the cluster holds: it is built again.
    utimesSync(data.raw.live, new Date(), new Date(Date.now() + 5000))
    const third = await preparePg(data)
    try {
      expect(third.cached).toBe(false)
      expect(third.build.key).not.toBe(first.build.key)
      expect(await countOn(third.url)).toBe(records)
    } finally {
      await third.stop()
    }
  }, 180_000)
})
