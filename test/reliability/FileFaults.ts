/**
 * What happens to database files in the field, done to the test's files while the service has them open: deleted,
 * truncated in place, pages overwritten with garbage, and a good copy put back (renamed over, or written in place).
 */
import * as fs from "node:fs"
import { withDb } from "../support/fixtures.js"

const PAGE = 4096

/**
 * Moves every committed page into the main file and empties the WAL, so that the main file alone is the data (a
 * copy of it is a good file, a fault of it is not masked by WAL frames). Retried while a reader is in the way.
 */
export const checkpoint = (file: string): void => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [row] = withDb(file, (db) => db.pragma("wal_checkpoint(TRUNCATE)")) as Array<{ busy: number }>
    if (row?.busy === 0) return
  }
  throw new Error(`checkpoint of ${file} kept being blocked`)
}

/** A good copy of `file` (checkpointed first), beside it. */
export const backup = (file: string): string => {
  checkpoint(file)
  const copy = `${file}.good`
  fs.copyFileSync(file, copy)
  return copy
}

/** Puts a copy of `good` at `file` by rename, as an operator restoring a backup would: a new inode. */
export const restoreByRename = (good: string, file: string): void => {
  const staged = `${file}.restoring`
  fs.copyFileSync(good, staged)
  fs.renameSync(staged, file)
}

/** Writes `good`'s bytes over `file` in place (same inode). */
export const restoreInPlace = (good: string, file: string): void => fs.writeFileSync(file, fs.readFileSync(good))

/** Overwrites the middle half of the file's pages with a fixed garbage pattern (no valid b-tree page type). */
export const corruptMiddle = (file: string): { readonly pages: number; readonly overwritten: number } => {
  const pages = Math.floor(fs.statSync(file).size / PAGE)
  const garbage = Buffer.alloc(PAGE, "garbage!")
  const first = Math.floor(pages / 4)
  const last = Math.ceil((3 * pages) / 4)
  const fd = fs.openSync(file, "r+")
  try {
    for (let page = first; page < last; page++) fs.writeSync(fd, garbage, 0, PAGE, page * PAGE)
  } finally {
    fs.closeSync(fd)
  }
  return { pages, overwritten: last - first }
}
