import { progress } from "./Progress.js"
import { type SpawnOptions, spawnServer } from "./ServerProcess.js"

export interface StartSample {
  readonly label: string
  readonly ms: number
}

/** Spawns `options` `count` times, each time from nothing to the first 200 of its ready path, then stops it. */
export const measureStarts = async (
  options: SpawnOptions,
  count: number,
  label: string
): Promise<Array<StartSample>> => {
  const samples: Array<StartSample> = []
  for (let i = 1; i <= count; i++) {
    const server = await spawnServer({ ...options, name: `${options.name}-${i}` })
    await server.stop()
    samples.push({ label, ms: server.startMs })
    progress(`start-up ${label} ${i}/${count}: ${Math.round(server.startMs)} ms`)
  }
  return samples
}
