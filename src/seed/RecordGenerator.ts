import { volumeFactor } from "./Calendar.js"
import { ITEM_CATALOG } from "./ItemCatalog.js"
import { PRODUCTION_LINES, newLotCounters, nextLotNumber } from "./Lines.js"
import { HOME_LINE_SHARE, makePlantModel } from "./PlantModel.js"
import { makeRng } from "./Prng.js"
import { makeRenameSchedule, type RenameSchedule } from "./RenameSchedule.js"

/** Receives one generated record (the date is the day being generated). Called in the hot loop: keep it cheap. */
export type RecordSink = (
  itemCode: string,
  itemName: string,
  lotNumber: string,
  lineCode: string,
  goodQuantity: number,
  defectQuantity: number
) => void

export interface RecordGenerator {
  readonly seed: number
  readonly rowsPerDay: number
  readonly renames: RenameSchedule
  /** Generates the records of `date` (`YYYY-MM-DD`) into `sink`; returns how many. Depends only on (seed, date). */
  readonly generateDay: (date: string, sink: RecordSink) => number
}

/** Day-to-day noise of the volume: ±10 %. */
const VOLUME_NOISE = 0.2
/** Chance that a record has any defects, and the mean defect rate of those that do (before the line factor). */
const DEFECT_CHANCE = 0.4
const MEAN_DEFECT_RATE = 0.025
const MAX_DEFECT_RATE = 0.3

const codes = ITEM_CATALOG.map((item) => item.code)
const lineCodes = PRODUCTION_LINES.map((line) => line.code)
const defectFactors = PRODUCTION_LINES.map((line) => line.defectFactor)

export const makeRecordGenerator = (seed: number, rowsPerDay: number): RecordGenerator => {
  const model = makePlantModel(seed)
  const renames = makeRenameSchedule(seed, model)
  const { popularity, homeLine, altLine } = model

  const generateDay = (date: string, sink: RecordSink): number => {
    const rng = makeRng("day", seed, date)
    const next = rng.next
    const count = Math.round(rowsPerDay * volumeFactor(date) * (1 - VOLUME_NOISE / 2 + VOLUME_NOISE * next()))
    const names = renames.namesOn(date)
    const counters = newLotCounters()
    for (let r = 0; r < count; r++) {
      const i = popularity.sample(rng)
      const item = ITEM_CATALOG[i]!
      const line = next() < HOME_LINE_SHARE ? homeLine[i]! : altLine[i]!
      const lot = nextLotNumber(line, date, rng, counters)
      let good = item.minQty + Math.floor(next() * (item.maxQty - item.minQty + 1))
      if (item.maxQty >= 1000) good -= good % 10 // bulk parts are counted by weight, in tens
      let defect = 0
      if (next() < DEFECT_CHANCE) {
        const rate = Math.min(MAX_DEFECT_RATE, -Math.log(1 - next()) * MEAN_DEFECT_RATE * defectFactors[line]!)
        defect = Math.max(1, Math.round(good * rate))
      }
      sink(codes[i]!, names[i]!, lot, lineCodes[line]!, good, defect)
    }
    return count
  }

  return { seed, rowsPerDay, renames, generateDay }
}
