import type { DbFile } from "../../../domain/DbFile.js"

const SLOT: Record<DbFile, number> = { live: 0, archive: 1 }

/** What a holder of connections does when the service reconnects a file: close its connections to it. */
export interface ReconnectListener {
  readonly file: DbFile
  closeIfReconnected(): void
}

/**
 * A reconnect counter per file, shared by every thread of the process (a `SharedArrayBuffer` the read workers get
 * with their settings). SQLite keeps one WAL index per file and process while any connection to the file is open,
 * so a connection reopened while another stays open joins the same index: when the index went stale (its `-shm`
 * deleted under the process), only closing every connection of the process to the file gets a fresh one. Bumping
 * the counter makes each thread close its connections to the file at once (idle) or after its running statement.
 */
export class Reconnects {
  readonly #counters: Int32Array
  /** This thread's holders, per file, woken when the file's counter moves. */
  readonly #listeners: Record<DbFile, Set<ReconnectListener>> = { live: new Set(), archive: new Set() }
  readonly #armed = new Set<DbFile>()

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.#counters = new Int32Array(buffer)
  }

  /** How many times `file` was reconnected: a connection opened at another count is to be closed. */
  count(file: DbFile): number {
    return Atomics.load(this.#counters, SLOT[file])
  }

  /** Makes every connection of the process to `file` close (in every thread); they reopen on their next use. */
  reconnect(file: DbFile): void {
    Atomics.add(this.#counters, SLOT[file], 1)
    Atomics.notify(this.#counters, SLOT[file])
  }

  listen(listener: ReconnectListener): void {
    this.#listeners[listener.file].add(listener)
    this.#arm(listener.file)
    // A reconnect between the holder's open and the arming above would not wake it.
    listener.closeIfReconnected()
  }

  unlisten(listener: ReconnectListener): void {
    this.#listeners[listener.file].delete(listener)
  }

  /** Waits (without keeping the thread alive) for the file's counter to move, then closes this thread's holders. */
  #arm(file: DbFile): void {
    if (this.#armed.has(file)) return
    this.#armed.add(file)
    const wait = Atomics.waitAsync(this.#counters, SLOT[file], this.count(file))
    const woken = () => {
      this.#armed.delete(file)
      for (const listener of [...this.#listeners[file]]) listener.closeIfReconnected()
      if (this.#listeners[file].size > 0) this.#arm(file)
    }
    if (wait.async) void wait.value.then(woken)
    else queueMicrotask(woken)
  }
}
