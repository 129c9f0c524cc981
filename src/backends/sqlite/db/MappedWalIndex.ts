// eslint-disable-next-line no-restricted-imports -- reads /proc/self/maps only, never a database file
import { readFileSync, realpathSync, statSync } from "node:fs"

const MAPS = "/proc/self/maps"
const DELETED = " (deleted)"

/** Lines of `/proc/self/maps`: `address perms offset dev inode path`; undefined where the system has no procfs. */
const mappedFiles = (): ReadonlyArray<{ readonly inode: string; readonly path: string }> | undefined => {
  let text: string
  try {
    // Reads the kernel's list of this process's mappings: no database file is opened.
    text = readFileSync(MAPS, "utf8")
  } catch {
    return undefined
  }
  const files: Array<{ inode: string; path: string }> = []
  for (const line of text.split("\n")) {
    const match = /^\S+\s+\S+\s+\S+\s+\S+\s+(\d+)\s+(.+)$/.exec(line)
    if (match !== null) files.push({ inode: match[1]!, path: match[2]! })
  }
  return files
}

/**
 * Whether this process maps a WAL index (`-shm`) of the database at `path` that is no longer the file at that path
 * (deleted, or replaced by a new one): SQLite keeps such an index while any connection of the process to the file
 * is open, and a connection opened meanwhile would read it too, seeing no commit made since. False where the
 * system cannot tell (no procfs).
 */
export const mapsStaleWalIndex = (path: string): boolean => {
  let shm: string
  try {
    shm = `${realpathSync(path)}-shm`
  } catch {
    return false
  }
  const mapped = mappedFiles()?.filter((m) => m.path === shm || m.path === shm + DELETED)
  if (mapped === undefined || mapped.length === 0) return false
  const current = statSync(shm, { throwIfNoEntry: false })?.ino
  return mapped.some((m) => current === undefined || m.path.endsWith(DELETED) || m.inode !== String(current))
}
