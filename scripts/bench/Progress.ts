const started = performance.now()

/** One progress line on stdout, with the seconds since the run began. */
export const progress = (message: string): void => {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
  console.log(`[bench ${s}s] ${message}`)
}

/** Lets timers and signals in between in-process measurements (whose promises settle without a macrotask). */
export const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
