import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Ref } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import { fixture } from "./webhookHelpers.ts"

const url = "https://receiver.example/esim-access/webhook"
const json = (body: BodyInit, init: RequestInit = {}) =>
  new Request(url, { method: "POST", body, headers: { "content-type": "application/json" }, ...init })
const reply = (response: Promise<Response>) =>
  Effect.promise(async () => {
    const r = await response
    return { status: r.status, text: await r.text(), allow: r.headers.get("allow") }
  })

describe("WebhookReceiver.toWebHandler: called directly with web Requests", () => {
  it.effect("answers events, bad bodies and other methods", () =>
    Effect.gen(function*() {
      const tags: Array<string> = []
      const handler = WebhookReceiver.toWebHandler((event) => Effect.sync(() => void tags.push(event._tag)))
      assert.deepStrictEqual(yield* reply(handler(json(fixture("VALIDITY_USAGE")))), {
        status: 200,
        text: "ok",
        allow: null
      })
      // no content type at all (a byte body): accepted
      const bytes = new TextEncoder().encode(fixture("SMDP_EVENT"))
      assert.strictEqual((yield* reply(handler(new Request(url, { method: "POST", body: bytes })))).status, 200)
      // a string body without headers is text/plain: refused
      const plain = yield* reply(handler(new Request(url, { method: "POST", body: fixture("SMDP_EVENT") })))
      assert.deepStrictEqual([plain.status, plain.text], [400, "unsupported content type"])
      assert.deepStrictEqual(yield* reply(handler(json("{"))), { status: 400, text: "malformed JSON", allow: null })
      assert.deepStrictEqual(yield* reply(handler(json(""))), { status: 400, text: "empty body", allow: null })
      assert.strictEqual((yield* reply(handler(json(new Uint8Array([0x7b, 0xff, 0x7d]))))).text, "malformed JSON")
      assert.deepStrictEqual(yield* reply(handler(new Request(url))), {
        status: 405,
        text: "method not allowed",
        allow: "POST"
      })
      assert.deepStrictEqual(tags, ["ValidityUsage", "SmdpEvent"])
    }))

  it.effect("413 for a body over the limit without a Content-Length (counted while reading)", () =>
    Effect.gen(function*() {
      const handler = WebhookReceiver.toWebHandler(() => Effect.void, { maxBodySize: 1000 })
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 100; i++) controller.enqueue(new Uint8Array(100).fill(0x20))
          controller.close()
        }
      })
      const r = yield* reply(handler(new Request(url, { method: "POST", body: stream, duplex: "half" } as RequestInit)))
      assert.deepStrictEqual([r.status, r.text], [413, "body too large"])
      assert.strictEqual((yield* reply(handler(json(fixture("ORDER_STATUS"))))).status, 200)
    }))

  it.effect("IP verification uses the address the host reports", () =>
    Effect.gen(function*() {
      const handler = WebhookReceiver.toWebHandler(() => Effect.void, { verifyIp: true })
      const body = fixture("ESIM_STATUS")
      assert.strictEqual((yield* reply(handler(json(body), { remoteAddress: "54.254.74.88" }))).status, 200)
      assert.strictEqual((yield* reply(handler(json(body), { remoteAddress: "::ffff:18.136.19.137" }))).status, 200)
      assert.strictEqual((yield* reply(handler(json(body), { remoteAddress: "203.0.113.9" }))).status, 403)
      assert.strictEqual((yield* reply(handler(json(body)))).status, 403, "no address: rejected")
      const spoofed = json(body, { headers: { "content-type": "application/json", "x-forwarded-for": "54.254.74.88" } })
      assert.strictEqual((yield* reply(handler(spoofed, { remoteAddress: "203.0.113.9" }))).status, 403)
    }))

  it.effect("behind a proxy: the reported address must be a trusted proxy for X-Forwarded-For to count", () =>
    Effect.gen(function*() {
      const body = fixture("ESIM_STATUS")
      const proxied = WebhookReceiver.toWebHandler(() => Effect.void, { verifyIp: { trustedProxies: 1 } })
      const forwarded = () =>
        json(body, { headers: { "content-type": "application/json", "x-forwarded-for": "54.254.74.88" } })
      // the host reports the proxy's address (a private one, trusted by default): X-Forwarded-For's last entry counts
      assert.strictEqual((yield* reply(proxied(forwarded(), { remoteAddress: "10.0.0.5" }))).status, 200)
      assert.strictEqual((yield* reply(proxied(forwarded(), { remoteAddress: "::ffff:10.0.0.5" }))).status, 200)
      // a client that reached the host directly wrote the header itself
      assert.strictEqual((yield* reply(proxied(forwarded(), { remoteAddress: "203.0.113.9" }))).status, 403)
      // no reported address: nothing says the header came from a proxy
      assert.strictEqual((yield* reply(proxied(forwarded()))).status, 403)
      // an explicit proxies list replaces the defaults
      const listed = WebhookReceiver.toWebHandler(() => Effect.void, {
        verifyIp: { trustedProxies: 1, proxies: ["198.51.100.0/24"] }
      })
      assert.strictEqual((yield* reply(listed(forwarded(), { remoteAddress: "198.51.100.20" }))).status, 200)
      assert.strictEqual((yield* reply(listed(forwarded(), { remoteAddress: "10.0.0.5" }))).status, 403)
      // a platform that vouches for a header (Cloudflare's CF-Connecting-IP): pass it as the address, no proxies
      const worker = WebhookReceiver.toWebHandler(() => Effect.void, { verifyIp: true })
      const request = json(body, {
        headers: { "content-type": "application/json", "cf-connecting-ip": "54.254.74.88" }
      })
      const cf = request.headers.get("cf-connecting-ip") ?? undefined
      assert.strictEqual((yield* reply(worker(request, { remoteAddress: cf }))).status, 200)
    }))

  it.effect("a failing handler gets 500 with no details", () =>
    Effect.gen(function*() {
      const handler = WebhookReceiver.toWebHandler(() => Effect.fail({ secret: "sk_live_123" }))
      assert.deepStrictEqual(yield* reply(handler(json(fixture("ESIM_STATUS")))), {
        status: 500,
        text: "handler failed",
        allow: null
      })
    }))
})

describe("a handler that throws instead of failing", () => {
  for (const dedupe of [false, true]) {
    it.effect(`is a failed handler: 500, and the redelivery is handled${dedupe ? " (de-duplication on)" : ""}`, () =>
      Effect.gen(function*() {
        let calls = 0
        const handled: Array<string> = []
        const handler = WebhookReceiver.toWebHandler((event) => {
          calls++
          if (calls === 1) throw new Error("sync boom")
          return Effect.sync(() => void handled.push(event._tag))
        }, { dedupe })
        const body = fixture("DATA_USAGE")
        assert.deepStrictEqual(yield* reply(handler(json(body))), { status: 500, text: "handler failed", allow: null })
        assert.deepStrictEqual(yield* reply(handler(json(body))), { status: 200, text: "ok", allow: null })
        assert.deepStrictEqual(handled, ["DataUsage"])
        if (dedupe) {
          // handled once: a third delivery is a duplicate
          assert.strictEqual((yield* reply(handler(json(body)))).status, 200)
          assert.strictEqual(calls, 2)
        }
      }))
  }
})

describe("WebhookReceiver.toWebHandlerLayer", () => {
  it.effect("provides the handler's requirements from a layer", () =>
    Effect.gen(function*() {
      class Seen extends Context.Service<Seen, Ref.Ref<number>>()("test/Seen") {}
      const seen = yield* Ref.make(0)
      const { dispose, handler } = WebhookReceiver.toWebHandlerLayer(
        WebhookReceiver.match({
          OrderStatus: () =>
            Effect.gen(function*() {
              yield* Ref.update(yield* Seen, (n) => n + 1)
            })
        }),
        Layer.succeed(Seen)(seen),
        { dedupe: true }
      )
      const body = fixture("ORDER_STATUS")
      assert.strictEqual((yield* reply(handler(json(body)))).text, "ok")
      assert.strictEqual((yield* reply(handler(json(body)))).text, "duplicate")
      assert.strictEqual(yield* Ref.get(seen), 1)
      yield* Effect.promise(dispose)
      // after dispose the services are released: 503 (the sender redelivers), and the handler is not called
      const after = yield* reply(
        handler(json(fixture("ORDER_STATUS").replace(/"notifyId":\s*"[^"]*"/, `"notifyId":"x"`)))
      )
      assert.deepStrictEqual([after.status, after.text], [503, "receiver stopped"])
      assert.strictEqual(yield* Ref.get(seen), 1)
    }))

  it.effect("a layer that fails to build: every request is answered 500, never a rejected promise", () =>
    Effect.gen(function*() {
      class Needed extends Context.Service<Needed, number>()("test/Needed") {}
      const { dispose, handler } = WebhookReceiver.toWebHandlerLayer(
        (event) =>
          Effect.gen(function*() {
            yield* Needed
            yield* Effect.log(event._tag)
          }),
        Layer.effect(Needed)(Effect.fail(new Error("database unreachable")))
      )
      for (let i = 0; i < 3; i++) {
        const r = yield* reply(handler(json(fixture("ORDER_STATUS"))))
        assert.deepStrictEqual([r.status, r.text], [500, "receiver unavailable"])
      }
      yield* Effect.promise(dispose)
    }))
})
