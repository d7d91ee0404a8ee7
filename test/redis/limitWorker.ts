/**
 * One replica of the multi-process rate-limit test (spawned by test/redis.rateLimit.test.ts).
 *
 * Env: MODE (`redis`: the limiter shared through Redis; `local`: the default per-process limiter), REDIS_URL,
 * BASE_URL, ACCESS_CODE, CALLS, FIBERS, and LAG_MS (optional: a busy event loop, blocked LAG_MS of every
 * 2 × LAG_MS). Retries are off, so every HTTP 429 is visible.
 *
 * Protocol: prints `ready` once its layers are built, waits for `go` on stdin, makes CALLS balance queries with
 * FIBERS concurrent fibers, prints `result {json}` and exits. The result says how the process fared too: its
 * event-loop delay (p99 and maximum, ms) and the slots its limiter gave up because a start would have come late.
 */
import { Effect, Layer, Logger, References } from "effect"
import { Balance, EsimAccessConfig } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import { FetchHttpClient, HttpClient } from "effect/http"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as readline from "node:readline"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const mode = env("MODE")
const calls = Number(env("CALLS"))
const fibers = Number(env("FIBERS"))

/** when each request after `go` left, in epoch milliseconds (one clock for every process of the machine) */
const starts: Array<number> = []
let recording = false

const Client = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(
    HttpClient.HttpClient,
    HttpClient.tapRequest(() => Effect.sync(() => void (recording && starts.push(Date.now()))))
  )
).pipe(Layer.provide(FetchHttpClient.layer))

const PerProcess = EsimAccessConfig.layer({ accessCode: env("ACCESS_CODE"), baseUrl: env("BASE_URL"), retry: false })

const Config = mode === "redis" ?
  PerProcess.pipe(EsimAccessRedis.withRateLimit(), Layer.provide(NodeRedis.layer({ url: env("REDIS_URL") }))) :
  PerProcess

const go = Effect.callback<void>((resume) => {
  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => {
    if (line.trim() === "go") {
      lines.close()
      resume(Effect.void)
    }
  })
})

/**
 * A replica that has been running for a while: one call through the whole pipeline (the limiter's Redis script
 * loaded, the HTTP client connected, the code paths compiled) to a path the simulator answers 404 before counting
 * requests. A cold process spends its first milliseconds loading code, and a start that comes late gives up its
 * slot (so it never crowds the next one), which would lower the rate of this short run.
 */
const warmUp = Effect.gen(function*() {
  const config = yield* EsimAccessConfig.EsimAccessConfig
  yield* Balance.query().pipe(
    Effect.provideService(EsimAccessConfig.EsimAccessConfig, { ...config, baseUrl: `${config.baseUrl}/warm-up` }),
    Effect.ignore
  )
})

const lag = Number(process.env["LAG_MS"] ?? 0)
if (lag > 0) {
  setInterval(() => {
    const until = Date.now() + lag
    while (Date.now() < until) {
      // busy
    }
  }, 2 * lag).unref()
}

/**
 * Counts the limiter's debug line for a slot given up (src/internal/rateLimit.ts); every other line goes to stderr,
 * which the test prints when a run falls short.
 */
let givenUp = 0
const CountGiveUps = Logger.layer([
  Logger.make((options) => {
    const message = Array.isArray(options.message) ? String(options.message[0]) : String(options.message)
    if (message.includes("booking another")) {
      if (recording) givenUp++
    } else if (options.logLevel !== "Debug") {
      process.stderr.write(`${options.logLevel} ${message}\n`)
    }
  })
])

const delay = monitorEventLoopDelay({ resolution: 5 })

const program = Effect.gen(function*() {
  yield* warmUp
  process.stdout.write("ready\n")
  yield* go
  recording = true
  delay.enable()
  const outcomes = yield* Effect.forEach(
    Array.from({ length: calls }, (_, i) => i),
    () =>
      Balance.query().pipe(
        Effect.as("ok"),
        Effect.catch((error) =>
          Effect.succeed(error._tag === "TransportError" && error.status === 429 ? "429" : error._tag)
        )
      ),
    { concurrency: fibers }
  )
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length
  const other = outcomes.filter((o) => o !== "ok" && o !== "429")
  delay.disable()
  const eventLoopDelay = { p99: Math.round(delay.percentile(99) / 1e6), max: Math.round(delay.max / 1e6) }
  const result = { ok: count("ok"), tooMany: count("429"), other, starts, givenUp, eventLoopDelay }
  process.stdout.write(`result ${JSON.stringify(result)}\n`)
}).pipe(
  Effect.provide(Layer.mergeAll(Config, Client, CountGiveUps)),
  Effect.provideService(References.MinimumLogLevel, "Debug")
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
