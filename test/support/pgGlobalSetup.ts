/** Vitest global setup: one throwaway PostgreSQL cluster per test run (PgCluster.ts), its URL provided to tests. */
import type { TestProject } from "vitest/node"
import { startCluster } from "./PgCluster.js"

export default async function setup(project: TestProject) {
  const cluster = await startCluster()
  project.provide("pgAdminUrl", cluster.adminUrl)
  return cluster.stop
}
