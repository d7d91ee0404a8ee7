/**
 * The served simulator through raw HTTP (fetch and HttpClient) on 127.0.0.1, port 0: the wire as any client sees
 * it, without our client in between.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Simulator, WebhookEvent } from "effect-esim-access"
import { layer as serverLayer, serve, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
import { HttpClient, HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { call, errorCode, fixture } from "./simulatorSupport.ts"

const served = (options: Simulator.Options = {}) =>
  serverLayer({ port: 0, catalogue: "fixtures", rateLimit: false, ...options })

describe("Simulator over HTTP", () => {
  it.effect("answers the live envelope; an empty body and {} are both accepted", () =>
    Effect.gen(function*() {
      const { url } = yield* SimulatorServer
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const empty = yield* call("balance/query", "")
      assert.strictEqual(empty.status, 200)
      assert.strictEqual(empty.headers.get("content-type"), "application/json")
      assert.deepStrictEqual(empty.json, { success: true, errorCode: "0", errorMsg: null, obj: { balance: 940_000 } })
      assert.deepStrictEqual((yield* call("balance/query", {})).json, empty.json)
      // the fixture's shape
      assert.deepStrictEqual(Object.keys(empty.json!), Object.keys(fixture("balance_query.response.json") as object))
    }).pipe(Effect.provide(served({ balance: 940_000 }))))

  it.effect("headers: missing RT-AccessCode is 000101 (as the fixture), a wrong one 401001; all at HTTP 200", () =>
    Effect.gen(function*() {
      const missing = yield* call("balance/query", {}, { headers: { "RT-AccessCode": "" } })
      assert.strictEqual(missing.status, 200)
      assert.strictEqual(errorCode(missing), "000101")
      const expected = fixture("error.000101.missing_header.json") as Record<string, unknown>
      assert.strictEqual(missing.json?.["success"], false)
      assert.strictEqual(String(missing.json?.["errorMsg"]).startsWith(String(expected["errorMsg"])), true)
      assert.strictEqual(missing.json?.["obj"], null)
      const wrong = yield* call("balance/query", {}, { headers: { "RT-AccessCode": "nope" } })
      assert.strictEqual(wrong.status, 200)
      assert.strictEqual(errorCode(wrong), "401001")
    }).pipe(Effect.provide(served())))

  it.effect("bad requests: 000103 non-POST, 000104 malformed JSON, 404 unknown path", () =>
    Effect.gen(function*() {
      assert.strictEqual(errorCode(yield* call("balance/query", undefined, { method: "GET" })), "000103")
      assert.strictEqual(errorCode(yield* call("balance/query", undefined, { method: "PUT" })), "000103")
      assert.strictEqual(errorCode(yield* call("esim/order", "{\"transactionId\":")), "000104")
      assert.strictEqual(errorCode(yield* call("esim/order", "[1,2]")), "000104")
      assert.strictEqual((yield* call("esim/list", {})).status, 404)
    }).pipe(Effect.provide(served())))

  it.effect("mandatory parameters: 000105 missing, 000106 empty, 000107 over-length, 400001 malformed", () =>
    Effect.gen(function*() {
      const code = (path: string, body: unknown) => call(path, body).pipe(Effect.map(errorCode))
      const line = { packageCode: "CKH002", count: 1 }
      assert.strictEqual(yield* code("esim/order", { packageInfoList: [line] }), "000105")
      assert.strictEqual(
        yield* code("esim/order", { packageInfoList: [line] }),
        (fixture("error.000105.missing_param.json") as Record<string, unknown>)["errorCode"]
      )
      assert.strictEqual(yield* code("esim/order", { transactionId: "", packageInfoList: [line] }), "000106")
      assert.strictEqual(yield* code("esim/order", { transactionId: null, packageInfoList: [line] }), "000106")
      assert.strictEqual(
        yield* code("esim/order", { transactionId: "x".repeat(51), packageInfoList: [line] }),
        "000107"
      )
      assert.strictEqual(yield* code("esim/order", { transactionId: "t", packageInfoList: [] }), "000106")
      assert.strictEqual(yield* code("esim/order", { transactionId: "t", packageInfoList: [{ count: 1 }] }), "000105")
      assert.strictEqual(
        yield* code("esim/order", { transactionId: "t", packageInfoList: [{ packageCode: "CKH002", count: "abc" }] }),
        "400001"
      )
      assert.strictEqual(yield* code("esim/cancel", {}), "000105")
      assert.strictEqual(yield* code("esim/cancel", { esimTranNo: "", iccid: "" }), "000106")
      assert.strictEqual(yield* code("esim/cancel", { esimTranNo: "1", iccid: "2" }), "400001")
      assert.strictEqual(yield* code("esim/sendSms", { esimTranNo: "1" }), "000105")
      assert.strictEqual(yield* code("esim/sendSms", { esimTranNo: "1", message: "m".repeat(501) }), "000107")
      assert.strictEqual(yield* code("esim/usage/query", {}), "000105")
      assert.strictEqual(yield* code("esim/usage/query", { esimTranNoList: [] }), "000106")
      assert.strictEqual(yield* code("esim/usage/query", { esimTranNoList: ["1", ""] }), "000106")
      assert.strictEqual(
        yield* code("esim/usage/query", { esimTranNoList: Array.from({ length: 11 }, (_, i) => String(i)) }),
        "000107"
      )
      assert.strictEqual(yield* code("esim/topup", { esimTranNo: "1", transactionId: "t" }), "000105")
      assert.strictEqual(yield* code("webhook/save", {}), "000105")
      assert.strictEqual(yield* code("webhook/save", { webhook: "not a url" }), "400001")
      // esim/query: the pager is mandatory, pageNum >= 1, pageSize 5 to 500, and an id or a time range
      assert.strictEqual(yield* code("esim/query", { orderNo: "B1" }), "000105")
      assert.strictEqual(yield* code("esim/query", { orderNo: "B1", pager: { pageNum: 1 } }), "000105")
      assert.strictEqual(yield* code("esim/query", { orderNo: "B1", pager: { pageNum: 0, pageSize: 20 } }), "000107")
      assert.strictEqual(yield* code("esim/query", { orderNo: "B1", pager: { pageNum: 1, pageSize: 4 } }), "000107")
      assert.strictEqual(yield* code("esim/query", { orderNo: "B1", pager: { pageNum: 1, pageSize: 501 } }), "000107")
      assert.strictEqual(
        yield* code("esim/query", { orderNo: "", iccid: "", esimTranNo: "", pager: { pageNum: 1, pageSize: 20 } }),
        "000105"
      )
      assert.strictEqual(yield* code("esim/query", fixture("esim_query.request.json")), "310272")
    }).pipe(Effect.provide(served())))

  it.effect("strict signature mode: valid, bad (101003), stale (101001), unsigned (000101); the docs' example", () =>
    Effect.gen(function*() {
      const now = Date.parse("2026-04-22T17:16:34Z")
      yield* TestClock.setTime(now)
      const signed = (body: string, timestamp: number, key = "s3cret", accessCode = "11111") => {
        const requestId = "4ce9d9cdac9e4e17b3a2c66c358c1ce2"
        const signature = createHmac("sha256", key).update(`${timestamp}${requestId}${accessCode}${body}`).digest("hex")
        return call("balance/query", body, {
          headers: {
            "RT-AccessCode": accessCode,
            "RT-Timestamp": String(timestamp),
            "RT-RequestID": requestId,
            "RT-Signature": signature
          }
        }).pipe(Effect.map(errorCode))
      }
      assert.strictEqual(yield* signed("{}", now), "0")
      assert.strictEqual(yield* signed("{}", now - 4 * 60_000), "0")
      assert.strictEqual(yield* signed("{}", now, "wrong"), "101003")
      assert.strictEqual(yield* signed("{}", now - 6 * 60_000), "101001")
      assert.strictEqual(yield* signed("{}", now + 6 * 60_000), "101001")
      assert.strictEqual(
        errorCode(yield* call("balance/query", "{}", { headers: { "RT-AccessCode": "11111" } })),
        "000101"
      )
      assert.strictEqual(
        errorCode(
          yield* call("balance/query", "{}", {
            headers: { "RT-AccessCode": "11111", "RT-Timestamp": "yesterday", "RT-RequestID": "r", "RT-Signature": "s" }
          })
        ),
        "000102"
      )
      // the upper-case signature of the docs' worked example (timestamp in seconds, secret key 1111), §1.3
      yield* TestClock.setTime(1_628_670_421_000)
      const example = yield* call("balance/query", "{\"imsi\":\"326543826\"}", {
        headers: {
          "RT-AccessCode": "11111",
          "RT-Timestamp": "1628670421",
          "RT-RequestID": "4ce9d9cdac9e4e17b3a2c66c358c1ce2",
          "RT-Signature": "7EB765E27DF5373DEA2DBC8C41A7D9557743E46C8054750F3D851B3FD01D0835"
        }
      })
      assert.strictEqual(errorCode(example), "101003", "the example signs with key 1111, this simulator has s3cret")
    }).pipe(Effect.provide(served({ accessCode: "11111", signature: "strict", secretKey: "s3cret" }))))

  it.effect("strict signature mode: the docs' worked example verifies with its secret key", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_628_670_421_000)
      const example = yield* call("balance/query", "{\"imsi\":\"326543826\"}", {
        headers: {
          "RT-AccessCode": "11111",
          "RT-Timestamp": "1628670421",
          "RT-RequestID": "4ce9d9cdac9e4e17b3a2c66c358c1ce2",
          "RT-Signature": "7EB765E27DF5373DEA2DBC8C41A7D9557743E46C8054750F3D851B3FD01D0835"
        }
      })
      assert.strictEqual(errorCode(example), "0")
    }).pipe(Effect.provide(served({ accessCode: "11111", signature: "strict", secretKey: "1111" }))))

  it.effect("rate limit: more than 8 requests in a sliding second is HTTP 429 with Retry-After", () =>
    Effect.gen(function*() {
      const answers = yield* Effect.forEach(Array.from({ length: 9 }), () => call("balance/query"))
      assert.deepStrictEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200, 200, 200, 429])
      const limited = answers[8]!
      assert.strictEqual(limited.headers.get("retry-after"), "1")
      assert.match(limited.text, /Too Many Requests/)
      yield* TestClock.adjust("999 millis")
      assert.strictEqual((yield* call("balance/query")).status, 429)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* call("balance/query")).status, 200)
    }).pipe(Effect.provide(served({ rateLimit: {} }))))

  it.effect("faults over the wire: 502 page, dropped connection, malformed body, 900001, lost response", () =>
    Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      yield* simulator.injectFault({ _tag: "HttpStatus", status: 502 })
      const page = yield* call("balance/query")
      assert.strictEqual(page.status, 502)
      assert.match(page.text, /<html>/)
      yield* simulator.injectFault({ _tag: "Drop" })
      const dropped = yield* call("balance/query").pipe(Effect.sandbox, Effect.flip)
      assert.isDefined(dropped)
      yield* simulator.injectFault({ _tag: "MalformedBody" })
      const malformed = yield* call("balance/query")
      assert.strictEqual(malformed.status, 200)
      assert.strictEqual(malformed.json, undefined)
      yield* simulator.injectFault({ _tag: "ServerBusy" })
      const busy = yield* call("balance/query")
      assert.deepStrictEqual(busy.json, fixture("error.900001.system_busy.json"))
      yield* simulator.injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
      const order = fixture("esim_order.request.json")
      const lost = yield* call("esim/order", order).pipe(Effect.sandbox, Effect.flip)
      assert.isDefined(lost)
      // the order was placed and paid: the retry replays it
      const retried = yield* call("esim/order", order)
      assert.deepStrictEqual(retried.json?.["obj"], {
        orderNo: (yield* simulator.state).orders[0]?.orderNo,
        transactionId: "txn_demo_0001"
      })
      assert.strictEqual((yield* simulator.state).orders.length, 1)
      assert.strictEqual(yield* simulator.balance, 10_000_000 - 36_000)
      // everything normal afterwards
      assert.strictEqual(errorCode(yield* call("balance/query")), "0")
    }).pipe(Effect.provide(served())))

  it.effect("an order's life over the wire, and its webhooks POSTed to a real local receiver", () =>
    Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      const received: Array<string> = []
      const hook = yield* Effect.acquireRelease(
        Effect.callback<ReturnType<typeof createServer>>((resume) => {
          const server = createServer((req, res) => {
            let text = ""
            req.on("data", (chunk: Buffer) => (text += chunk.toString()))
            req.on("end", () => {
              received.push(text)
              res.writeHead(200).end("ok")
            })
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/esim-access/webhook`
      assert.strictEqual(errorCode(yield* call("webhook/save", { webhook: hookUrl })), "0")
      assert.deepStrictEqual((yield* call("webhook/query")).json?.["obj"], { webhook: hookUrl })

      const placed = yield* call("esim/order", fixture("esim_order.request.json"))
      const orderNo = String((placed.json?.["obj"] as { orderNo?: string } | undefined)?.orderNo)
      const query = { orderNo, iccid: "", esimTranNo: "", pager: { pageNum: 1, pageSize: 20 } }
      const pending = yield* call("esim/query", query)
      assert.deepStrictEqual(pending.json, {
        ...(fixture("esim_query.not_ready.error.json") as object),
        errorMsg: "the batchOrder has been getting resource, total:[2], success:[0]"
      })
      yield* TestClock.adjust("5 seconds")
      const ready = yield* call("esim/query", query)
      const obj = ready.json?.["obj"] as { esimList: Array<Record<string, unknown>>; pager: unknown }
      assert.deepStrictEqual(obj.pager, { pageSize: 20, pageNum: 1, total: 2 })
      // the same fields as the fixture's New profiles
      const sample = (fixture("esim_query.new_order.response.json") as { obj: { esimList: Array<object> } }).obj
      assert.deepStrictEqual(new Set(Object.keys(obj.esimList[0]!)), new Set(Object.keys(sample.esimList[0]!)))
      assert.strictEqual(obj.esimList[0]?.["esimStatus"], "GOT_RESOURCE")
      assert.match(String(obj.esimList[0]?.["expiredTime"]), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/)
      const esimTranNo = String(obj.esimList[1]?.["esimTranNo"])
      assert.strictEqual(errorCode(yield* call("esim/cancel", { esimTranNo })), "0")
      assert.strictEqual(errorCode(yield* call("esim/cancel", { esimTranNo })), "200002")
      assert.deepStrictEqual((yield* call("balance/query")).json?.["obj"], { balance: 10_000_000 - 18_000 })

      yield* simulator.flush
      const events = yield* Effect.forEach(received, WebhookEvent.decodeJson)
      assert.deepStrictEqual(events.map((e) => e.notifyType), ["CHECK_HEALTH", "ORDER_STATUS", "ESIM_STATUS"])
      const deliveries = yield* simulator.deliveries
      assert.isTrue(deliveries.every((d) => d.delivered && d.url === hookUrl))
    }).pipe(Effect.provide(served())))

  it.effect("Simulator.serve on any HttpServer (here NodeHttpServer.layerTest) with an HttpClient", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post("/api/v1/open/package/list").pipe(
          HttpClientRequest.setHeader("RT-AccessCode", Simulator.defaultAccessCode),
          HttpClientRequest.bodyText(JSON.stringify(fixture("package_list.request.json")), "application/json")
        )
      )
      const body = (yield* response.json) as { obj: { packageList: ReadonlyArray<unknown> } }
      // the fixture's success has errorCode null, ours "0": both appear live (reference §1.4)
      assert.deepStrictEqual(body.obj, (fixture("package_list.response.json") as typeof body).obj)
    }).pipe(
      Effect.provide(
        Simulator.serve({ catalogue: "fixtures" }).pipe(Layer.provideMerge(NodeHttpServer.layerTest))
      )
    ))

  it.effect("SimulatorServer.serve({ port, host }): the Node form of Simulator.serve, same options", () =>
    Effect.gen(function*() {
      const { url } = yield* SimulatorServer
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.notStrictEqual(new URL(url).port, "0")
      assert.deepStrictEqual((yield* call("balance/query", "")).json?.["obj"], { balance: 123_400 })
      // the simulator options apply: the fixture catalogue only
      const list = yield* call("package/list", {})
      const obj = list.json?.["obj"] as { packageList: ReadonlyArray<{ packageCode: string }> } | undefined
      assert.deepStrictEqual(obj?.packageList.map((p) => p.packageCode), ["CKH002", "CKH491", "PJCB7UMFE"])
      assert.strictEqual((yield* Simulator.Simulator).accessCode, Simulator.defaultAccessCode)
    }).pipe(Effect.provide(serve({ port: 0, host: "127.0.0.1", balance: 123_400, catalogue: "fixtures" }))))

  it.effect("a port outside 0 to 65535 is a typed ServeError, not a defect", () =>
    Effect.gen(function*() {
      for (const port of [65_536, -1, 1.5]) {
        // a defect would not be flipped: the test would die
        const error = yield* Effect.map(SimulatorServer, (server) => server.url).pipe(
          Effect.provide(serve({ port })),
          Effect.flip
        )
        assert.strictEqual(error._tag, "ServeError", String(port))
        assert.match(String(error.cause), /port must be an integer from 0 to 65535/)
      }
    }))
})
