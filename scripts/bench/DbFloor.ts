import { DEFAULT_PRAGMAS } from "../../src/backends/sqlite/db/Pragmas.js"
import { Reconnects } from "../../src/backends/sqlite/db/Reconnects.js"

/**
 * How the service's workers open files by default (`POOL_FILE_CHECK_MS`, no mmap): the connections the database
 * floor is measured on (`InProcessEngine`, side by side with the servers: `measureSideBySide`) and the pragma
 * table's baseline.
 */
export const WORKER_OPTIONS = {
  pragmas: DEFAULT_PRAGMAS,
  checkMs: 200,
  allowMmap: false,
  reconnects: new Reconnects()
} as const
