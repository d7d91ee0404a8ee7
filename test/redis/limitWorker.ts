/**
 * One replica of the multi-process rate-limit test (spawned by test/redis.rateLimit.test.ts).
 *
 * Env: MODE (`redis`: the limiter shared through Redis; `local`: the default per-process limiter), REDIS_URL,
 * BASE_URL, ACCESS_CODE, CALLS, FIBERS. Retries are off, so every HTTP 429 is visible.
 *
 * Protocol: prints `ready` once its layers are built, waits for `go` on stdin, makes CALLS balance queries with
 * FIBERS concurrent fibers, prints `result {json}` and exits.
 */
import { Effect, Layer } from "effect"
import { Balance, EsimAccessConfig } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import { FetchHttpClient, HttpClient } from "effect/http"
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

const program = Effect.gen(function*() {
  yield* warmUp
  process.stdout.write("ready\n")
  yield* go
  recording = true
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
  process.stdout.write(`result ${JSON.stringify({ ok: count("ok"), tooMany: count("429"), other, starts })}\n`)
}).pipe(Effect.provide(Layer.merge(Config, Client)))

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
