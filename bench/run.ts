/**
 * The benchmarks of issue 6, each measured next to its baseline in the same run:
 *
 *   node --no-warnings --expose-gc bench/run.ts            (npm run bench)
 *   BENCH_QUICK=1 node --no-warnings --expose-gc bench/run.ts
 *   BENCH_ONLY=catalogue,stream BENCH_RUNS=9 node --no-warnings --expose-gc bench/run.ts
 *
 * Every loop is bounded in count and time, and every socket is on 127.0.0.1.
 */
import * as os from "node:os"
import { hasGc, quick, type Result, runs, table } from "./support.ts"

const benchmarks: ReadonlyArray<
  readonly [string, () => Promise<{ readonly run: () => Promise<Result | ReadonlyArray<Result>> }>]
> = [
  ["catalogue", () => import("./catalogue.ts")],
  ["overhead", () => import("./overhead.ts")],
  ["ratelimit", () => import("./rateLimit.ts")],
  ["stream", () => import("./stream.ts")],
  ["webhook", () => import("./webhook.ts")]
]

const only = (process.env["BENCH_ONLY"] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")
const selected = benchmarks.filter(([name]) => only.length === 0 || only.includes(name))

const cpus = os.cpus()
console.log(
  `node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "?"}), ${
    quick ? "BENCH_QUICK=1 (reduced workloads)" : "full workloads"
  }, ${runs} runs after warm-up, ${hasGc ? "--expose-gc" : "no --expose-gc (heap figures are less exact)"}`
)

/** Every benchmark ends within 15 minutes (the rate-limit one takes about 5), or the run fails. */
const deadlineMillis = 15 * 60_000
const withDeadline = <A>(name: string, promise: Promise<A>): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} did not finish within ${deadlineMillis / 60_000} minutes`)),
      deadlineMillis
    )
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

const results: Array<Result> = []
let failed = false
for (const [name, load] of selected) {
  process.stdout.write(`running ${name} ... `)
  const started = performance.now()
  try {
    const result = await withDeadline(name, (await load()).run())
    results.push(...(Array.isArray(result) ? result : [result as Result]))
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`)
  } catch (error) {
    failed = true
    console.log("error")
    console.error(error)
  }
}

console.log()
console.log(table(results))
console.log()
for (const r of results) {
  for (const line of r.details) console.log(`- ${r.name}: ${line}`)
}
console.log()
console.log(`${results.filter((r) => r.pass).length} of ${results.length} targets met`)
if (failed) process.exitCode = 1
// the servers and runtimes are closed; anything left (keep-alive sockets) must not hold the process
process.exit()
