import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Option, References } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { fixture, fixtureJson } from "./webhookHelpers.ts"

/**
 * Runs the receiver app in-process on one web Request, in the test's fiber (so TestClock and loggers apply), as if
 * it came from `peer` (default 10.0.0.1, a proxy by default).
 */
const call = <R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest>,
  body: string,
  headers: Record<string, string> = {},
  peer = "10.0.0.1"
) =>
  app.pipe(
    Effect.provideService(
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(
        new Request("http://receiver.test/hook", {
          method: "POST",
          body,
          headers: { "content-type": "application/json", ...headers }
        })
      ).modify({ remoteAddress: Option.some(peer) })
    ),
    Effect.flatMap((response) =>
      Effect.promise(async () => {
        const web = HttpServerResponse.toWeb(response)
        return { status: web.status, text: await web.text() }
      })
    )
  )

describe("WebhookReceiver: the in-memory de-duplication store", () => {
  it.effect("claim, in-flight, complete, duplicate, expiry by the Clock", () =>
    Effect.gen(function*() {
      const store = yield* WebhookReceiver.makeMemoryStore({ ttl: "1 hour" })
      assert.strictEqual(yield* store.claim("a"), "claimed")
      assert.strictEqual(yield* store.claim("a"), "in-flight")
      yield* store.complete("a")
      assert.strictEqual(yield* store.claim("a"), "duplicate")
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual(yield* store.claim("a"), "duplicate")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* store.claim("a"), "claimed")
      yield* store.release("a")
      assert.strictEqual(yield* store.claim("a"), "claimed")
    }))

  it.effect("bounded: the oldest handled keys are forgotten first, in-flight ones kept", () =>
    Effect.gen(function*() {
      const store = yield* WebhookReceiver.makeMemoryStore({ capacity: 2 })
      assert.strictEqual(yield* store.claim("busy"), "claimed")
      for (const key of ["b", "c"]) {
        yield* store.claim(key)
        yield* store.complete(key)
      }
      assert.strictEqual(yield* store.claim("busy"), "in-flight")
      assert.strictEqual(yield* store.claim("c"), "duplicate")
      assert.strictEqual(yield* store.claim("b"), "claimed", "b was evicted")
    }))

  it.effect("bad numeric options fall back to the defaults instead of turning de-duplication off", () =>
    Effect.gen(function*() {
      // each would otherwise forget every event at once (NaN, 0, a negative capacity or ttl) or grow without bound
      for (const capacity of [NaN, Infinity, -Infinity, 0, -3, 0.5]) {
        const store = yield* WebhookReceiver.makeMemoryStore({ capacity })
        for (let i = 0; i < 100; i++) {
          yield* store.claim(`k${i}`)
          yield* store.complete(`k${i}`)
        }
        assert.strictEqual(yield* store.claim("k0"), "duplicate", `capacity ${capacity}: the default 10 000 holds 100`)
      }
      // the default capacity bounds the store: the 10 001st handled key evicts the oldest
      const bounded = yield* WebhookReceiver.makeMemoryStore({ capacity: Infinity })
      for (let i = 0; i <= 10_000; i++) {
        yield* bounded.claim(`k${i}`)
        yield* bounded.complete(`k${i}`)
      }
      assert.strictEqual(yield* bounded.claim("k10000"), "duplicate")
      assert.strictEqual(yield* bounded.claim("k0"), "claimed", "capacity Infinity: bounded by the default 10 000")
      for (const ttl of [NaN, 0, -1000, "-5 minutes" as const]) {
        const store = yield* WebhookReceiver.makeMemoryStore({ ttl })
        yield* store.claim("a")
        yield* store.complete("a")
        yield* TestClock.adjust("23 hours")
        assert.strictEqual(yield* store.claim("a"), "duplicate", `ttl ${ttl}: the default 1 day`)
        yield* TestClock.adjust("1 hour")
        assert.strictEqual(yield* store.claim("a"), "claimed", `ttl ${ttl}: forgotten after the default 1 day`)
      }
      // through the receiver, and a bad body-size limit keeps the default 1 MiB instead of failing or lifting it
      let runs = 0
      const app = WebhookReceiver.app(() => Effect.sync(() => void runs++), {
        dedupe: { capacity: NaN, ttl: NaN },
        maxBodySize: NaN
      })
      const body = fixture("VALIDITY_USAGE")
      assert.strictEqual((yield* call(app, body)).text, "ok")
      assert.strictEqual((yield* call(app, body)).text, "duplicate")
      assert.strictEqual(runs, 1)
      for (const maxBodySize of [NaN, Infinity, -1]) {
        const limited = WebhookReceiver.app(() => Effect.void, { maxBodySize })
        assert.strictEqual((yield* call(limited, body)).status, 200, `maxBodySize ${maxBodySize}`)
        assert.strictEqual(
          (yield* call(limited, " ".repeat(1024 * 1024 + 1))).status,
          413,
          `maxBodySize ${maxBodySize}`
        )
      }
    }))

  it.effect("notifyId: null falls back to the content hash, like a missing notifyId", () =>
    Effect.gen(function*() {
      const legacy = { notifyType: "ORDER_STATUS", content: { orderNo: "B1", orderStatus: "GOT_RESOURCE" } }
      const withNull = { ...legacy, notifyId: null, eventGenerateTime: null }
      const key = yield* WebhookReceiver.dedupeKey(withNull)
      assert.match(key, /^sha256:[0-9a-f]{64}$/)
      assert.strictEqual(key, yield* WebhookReceiver.dedupeKey(legacy))
      // through the receiver: accepted (not 400), handled once, the redelivery a duplicate
      let runs = 0
      const app = WebhookReceiver.app(() => Effect.sync(() => void runs++), { dedupe: true })
      assert.deepStrictEqual(yield* call(app, JSON.stringify(withNull)), { status: 200, text: "ok" })
      assert.deepStrictEqual(yield* call(app, JSON.stringify(withNull)), { status: 200, text: "duplicate" })
      assert.deepStrictEqual(yield* call(app, JSON.stringify(legacy)), { status: 200, text: "duplicate" })
      assert.strictEqual(runs, 1)
    }))

  it.effect("dedupeKey: notifyId, else a SHA-256 of notifyType and content independent of key order", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* WebhookReceiver.dedupeKey(fixtureJson("ESIM_STATUS")),
        "notifyId:1a2b3c4d5e6f708192a3b4c5d6e7f801"
      )
      const a = yield* WebhookReceiver.dedupeKey({
        notifyType: "ORDER_STATUS",
        content: { orderNo: "B1", orderStatus: "GOT_RESOURCE" }
      })
      const b = yield* WebhookReceiver.dedupeKey({
        content: { orderStatus: "GOT_RESOURCE", orderNo: "B1" },
        notifyType: "ORDER_STATUS"
      })
      const c = yield* WebhookReceiver.dedupeKey({
        notifyType: "ORDER_STATUS",
        content: { orderNo: "B2", orderStatus: "GOT_RESOURCE" }
      })
      assert.match(a, /^sha256:[0-9a-f]{64}$/)
      assert.strictEqual(a, b)
      assert.notStrictEqual(a, c)
    }))

  it.effect("through the receiver: a handled event is remembered for ttl, then handled again (TestClock)", () =>
    Effect.gen(function*() {
      let runs = 0
      const app = WebhookReceiver.app(() => Effect.sync(() => void runs++), { dedupe: { ttl: "1 hour" } })
      const body = fixture("VALIDITY_USAGE")
      assert.strictEqual((yield* call(app, body)).text, "ok")
      assert.strictEqual((yield* call(app, body)).text, "duplicate")
      yield* TestClock.adjust("61 minutes")
      assert.strictEqual((yield* call(app, body)).text, "ok")
      assert.strictEqual(runs, 2)
    }))

  it.effect("each receiver has its own default store; a provided store is shared", () =>
    Effect.gen(function*() {
      const body = fixture("ESIM_STATUS")
      const one = WebhookReceiver.app(() => Effect.void, { dedupe: true })
      const two = WebhookReceiver.app(() => Effect.void, { dedupe: true })
      assert.deepStrictEqual([(yield* call(one, body)).text, (yield* call(two, body)).text], ["ok", "ok"])
      const shared = yield* Effect.gen(function*() {
        const three = WebhookReceiver.app(() => Effect.void, { dedupe: true })
        const four = WebhookReceiver.app(() => Effect.void, { dedupe: true })
        return [(yield* call(three, body)).text, (yield* call(four, body)).text]
      }).pipe(Effect.provide(WebhookReceiver.layerMemoryStore()))
      assert.deepStrictEqual(shared, ["ok", "duplicate"])
    }))
})

describe("WebhookReceiver: logging", () => {
  interface Line {
    readonly level: string
    readonly message: string
    readonly annotations: Readonly<Record<string, unknown>>
  }
  const capture = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const lines: Array<Line> = []
      const logger = Logger.make((options) => {
        const message = Array.isArray(options.message) ? options.message.map(String).join(" ") : String(options.message)
        lines.push({
          level: options.logLevel,
          message,
          annotations: options.fiber.getRef(References.CurrentLogAnnotations)
        })
      })
      yield* effect.pipe(
        Effect.provide(Logger.layer([logger])),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      return lines
    })

  it.effect("each event at debug with its type and ids, nothing else from the payload", () =>
    Effect.gen(function*() {
      const app = WebhookReceiver.app(() => Effect.void)
      const lines = yield* capture(call(app, fixture("DATA_USAGE")))
      const received = lines.filter((l) => l.message === "eSIM Access webhook received")
      assert.strictEqual(received.length, 1)
      assert.strictEqual(received[0]!.level, "Debug")
      assert.deepStrictEqual(received[0]!.annotations, {
        notifyType: "DATA_USAGE",
        notifyId: "4d5e6f708192a3b4c5d6e7f801122334",
        orderNo: "B25010112340001",
        esimTranNo: "25010112340001",
        iccid: "89000000000000000017",
        transactionId: "txn_demo_0001"
      })
      const all = JSON.stringify(lines)
      for (const value of ["3221225472", "1610612736", "89049032"]) assert.notInclude(all, value)
    }))

  it.effect("rejections at warning with the reason, without payload values", () =>
    Effect.gen(function*() {
      const app = WebhookReceiver.app(() => Effect.void, { verifyIp: { trustedProxies: 1 } })
      const secretValue = "2025-13-99T99:99:99Z-secret"
      const lines = yield* capture(Effect.gen(function*() {
        yield* call(app, fixture("ORDER_STATUS"), { "x-forwarded-for": "203.0.113.9" })
        yield* call(app, "{", { "x-forwarded-for": "3.1.131.226" })
        yield* call(
          app,
          JSON.stringify({ ...fixtureJson("ORDER_STATUS"), eventGenerateTime: secretValue }),
          { "x-forwarded-for": "3.1.131.226" }
        )
      }))
      const warnings = lines.filter((l) => l.level === "Warn")
      assert.deepStrictEqual(
        warnings.map((l) => [l.message, l.annotations["status"], l.annotations["reason"]]),
        [
          ["eSIM Access webhook rejected", 403, "forbidden"],
          ["eSIM Access webhook rejected", 400, "malformed JSON"],
          ["eSIM Access webhook rejected", 400, "invalid event"]
        ]
      )
      assert.strictEqual(warnings[0]!.annotations["address"], "203.0.113.9")
      assert.strictEqual(warnings[2]!.annotations["path"], "eventGenerateTime")
      assert.notInclude(JSON.stringify(lines), "secret")
    }))

  it.effect("a handler failure is logged at error with the ids", () =>
    Effect.gen(function*() {
      const app = WebhookReceiver.app(() => Effect.fail("boom"))
      const lines = yield* capture(call(app, fixture("ESIM_STATUS")))
      const errors = lines.filter((l) => l.level === "Error")
      assert.strictEqual(errors.length, 1)
      assert.strictEqual(errors[0]!.annotations["notifyId"], "1a2b3c4d5e6f708192a3b4c5d6e7f801")
    }))
})
