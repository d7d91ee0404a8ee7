/**
 * 3. Using the whole rate limit: `Usage.check` calls from 64 concurrent fibers through our client (limiter on:
 * 8 per sliding second, retries on) against the simulator server (its own process, `simulatorProcess.ts`)
 * enforcing 8 requests per second, every request delayed 50 ms by the simulator. Target: at least 95 % of
 * 8 requests per second sustained, no HTTP 429.
 *
 * 400 calls take about 50 seconds per run; `BENCH_QUICK=1` runs 80.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { fork } from "node:child_process"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { EsimAccessConfig, Usage } from "../src/index.ts"
import { fixed, median, quick, type Result } from "./support.ts"

const limit = 8
const concurrency = 64
const calls = quick ? 80 : 400
const runCount = 5
/** the client's limiter window; `BENCH_RATE_WINDOW_MS` tries another (e.g. 1030 for a 30 ms guard) */
const clientWindowMillis = Number(process.env["BENCH_RATE_WINDOW_MS"] ?? "1000") || 1000

interface Run {
  /** starts per second after the first window: (calls - limit) / (last start - first start) */
  readonly rate: number
  readonly tooMany: number
  readonly failed: number
  readonly seconds: number
  /** the client's event-loop delay, p99 and max, in ms: how late a start can be after its slot */
  readonly loopDelay: readonly [number, number]
}

/** A fresh simulator server in a child process (its limiter window starts empty). */
const startServer = async () => {
  const child = fork(new URL("./simulatorProcess.ts", import.meta.url), [], {
    execArgv: ["--no-warnings"],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  const address = await new Promise<{ readonly url: string; readonly accessCode: string }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { url: string; accessCode: string }))
    child.once("exit", (code) => reject(new Error(`the simulator process exited (${code})`)))
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once("exit", () => resolve())
      child.disconnect()
    })
  return { ...address, stop }
}

const once = async (count: number): Promise<Run> => {
  const { accessCode, stop, url } = await startServer()

  // the client's own requests, seen below the pipeline: when each one starts, and the statuses answered
  const starts: Array<number> = []
  let tooMany = 0
  const counting = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(Effect.service(HttpClient.HttpClient), (client) =>
      client.pipe(
        HttpClient.tapRequest(() => Effect.sync(() => starts.push(performance.now()))),
        HttpClient.tap((response) =>
          Effect.sync(() => {
            if (response.status === 429) tooMany++
          })
        )
      ))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  const client = ManagedRuntime.make(Layer.mergeAll(
    counting,
    EsimAccessConfig.layer({ accessCode, baseUrl: url, rateLimit: { limit, window: clientWindowMillis } })
  ))

  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const started = performance.now()
  const exits = await client.runPromise(
    Effect.forEach(
      Array.from({ length: count }, (_, i) => `bench${String(i).padStart(6, "0")}`),
      (id) => Effect.exit(Usage.check([id])),
      { concurrency }
    )
  )
  const seconds = (performance.now() - started) / 1000
  delay.disable()
  await client.dispose()
  await stop()
  const span = (starts[starts.length - 1]! - starts[0]!) / 1000
  return {
    rate: (starts.length - limit) / span,
    tooMany,
    failed: exits.filter((exit) => exit._tag === "Failure").length,
    seconds,
    loopDelay: [delay.percentile(99) / 1e6, delay.max / 1e6]
  }
}

export const run = async (): Promise<Result> => {
  await once(2 * limit) // warm-up
  const runs: Array<Run> = []
  for (let i = 0; i < runCount; i++) runs.push(await once(calls))
  const rate = median(runs.map((r) => r.rate))
  const tooMany = runs.reduce((n, r) => n + r.tooMany, 0)
  const failed = runs.reduce((n, r) => n + r.failed, 0)
  return {
    name: "3. whole rate limit (Usage.check)",
    value: rate,
    baseline: limit,
    unit: "req/s",
    baselineLabel: "the limit",
    ratio: rate / limit,
    target: ">= 0.95x, 0 x 429",
    pass: rate / limit >= 0.95 && tooMany === 0 && failed === 0,
    runs: runCount,
    details: [
      `${calls} calls per run${quick ? " (BENCH_QUICK=1; the full run is 400)" : ""}, ${concurrency} fibers, ` +
      `client limiter ${limit} per ${clientWindowMillis} ms, ` +
      `simulator latency 50 ms; per run ${
        runs.map((r) => `${fixed(r.rate, 3)}/s in ${fixed(r.seconds, 1)} s`).join(", ")
      }`,
      `HTTP 429 answers: ${tooMany}; failed calls: ${failed} (over all runs); the rate counts request starts after ` +
      `the first window: (requests - 8) / (last start - first start)`,
      `client event-loop delay p99/max per run (ms): ${
        runs.map((r) => `${fixed(r.loopDelay[0], 0)}/${fixed(r.loopDelay[1], 0)}`).join(", ")
      }`
    ]
  }
}
