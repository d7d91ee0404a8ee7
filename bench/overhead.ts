/**
 * 2. Per-call overhead: `Balance.query` through our client (limiter off, retries on) versus a bare `fetch` +
 * `JSON.parse` of the same request, against the same loopback server (a minimal `node:http` server answering the
 * balance fixture). Median latency of single sequential calls; target: at most 1.25x.
 *
 * The `HttpClient` is the user's choice, so the client is measured on two: `NodeHttpClient.layerUndici` (row 2,
 * the one to use on Node) and `FetchHttpClient` (row 2b). A fourth side, Effect's own `FetchHttpClient` sending the
 * same request without our client, splits row 2b into what `FetchHttpClient` costs and what our pipeline adds.
 * A fifth side, a bare `undici.request` (what `NodeHttpClient.layerUndici` sends with), splits row 2 the same way.
 * The details repeat the comparison against the simulator server.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { request as undiciRequest } from "undici"
import { Balance, EsimAccessConfig } from "../src/index.ts"
import * as SimulatorServer from "../src/node/SimulatorServer.ts"
import { fixed, median, quantile, quick, type Result, runs } from "./support.ts"

const accessCode = "bench-access-code"

const sides = ["bare", "undici", "fetch", "effectFetch", "bareUndici"] as const
type Side = typeof sides[number]

/** Median latencies of single sequential calls of every side, interleaved in blocks (the order rotates). */
const measure = async (baseUrl: string, code: string, expected: number) => {
  const url = `${baseUrl}/api/v1/open/balance/query`
  const config = EsimAccessConfig.layer({ accessCode: code, baseUrl, rateLimit: false })
  const onFetch = ManagedRuntime.make(Layer.mergeAll(FetchHttpClient.layer, config))
  const onUndici = ManagedRuntime.make(Layer.mergeAll(NodeHttpClient.layerUndici, config))
  // the same request as the client's: POST, the access code, a JSON body of `{}`
  const bare = async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "RT-AccessCode": code, "content-type": "application/json", accept: "application/json" },
      body: "{}"
    })
    const json = JSON.parse(await response.text()) as { obj: { balance: number } }
    if (json.obj.balance !== expected) throw new Error("unexpected answer")
  }
  const bareUndici = async () => {
    const response = await undiciRequest(url, {
      method: "POST",
      headers: { "RT-AccessCode": code, "content-type": "application/json", accept: "application/json" },
      body: "{}"
    })
    const json = JSON.parse(await response.body.text()) as { obj: { balance: number } }
    if (json.obj.balance !== expected) throw new Error("unexpected answer")
  }
  const check = ({ balance }: { readonly balance: number }) => {
    if (balance !== expected) throw new Error("unexpected answer")
  }
  const effectFetch = Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeader("RT-AccessCode", code),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyText("{}", "application/json")
      )
    )
    return (JSON.parse(yield* response.text) as { obj: { balance: number } }).obj
  })
  const call: Record<Side, () => Promise<void>> = {
    bare,
    undici: () => onUndici.runPromise(Balance.query()).then(check),
    fetch: () => onFetch.runPromise(Balance.query()).then(check),
    effectFetch: () => onFetch.runPromise(effectFetch).then(check),
    bareUndici
  }

  const latencies: Record<Side, Array<number>> = { bare: [], undici: [], fetch: [], effectFetch: [], bareUndici: [] }
  const block = async (side: Side, record: boolean) => {
    const f = call[side]
    for (let i = 0; i < calls; i++) {
      const t = performance.now()
      await f()
      if (record) latencies[side].push(performance.now() - t)
    }
  }
  for (let i = 0; i < 2; i++) for (const side of sides) await block(side, false)
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < sides.length; j++) await block(sides[(i + j) % sides.length]!, true)
  }
  await onFetch.dispose()
  await onUndici.dispose()
  return latencies
}

const calls = quick ? 100 : 300

export const run = async (): Promise<ReadonlyArray<Result>> => {
  const answer = readFileSync(new URL("../test/fixtures/balance_query.response.json", import.meta.url))
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json", "content-length": answer.length })
      response.end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const latencies = await measure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, accessCode, 940000)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()

  // the same against the simulator server (more work per request on the server side), for the details
  const simulator = ManagedRuntime.make(SimulatorServer.layer({ rateLimit: false, catalogue: "fixtures" }))
  const address = await simulator.runPromise(Effect.service(SimulatorServer.SimulatorServer))
  const onSimulator = await measure(address.url, address.accessCode, 10_000_000)
  await simulator.dispose()

  const m = (side: Side) => median(latencies[side])
  const bare = m("bare")
  const row = (name: string, side: "undici" | "fetch", details: ReadonlyArray<string>): Result => ({
    name,
    value: m(side),
    baseline: bare,
    unit: "ms",
    baselineLabel: "fetch + JSON.parse",
    ratio: m(side) / bare,
    target: "<= 1.25x",
    pass: m(side) / bare <= 1.25,
    runs,
    details
  })
  const simulatorRatio = (side: Side) => fixed(median(onSimulator[side]) / median(onSimulator.bare))
  return [
    row("2. per-call overhead (Balance.query, NodeHttpClient undici)", "undici", [
      `median latency of ${calls * runs} sequential calls per side against a minimal node:http server on loopback ` +
      `(${runs} blocks of ${calls} per side, interleaved); p90: client ${
        fixed(quantile(latencies.undici, 0.9), 3)
      } ms, bare ${fixed(quantile(latencies.bare, 0.9), 3)} ms`,
      `a bare undici.request + JSON.parse: ${fixed(m("bareUndici"), 3)} ms; our client on NodeHttpClient.layerUndici ` +
      `is ${fixed(m("undici") / m("bareUndici"))}x that, ${fixed((m("undici") - m("bareUndici")) * 1000, 0)} µs more`,
      `against the simulator server instead: ${simulatorRatio("undici")}x (NodeHttpClient undici), ` +
      `${simulatorRatio("fetch")}x (FetchHttpClient), ${
        simulatorRatio("effectFetch")
      }x (Effect's FetchHttpClient alone)`
    ]),
    row("2b. per-call overhead (Balance.query, FetchHttpClient)", "fetch", [
      `Effect's FetchHttpClient alone, sending the same request: ${fixed(m("effectFetch"), 3)} ms, ${
        fixed(m("effectFetch") / bare)
      }x the bare fetch; our pipeline on top of it: ${fixed(m("fetch") / m("effectFetch"))}x, ${
        fixed((m("fetch") - m("effectFetch")) * 1000, 0)
      } µs`
    ])
  ]
}
