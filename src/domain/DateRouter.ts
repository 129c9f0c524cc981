import { type DateWindow, clip, dayBefore } from "./DateWindow.js"
import type { DbFile } from "./DbFile.js"
import { type IsoDate, MAX_API_DATE, MIN_API_DATE } from "./IsoDate.js"

/** One file's share of a window: the file and the part of the window it answers for. */
export interface RoutedPart {
  readonly file: DbFile
  readonly window: DateWindow
}

/**
 * Which file(s) a window touches: the archive answers for the dates before `cutover`, the live file for the
 * dates on or after it. Live first, matching the `/records` order (newest first). A record filed in the wrong
 * file lies outside that file's part and is never read.
 */
export const routeWindow = (window: DateWindow, cutover: IsoDate): ReadonlyArray<RoutedPart> => {
  const live = clip(window, cutover, MAX_API_DATE)
  const archive = cutover > MIN_API_DATE ? clip(window, MIN_API_DATE, dayBefore(cutover)) : undefined
  const parts: Array<RoutedPart> = []
  if (live !== undefined) parts.push({ file: "live", window: live })
  if (archive !== undefined) parts.push({ file: "archive", window: archive })
  return parts
}
