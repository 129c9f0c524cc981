import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One throwaway PostgreSQL cluster per run (~1 s); each test file makes its own database on it.
    globalSetup: ["test/support/pgGlobalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker threads and SQLite files: keep suites in separate processes, two at a time (2 cores).
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"]
  }
})
