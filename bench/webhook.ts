/**
 * 5. Webhook receiver: events per second through the mounted receiver (`WebhookReceiver.layer` on
 * `NodeHttpServer`, default options) versus a bare `node:http` handler that only reads the body and parses it as
 * JSON, both on 127.0.0.1, under the same load: a worker thread posting the webhook fixtures over a fixed number of
 * keep-alive connections, a bounded number of requests and time. Target: at least 0.5x the bare rate.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Worker } from "node:worker_threads"
import { WebhookReceiver } from "../src/index.ts"
import { fixed, median, quick, type Result, runs, sideBySide } from "./support.ts"

const connections = 8
const count = quick ? 2_000 : 6_000
const maxMillis = 20_000

const fixtureDir = new URL("../test/fixtures/", import.meta.url)
const bodies = readdirSync(fixtureDir)
  .filter((name) => name.startsWith("webhook.") && name.endsWith(".json"))
  .sort()
  .map((name) => readFileSync(new URL(name, fixtureDir), "utf8"))

interface Load {
  readonly answered: number
  readonly ok: number
  readonly millis: number
}

const load = (url: string, requests: number) =>
  new Promise<Load>((resolve, reject) => {
    const worker = new Worker(new URL("./loadgen.ts", import.meta.url), {
      workerData: { url, bodies, connections, count: requests, maxMillis },
      execArgv: ["--no-warnings"]
    })
    worker.once("message", (message: Load) => resolve(message))
    worker.once("error", reject)
    worker.once("exit", (code) => code === 0 ? undefined : reject(new Error(`the load generator exited (${code})`)))
  })

export const run = async (): Promise<Result> => {
  // the receiver, mounted as an app would: a route layer served by NodeHttpServer
  let handled = 0
  const receiver = ManagedRuntime.make(
    HttpRouter.serve(
      WebhookReceiver.layer(() =>
        Effect.sync(() => {
          handled++
        })
      ),
      { disableListenLog: true, disableLogger: true }
    ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
  )
  const server = await receiver.runPromise(Effect.service(HttpServer.HttpServer))
  const receiverUrl = `${HttpServer.formatAddress(server.address)}${WebhookReceiver.defaultPath}`

  // the bare handler: read the body, JSON.parse it, answer 200
  let parsed = 0
  const bare = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString("utf8"))
        parsed++
        response.writeHead(200, { "content-type": "text/plain" })
        response.end("ok")
      } catch {
        response.writeHead(400)
        response.end()
      }
    })
  })
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve))
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${WebhookReceiver.defaultPath}`

  const failures: Array<string> = []
  const rate = (url: string, label: string) => async () => {
    const result = await load(url, count)
    if (result.ok !== result.answered) failures.push(`${label}: ${result.answered - result.ok} not 200`)
    return result.answered / (result.millis / 1000)
  }
  const { baseline, measured } = await sideBySide({
    warmup: 1,
    count: runs,
    baseline: rate(bareUrl, "bare"),
    measured: rate(receiverUrl, "receiver")
  })

  await receiver.dispose()
  await new Promise<void>((resolve) => bare.close(() => resolve()))
  bare.closeAllConnections()

  const value = median(measured)
  const base = median(baseline)
  if (failures.length > 0) throw new Error(`non-200 answers: ${failures.join("; ")}`)
  return {
    name: "5. webhook receiver",
    value,
    baseline: base,
    unit: "events/s",
    baselineLabel: "node:http + JSON.parse",
    ratio: value / base,
    target: ">= 0.5x",
    pass: value / base >= 0.5,
    runs,
    details: [
      `${count} POSTs per run over ${connections} keep-alive connections from a worker thread (at most ` +
      `${maxMillis / 1000} s), the ${bodies.length} webhook fixtures round-robin; receiver with default options`,
      `per run: receiver ${measured.map((r) => fixed(r, 0)).join(", ")}/s; bare ${
        baseline.map((r) => fixed(r, 0)).join(", ")
      }/s; events handled ${handled}, parsed ${parsed} (CHECK_HEALTH is answered without the handler)`
    ]
  }
}
