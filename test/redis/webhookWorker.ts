/**
 * One replica of the multi-process webhook test (spawned by test/redis.webhook.test.ts): a webhook receiver with
 * de-duplication on the Redis store, served on 127.0.0.1 at a free port.
 *
 * Env: REDIS_URL, PREFIX. The handler takes 0–20 ms (so deliveries overlap) and fails the first time this process
 * sees a notifyId starting with `flaky-` (so claims are released and redelivered).
 *
 * Protocol: prints `listening <url>`; on `report` (stdin) prints `handled <json array of notifyIds>`.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"
import * as readline from "node:readline"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

/** the notifyIds this process handled successfully */
const handled: Array<string> = []
const failedOnce = new Set<string>()

const handler: WebhookReceiver.Handler<Error> = (event) =>
  Effect.gen(function*() {
    const id = event.notifyId ?? ""
    yield* Effect.sleep(`${Math.floor(Math.random() * 20)} millis`)
    if (id.startsWith("flaky-") && !failedOnce.has(id)) {
      failedOnce.add(id)
      return yield* Effect.fail(new Error(`flaky handler: ${id}`))
    }
    handled.push(id)
  })

const Receiver = WebhookReceiver.layer(handler, { path: "/hook", dedupe: true }).pipe(
  Layer.provide(EsimAccessRedis.layerWebhookDedupeStore({ prefix: env("PREFIX") }))
)

const Announce = Layer.effectDiscard(
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    process.stdout.write(`listening ${HttpServer.formatAddress(server.address)}\n`)
  })
)

const App = Layer.mergeAll(HttpRouter.serve(Receiver, { disableLogger: true, disableListenLog: true }), Announce).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide(NodeRedis.layer({ url: env("REDIS_URL") }))
)

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "report") process.stdout.write(`handled ${JSON.stringify(handled)}\n`)
})

Effect.runPromise(Layer.launch(App)).catch((error) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
