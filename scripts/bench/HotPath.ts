import type { OneConnection } from "./HttpClient.js"
import { type LoadResult, runLoad } from "./Load.js"
import { progress } from "./Progress.js"

export interface HotPathResult {
  readonly url: string
  readonly bytes: number
  readonly durationS: number
  readonly service: ReadonlyArray<LoadResult>
  readonly floor: ReadonlyArray<LoadResult>
}

/**
 * The cached hot path against the HTTP floor: one URL answered from the cache (`X-Cache: HIT`) vs the bare
 * `node:http` server's body of the same size, the same connections and duration, the runs alternated.
 */
export const measureHotPath = async (
  service: { readonly base: string; readonly client: OneConnection },
  floorBase: string,
  url: string,
  settings: { readonly connections: number; readonly durationS: number; readonly repeats: number }
): Promise<HotPathResult> => {
  await service.client.get(url)
  const primed = await service.client.get(url)
  if (primed.xCache !== "HIT") throw new Error(`hot path: ${url} answered X-Cache ${primed.xCache} after priming`)
  const bytes = primed.bytes
  const serviceSpec = { base: service.base, path: url, connections: settings.connections }
  const floorSpec = { base: floorBase, path: `/bytes/${bytes}`, connections: settings.connections }
  await runLoad({ ...serviceSpec, durationS: 1 })
  await runLoad({ ...floorSpec, durationS: 1 })
  const serviceRuns: Array<LoadResult> = []
  const floorRuns: Array<LoadResult> = []
  for (let i = 1; i <= settings.repeats; i++) {
    const order = i % 2 === 1 ? ([serviceSpec, floorSpec] as const) : ([floorSpec, serviceSpec] as const)
    for (const spec of order) {
      const result = await runLoad({ ...spec, durationS: settings.durationS })
      ;(spec === serviceSpec ? serviceRuns : floorRuns).push(result)
    }
    const s = serviceRuns.at(-1)!
    const f = floorRuns.at(-1)!
    progress(`hot path ${i}/${settings.repeats}: service ${Math.round(s.rps)} req/s, floor ${Math.round(f.rps)} req/s`)
  }
  return { url, bytes, durationS: settings.durationS, service: serviceRuns, floor: floorRuns }
}
