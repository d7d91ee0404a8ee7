/**
 * What every benchmark shares: the options from the environment, measuring a value and its baseline side by side
 * (interleaved, after a warm-up, median of the runs), and the result row.
 */

/** `BENCH_QUICK=1`: smaller workloads (the rate-limit benchmark then takes seconds, not minutes). */
export const quick = process.env["BENCH_QUICK"] === "1"

/** Runs per benchmark after the warm-up (`BENCH_RUNS`, at least 5). */
export const runs = Math.max(5, Math.floor(Number(process.env["BENCH_RUNS"] ?? "7")) || 7)

export interface Result {
  readonly name: string
  /** the measured value (median of the runs) */
  readonly value: number
  /** the baseline measured in the same run (median) */
  readonly baseline: number
  readonly unit: string
  readonly baselineLabel: string
  /** value / baseline */
  readonly ratio: number
  /** e.g. `<= 1.5x` */
  readonly target: string
  readonly pass: boolean
  readonly runs: number
  /** extra figures for the notes under the table */
  readonly details: ReadonlyArray<string>
}

const gcFunction = (globalThis as { gc?: () => void }).gc

/** Full garbage collection when Node runs with `--expose-gc`. */
export const gc = (): void => gcFunction?.()

export const hasGc = gcFunction !== undefined

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!
}

/**
 * Runs `baseline` and `measured` alternately (which goes first alternates too), `warmup` times each unrecorded,
 * then `count` recorded times each, with a full GC before each sample so neither pays for the other's garbage.
 */
export const sideBySide = async (options: {
  readonly warmup: number
  readonly count: number
  readonly baseline: () => number | Promise<number>
  readonly measured: () => number | Promise<number>
}): Promise<{ readonly baseline: Array<number>; readonly measured: Array<number> }> => {
  const baseline: Array<number> = []
  const measured: Array<number> = []
  for (let i = 0; i < options.warmup + options.count; i++) {
    const order = i % 2 === 0 ? (["baseline", "measured"] as const) : (["measured", "baseline"] as const)
    for (const which of order) {
      gc()
      const value = await (which === "baseline" ? options.baseline() : options.measured())
      if (i >= options.warmup) (which === "baseline" ? baseline : measured).push(value)
    }
  }
  return { baseline, measured }
}

/** Milliseconds per call of `f`, averaged over `times` calls. */
export const timeMillis = async (times: number, f: () => unknown): Promise<number> => {
  const start = performance.now()
  for (let i = 0; i < times; i++) await f()
  return (performance.now() - start) / times
}

export const fixed = (n: number, digits = 2): string => n.toFixed(digits)

const readable = (
  n: number
): string => (Math.abs(n) >= 1000 ? n.toFixed(0) : Math.abs(n) < 1 ? n.toFixed(3) : n.toFixed(2))

/** Formats the results as a Markdown table. */
export const table = (results: ReadonlyArray<Result>): string => {
  const rows = results.map((r) => [
    r.name,
    `${readable(r.value)} ${r.unit}`,
    `${readable(r.baseline)} ${r.unit} (${r.baselineLabel})`,
    `${fixed(r.ratio)}x`,
    r.target,
    r.pass ? "pass" : "FAIL",
    String(r.runs)
  ])
  const header = ["benchmark", "measured", "baseline", "ratio", "target", "result", "runs"]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}
