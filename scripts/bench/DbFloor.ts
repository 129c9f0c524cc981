import { DEFAULT_PRAGMAS } from "../../src/db/Pragmas.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import type { DataFiles } from "./DataPrep.js"
import { makeInProcessEngine } from "./InProcessEngine.js"
import type { ResolvedShape } from "./Latency.js"
import { breathe, progress } from "./Progress.js"

/** How the service's workers open files by default (`POOL_FILE_CHECK_MS`, no mmap). */
export const WORKER_OPTIONS = { pragmas: DEFAULT_PRAGMAS, checkMs: 200, allowMmap: false } as const

/**
 * The database floor of each shape: the statements the optimized engine sends for it, run in this process on
 * the migrated files, one after the other; the time of the statements alone (ms per sample), after a warm-up.
 */
export const measureDbFloor = async (
  files: DataFiles,
  cutover: IsoDate,
  today: IsoDate,
  shapes: ReadonlyArray<ResolvedShape>,
  repeats: number
): Promise<ReadonlyMap<string, ReadonlyArray<number>>> => {
  const engine = await makeInProcessEngine(files, cutover, today, WORKER_OPTIONS)
  const samples = new Map<string, Array<number>>(shapes.map((s) => [s.url, []]))
  try {
    for (let pass = 0; pass <= repeats; pass++) {
      for (const shape of shapes) {
        await breathe()
        const ms = await engine.statementMs(shape.url)
        if (pass > 0) samples.get(shape.url)!.push(ms)
      }
    }
    progress(`database floor: ${shapes.length} shapes × ${repeats} in-process`)
    return samples
  } finally {
    await engine.close()
  }
}
