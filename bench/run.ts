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

const benchmarks: ReadonlyArray<readonly [string, () => Promise<{ readonly run: () => Promise<Result> }>]> = [
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

const results: Array<Result> = []
let failed = false
for (const [name, load] of selected) {
  process.stdout.write(`running ${name} ... `)
  const started = performance.now()
  try {
    const result = await (await load()).run()
    results.push(result)
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
if (failed) process.exitCode = 1
// the servers and runtimes are closed; anything left (keep-alive sockets) must not hold the process
process.exit()
