/**
 * 2. Per-call overhead: `Balance.query` through our client (`FetchHttpClient`, limiter off, retries on) versus a
 * bare `fetch` + `JSON.parse` of the same request, against the same loopback server (a minimal `node:http` server
 * answering the balance fixture). Median latency of single sequential calls; target: at most 1.25x. The details
 * repeat the comparison against the simulator server.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Balance, EsimAccessConfig } from "../src/index.ts"
import * as SimulatorServer from "../src/node/SimulatorServer.ts"
import { fixed, median, quantile, quick, type Result, runs, sideBySide } from "./support.ts"

const accessCode = "bench-access-code"

/** Median latencies of single sequential calls, client and bare, interleaved in blocks. */
const measure = async (baseUrl: string, code: string, expected: number) => {
  const url = `${baseUrl}/api/v1/open/balance/query`
  const runtime = ManagedRuntime.make(Layer.mergeAll(
    FetchHttpClient.layer,
    EsimAccessConfig.layer({ accessCode: code, baseUrl, rateLimit: false })
  ))
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
  const client = async () => {
    const { balance } = await runtime.runPromise(Balance.query())
    if (balance !== expected) throw new Error("unexpected answer")
  }

  // each run: a block of sequential calls per side, every latency recorded
  const latencies = { bare: [] as Array<number>, client: [] as Array<number> }
  const block = (side: "bare" | "client", record: boolean) => async () => {
    const f = side === "bare" ? bare : client
    const start = performance.now()
    for (let i = 0; i < calls; i++) {
      const t = performance.now()
      await f()
      if (record) latencies[side].push(performance.now() - t)
    }
    return (performance.now() - start) / calls
  }
  for (let i = 0; i < 2; i++) {
    await block("bare", false)()
    await block("client", false)()
  }
  const blocks = await sideBySide({
    warmup: 0,
    count: runs,
    baseline: block("bare", true),
    measured: block("client", true)
  })
  await runtime.dispose()
  return { latencies, blocks }
}

const calls = quick ? 100 : 300

export const run = async (): Promise<Result> => {
  const answer = readFileSync(new URL("../test/fixtures/balance_query.response.json", import.meta.url))
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json", "content-length": answer.length })
      response.end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { blocks, latencies } = await measure(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accessCode,
    940000
  )
  await new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()

  // the same against the simulator server (more work per request on the server side), for the details
  const simulator = ManagedRuntime.make(SimulatorServer.layer({ rateLimit: false, catalogue: "fixtures" }))
  const address = await simulator.runPromise(Effect.service(SimulatorServer.SimulatorServer))
  const onSimulator = await measure(address.url, address.accessCode, 10_000_000)
  await simulator.dispose()

  const value = median(latencies.client)
  const baseline = median(latencies.bare)
  const simulatorClient = median(onSimulator.latencies.client)
  const simulatorBare = median(onSimulator.latencies.bare)
  return {
    name: "2. per-call overhead (Balance.query)",
    value,
    baseline,
    unit: "ms",
    baselineLabel: "fetch + JSON.parse",
    ratio: value / baseline,
    target: "<= 1.25x",
    pass: value / baseline <= 1.25,
    runs,
    details: [
      `median latency of ${calls * runs} sequential calls per side against a minimal node:http server on ` +
      `loopback (${runs} interleaved blocks of ${calls}); the client adds ${fixed((value - baseline) * 1000, 0)} µs`,
      `p90: client ${fixed(quantile(latencies.client, 0.9), 3)} ms, bare ${
        fixed(quantile(latencies.bare, 0.9), 3)
      } ms; ` +
      `median of block means: client ${fixed(median(blocks.measured), 3)} ms, bare ${
        fixed(median(blocks.baseline), 3)
      } ms`,
      `against the simulator server instead: client ${fixed(simulatorClient, 3)} ms, bare ${
        fixed(simulatorBare, 3)
      } ms, ${fixed(simulatorClient / simulatorBare)}x`
    ]
  }
}
