/** Prometheus text exposition format 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/ */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export type Labels = Readonly<Record<string, string>>

export interface Sample {
  readonly labels?: Labels
  readonly value: number
}

export interface HistogramSeries {
  readonly labels?: Labels
  /** Cumulative counts by upper bound, ascending; the last bound is `Infinity`. */
  readonly buckets: ReadonlyArray<readonly [le: number, cumulative: number]>
  readonly sum: number
  readonly count: number
}

export type Family =
  | {
      readonly type: "counter" | "gauge"
      readonly name: string
      readonly help: string
      readonly samples: ReadonlyArray<Sample>
    }
  | {
      readonly type: "histogram"
      readonly name: string
      readonly help: string
      readonly series: ReadonlyArray<HistogramSeries>
    }

export const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value)

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

const labelText = (labels: Labels | undefined, extra?: readonly [string, string]): string => {
  const pairs: Array<readonly [string, string]> = Object.entries(labels ?? {})
  if (extra !== undefined) pairs.push(extra)
  return pairs.length === 0 ? "" : `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`
}

const histogramLines = (name: string, series: HistogramSeries): Array<string> => {
  const lines = series.buckets.map(
    ([le, cumulative]) => `${name}_bucket${labelText(series.labels, ["le", formatValue(le)])} ${cumulative}`
  )
  // Exporters must end with +Inf; it equals _count by definition, whatever the bounds were.
  if (series.buckets.at(-1)?.[0] !== Infinity) {
    lines.push(`${name}_bucket${labelText(series.labels, ["le", "+Inf"])} ${series.count}`)
  }
  lines.push(`${name}_sum${labelText(series.labels)} ${formatValue(series.sum)}`)
  lines.push(`${name}_count${labelText(series.labels)} ${series.count}`)
  return lines
}

/** One `# HELP` and `# TYPE` per family, then its samples; a family with no samples keeps its header. */
export const renderFamilies = (families: ReadonlyArray<Family>): string => {
  const lines: Array<string> = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    if (family.type === "histogram") {
      for (const series of family.series) lines.push(...histogramLines(family.name, series))
    } else {
      for (const sample of family.samples) {
        lines.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`)
      }
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`
}
