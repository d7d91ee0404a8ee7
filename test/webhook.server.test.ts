import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Ref, Stream } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import type { WebhookEvent } from "effect-esim-access"
import { HttpClientRequest, HttpRouter } from "effect/http"
import { fixture, fixtureJson, fixtures, hook, post, send, serve } from "./webhookHelpers.ts"

/** A handler that records every event it gets. */
const recorder = Effect.gen(function*() {
  const events = yield* Ref.make<ReadonlyArray<WebhookEvent.WebhookEvent>>([])
  const handler: WebhookReceiver.Handler = (event) => Ref.update(events, (xs) => [...xs, event])
  return { events, handler, count: Effect.map(Ref.get(events), (xs) => xs.length) }
})

const withNotifyId = (name: string, notifyId: string) => JSON.stringify({ ...fixtureJson(name), notifyId })

describe("WebhookReceiver: mounted on a real Node server", () => {
  it.effect("every fixture is answered 200 and reaches the handler decoded (CHECK_HEALTH excepted)", () =>
    Effect.gen(function*() {
      const { events, handler } = yield* recorder
      const served = yield* Effect.gen(function*() {
        const out: Array<string> = []
        for (const f of fixtures) {
          const reply = yield* post(hook, f.text)
          assert.strictEqual(reply.status, 200, f.name)
          assert.strictEqual(reply.text, "ok", f.name)
          out.push(f.name)
        }
        return out
      }).pipe(Effect.provide(serve(WebhookReceiver.layer(handler))))
      assert.strictEqual(served.length, 8)
      const got = yield* Ref.get(events)
      assert.deepStrictEqual(
        got.map((e) => e._tag),
        ["DataUsage", "EsimStatus", "EsimStatus", "OrderStatus", "OrderStatus", "SmdpEvent", "ValidityUsage"]
      )
      const byId = new Map(got.map((e) => [e.notifyId, e]))
      for (const f of fixtures.filter((f) => !f.name.includes("CHECK_HEALTH"))) {
        const json = JSON.parse(f.text) as { notifyId?: string; notifyType: string }
        assert.strictEqual(byId.get(json.notifyId)?.notifyType, json.notifyType, f.name)
      }
    }))

  it.effect("CHECK_HEALTH reaches the handler only with handleCheckHealth", () =>
    Effect.gen(function*() {
      const { events, handler } = yield* recorder
      const reply = yield* post(hook, fixture("CHECK_HEALTH")).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler, { handleCheckHealth: true })))
      )
      assert.strictEqual(reply.status, 200)
      assert.deepStrictEqual((yield* Ref.get(events)).map((e) => e._tag), ["CheckHealth"])
    }))

  it.effect("CHECK_HEALTH is answered 200 even when the handler would fail", () =>
    Effect.gen(function*() {
      const reply = yield* post(hook, fixture("CHECK_HEALTH")).pipe(
        Effect.provide(serve(WebhookReceiver.layer(() => Effect.fail("down"))))
      )
      assert.strictEqual(reply.status, 200)
    }))

  it.effect("the app effect sits behind any route; the layer takes a custom path", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const routes = Layer.mergeAll(
        HttpRouter.add("POST", "/any/where", WebhookReceiver.app(handler)),
        WebhookReceiver.layer(handler, { path: "/hooks/esim" })
      )
      const [a, b, c] = yield* Effect.all([
        post("/any/where", fixture("ORDER_STATUS")),
        post("/hooks/esim", fixture("ORDER_STATUS")),
        post(hook, fixture("ORDER_STATUS"))
      ]).pipe(Effect.provide(serve(routes)))
      assert.deepStrictEqual([a.status, b.status, c.status], [200, 200, 404])
      assert.strictEqual(yield* count, 2)
    }))

  it.effect("the handler's requirements are provided to the served app", () =>
    Effect.gen(function*() {
      class Inbox extends Context.Service<Inbox, Ref.Ref<ReadonlyArray<string>>>()("test/Inbox") {}
      const inbox = yield* Ref.make<ReadonlyArray<string>>([])
      const handler = WebhookReceiver.match({
        OrderStatus: (event) =>
          Effect.gen(function*() {
            const ref = yield* Inbox
            yield* Ref.update(ref, (xs) => [...xs, event.content.orderNo])
          })
      })
      const reply = yield* post(hook, fixture("ORDER_STATUS")).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler)).pipe(Layer.provide(Layer.succeed(Inbox)(inbox))))
      )
      assert.strictEqual(reply.status, 200)
      assert.deepStrictEqual(yield* Ref.get(inbox), ["B25010112340001"])
    }))
})

describe("WebhookReceiver: bodies that are not events", () => {
  const bad: ReadonlyArray<{
    readonly name: string
    readonly body: string
    readonly contentType?: string
    readonly status: number
    readonly text: string | RegExp
  }> = [
    { name: "malformed JSON", body: "{\"notifyType\":", status: 400, text: "malformed JSON" },
    { name: "not JSON at all", body: "notifyType=ORDER_STATUS", status: 400, text: "malformed JSON" },
    { name: "empty body", body: "", status: 400, text: "empty body" },
    { name: "whitespace body", body: "  \n ", status: 400, text: "empty body" },
    { name: "JSON null", body: "null", status: 400, text: /^invalid event/ },
    { name: "JSON array", body: "[]", status: 400, text: /^invalid event/ },
    {
      name: "no notifyType",
      body: "{\"content\":{}}",
      status: 400,
      text: "invalid event: notifyType: expected a non-empty string"
    },
    {
      name: "wrong shape (DATA_USAGE without remainThreshold)",
      body: JSON.stringify({
        ...fixtureJson("DATA_USAGE"),
        content: { ...(fixtureJson("DATA_USAGE")["content"] as object), remainThreshold: undefined }
      }),
      status: 400,
      text: /^invalid event: content\.remainThreshold: /
    },
    {
      name: "wrong type (ORDER_STATUS orderNo a number)",
      body: JSON.stringify({ notifyType: "ORDER_STATUS", content: { orderNo: 7, orderStatus: "GOT_RESOURCE" } }),
      status: 400,
      text: /^invalid event: content\.orderNo: /
    },
    {
      name: "text/plain",
      body: fixture("ORDER_STATUS"),
      contentType: "text/plain",
      status: 400,
      text: "unsupported content type"
    },
    {
      name: "form encoded",
      body: "a=1",
      contentType: "application/x-www-form-urlencoded",
      status: 400,
      text: "unsupported content type"
    }
  ]

  it.effect("each is answered with its status and a short reason, and never reaches the handler", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      yield* Effect.gen(function*() {
        for (const c of bad) {
          const reply = yield* post(hook, c.body, c.contentType === undefined ? {} : { contentType: c.contentType })
          assert.strictEqual(reply.status, c.status, c.name)
          if (typeof c.text === "string") assert.strictEqual(reply.text, c.text, c.name)
          else assert.match(reply.text, c.text, c.name)
          assert.isBelow(reply.text.length, 200, c.name)
        }
        const ok = yield* post(hook, fixture("ORDER_STATUS"), { contentType: "application/json; charset=utf-8" })
        assert.strictEqual(ok.status, 200, "application/json with charset")
      }).pipe(Effect.provide(serve(WebhookReceiver.layer(handler))))
      assert.strictEqual(yield* count, 1)
    }))

  it.effect("413 over the body-size limit: by Content-Length, and while reading a chunked body", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      yield* Effect.gen(function*() {
        // default limit 1 MiB, declared length
        const big = JSON.stringify({ notifyType: "ORDER_STATUS", pad: "x".repeat(1024 * 1024) })
        const r1 = yield* post(hook, big)
        assert.deepStrictEqual([r1.status, r1.text], [413, "body too large"])
        // no Content-Length: 4 MiB streamed in 64 KiB chunks
        const chunk = new Uint8Array(64 * 1024).fill(0x20)
        const r2 = yield* send(
          HttpClientRequest.post(hook).pipe(
            HttpClientRequest.bodyStream(Stream.fromIterable(Array.from({ length: 64 }, () => chunk)), {
              contentType: "application/json"
            })
          )
        )
        assert.deepStrictEqual([r2.status, r2.text], [413, "body too large"])
        // a valid event padded with whitespace to exactly the limit is accepted
        const event = fixture("ORDER_STATUS")
        const exact = event + " ".repeat(1024 * 1024 - new TextEncoder().encode(event).length)
        const r3 = yield* post(hook, exact)
        assert.strictEqual(r3.status, 200)
      }).pipe(Effect.provide(serve(WebhookReceiver.layer(handler))))
      assert.strictEqual(yield* count, 1)
    }))

  it.effect("the limit is configurable", () =>
    Effect.gen(function*() {
      const { handler } = yield* recorder
      const [small, large] = yield* Effect.all([
        post(hook, fixture("ORDER_STATUS")),
        post(hook, JSON.stringify({ ...fixtureJson("ORDER_STATUS"), pad: "x".repeat(600) }))
      ]).pipe(Effect.provide(serve(WebhookReceiver.layer(handler, { maxBodySize: 512 }))))
      assert.strictEqual(small.status, 200)
      assert.strictEqual(large.status, 413)
    }))

  it.effect("other methods do not reach the receiver", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const reply = yield* send(HttpClientRequest.get(hook)).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler)))
      )
      assert.strictEqual(reply.status, 404)
      assert.strictEqual(yield* count, 0)
    }))
})

describe("WebhookReceiver: IP verification", () => {
  const sender = "3.1.131.226"
  const outsider = "203.0.113.9"
  const check = (options: WebhookReceiver.VerifyIpOptions | true, headers: Record<string, string> = {}) =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const reply = yield* post(hook, fixture("ESIM_STATUS"), { headers }).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler, { verifyIp: options })))
      )
      return { status: reply.status, text: reply.text, handled: yield* count }
    })

  it.effect("zero trusted proxies: the socket address counts, X-Forwarded-For is ignored", () =>
    Effect.gen(function*() {
      // the test client connects from 127.0.0.1, which is not a sender
      assert.deepStrictEqual(yield* check(true), { status: 403, text: "forbidden", handled: 0 })
      assert.deepStrictEqual(
        yield* check(true, { "x-forwarded-for": sender }),
        { status: 403, text: "forbidden", handled: 0 },
        "a spoofed X-Forwarded-For does not pass"
      )
      assert.strictEqual((yield* check({ allow: ["127.0.0.1"] })).status, 200)
      assert.strictEqual((yield* check({ allow: ["127.0.0.0/8"] })).status, 200)
      assert.strictEqual((yield* check({ allow: ["127.0.0.2", "not an ip"] })).status, 403)
    }))

  it.effect("one trusted proxy: only the address the proxy appended counts", () =>
    Effect.gen(function*() {
      const one = { trustedProxies: 1 }
      // the proxy saw the sender
      assert.deepStrictEqual(yield* check(one, { "x-forwarded-for": sender }), { status: 200, text: "ok", handled: 1 })
      // an outsider wrote the sender's address, the proxy appended the outsider's
      assert.deepStrictEqual(
        yield* check(one, { "x-forwarded-for": `${sender}, ${outsider}` }),
        { status: 403, text: "forbidden", handled: 0 }
      )
      // the sender's own header entries to the left do not matter
      assert.strictEqual((yield* check(one, { "x-forwarded-for": `${outsider}, ${sender}` })).status, 200)
      // no header, an empty header or garbage: rejected
      assert.strictEqual((yield* check(one)).status, 403)
      assert.strictEqual((yield* check(one, { "x-forwarded-for": "" })).status, 403)
      assert.strictEqual((yield* check(one, { "x-forwarded-for": "unknown" })).status, 403)
      // IPv4-mapped IPv6 spelling of a sender
      assert.strictEqual((yield* check(one, { "x-forwarded-for": `::ffff:${sender}` })).status, 200)
    }))

  it.effect("two trusted proxies: the second entry from the right counts", () =>
    Effect.gen(function*() {
      const two = { trustedProxies: 2 }
      assert.strictEqual((yield* check(two, { "x-forwarded-for": `${outsider}, ${sender}, 10.0.0.2` })).status, 200)
      assert.strictEqual((yield* check(two, { "x-forwarded-for": `${sender}, ${outsider}, 10.0.0.2` })).status, 403)
      assert.strictEqual((yield* check(two, { "x-forwarded-for": sender })).status, 403)
    }))

  it.effect("proxies: a client that reaches the server directly cannot pass with a spoofed X-Forwarded-For", () =>
    Effect.gen(function*() {
      // the test client connects from 127.0.0.1; here it is not one of the proxies, so it is a direct client
      const direct = { trustedProxies: 1, proxies: ["10.0.0.0/8"] }
      assert.deepStrictEqual(
        yield* check(direct, { "x-forwarded-for": sender }),
        { status: 403, text: "forbidden", handled: 0 }
      )
      assert.strictEqual(
        (yield* check({ ...direct, trustedProxies: 2 }, { "x-forwarded-for": `${sender}, 10.0.0.2` })).status,
        403
      )
      // the same request through a listed proxy passes
      assert.strictEqual(
        (yield* check({ trustedProxies: 1, proxies: ["127.0.0.1"] }, { "x-forwarded-for": sender })).status,
        200
      )
      assert.strictEqual(
        (yield* check({ trustedProxies: 1, proxies: ["::ffff:127.0.0.0/104"] }, { "x-forwarded-for": sender })).status,
        200
      )
      // an empty list trusts no proxy
      assert.strictEqual((yield* check({ trustedProxies: 1, proxies: [] }, { "x-forwarded-for": sender })).status, 403)
    }))

  it.effect("default proxies (loopback and private ranges): the address the proxy appended passes", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(
        yield* check({ trustedProxies: 1 }, { "x-forwarded-for": sender }),
        { status: 200, text: "ok", handled: 1 }
      )
      assert.strictEqual(
        (yield* check({ trustedProxies: 2 }, { "x-forwarded-for": `${sender}, 192.168.1.7` })).status,
        200
      )
      assert.strictEqual(
        (yield* check({ trustedProxies: 3 }, { "x-forwarded-for": `${sender}, fd00::7, 172.20.0.1` })).status,
        200
      )
    }))

  it.effect("every hop between the peer and the counted entry must be a proxy", () =>
    Effect.gen(function*() {
      // the counted entry is the sender, but the hop right of it is an outside address: the chain is not ours
      assert.deepStrictEqual(
        yield* check({ trustedProxies: 2 }, { "x-forwarded-for": `${sender}, ${outsider}` }),
        { status: 403, text: "forbidden", handled: 0 }
      )
      assert.strictEqual((yield* check({ trustedProxies: 2 }, { "x-forwarded-for": `${sender}, garbage` })).status, 403)
    }))

  it.effect("IP verification runs before the body is read", () =>
    Effect.gen(function*() {
      const reply = yield* post(hook, "x".repeat(2 * 1024 * 1024)).pipe(
        Effect.provide(serve(WebhookReceiver.layer(() => Effect.void, { verifyIp: true })))
      )
      assert.strictEqual(reply.status, 403)
    }))
})

describe("WebhookReceiver: de-duplication", () => {
  it.effect("by notifyId: a redelivered event is answered 200 without reaching the handler again", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const replies = yield* Effect.forEach(
        [fixture("ESIM_STATUS"), fixture("ESIM_STATUS"), fixture("ESIM_STATUS.cancel")],
        (body) => post(hook, body)
      ).pipe(Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true }))))
      assert.deepStrictEqual(replies.map((r) => [r.status, r.text]), [[200, "ok"], [200, "duplicate"], [200, "ok"]])
      assert.strictEqual(yield* count, 2)
    }))

  it.effect("without notifyId: by a hash of the content, whatever the key order and whitespace", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const legacy = fixture("ORDER_STATUS.legacy")
      const reordered = "{ \"content\": { \"orderStatus\": \"GOT_RESOURCE\", \"orderNo\": \"B25010112340001\" },\n"
        + " \"notifyType\": \"ORDER_STATUS\" }"
      const other = JSON.stringify({
        notifyType: "ORDER_STATUS",
        content: { orderNo: "B2", orderStatus: "GOT_RESOURCE" }
      })
      const replies = yield* Effect.forEach([legacy, legacy, reordered, other], (body) => post(hook, body)).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true })))
      )
      assert.deepStrictEqual(replies.map((r) => r.text), ["ok", "duplicate", "duplicate", "ok"])
      assert.strictEqual(yield* count, 2)
    }))

  it.effect("without dedupe every delivery reaches the handler", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      yield* Effect.forEach([1, 2], () => post(hook, fixture("ESIM_STATUS"))).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler)))
      )
      assert.strictEqual(yield* count, 2)
    }))

  it.effect("a failed delivery is not remembered: the redelivery is handled", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make(0)
      const handler: WebhookReceiver.Handler<string> = () =>
        Effect.flatMap(Ref.updateAndGet(attempts, (n) => n + 1), (n) => n === 1 ? Effect.fail("db down") : Effect.void)
      const replies = yield* Effect.forEach([1, 2, 3], () => post(hook, fixture("SMDP_EVENT"))).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true })))
      )
      assert.deepStrictEqual(replies.map((r) => [r.status, r.text]), [[500, "handler failed"], [200, "ok"], [
        200,
        "duplicate"
      ]])
      assert.strictEqual(yield* Ref.get(attempts), 2)
    }))

  it.effect("concurrent deliveries of one event run the handler once; the other is told to retry (409)", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const runs = yield* Ref.make(0)
      const handler: WebhookReceiver.Handler = () =>
        Effect.gen(function*() {
          yield* Ref.update(runs, (n) => n + 1)
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
        })
      yield* Effect.gen(function*() {
        const first = yield* Effect.forkChild(post(hook, fixture("DATA_USAGE")))
        yield* Deferred.await(started)
        const second = yield* post(hook, fixture("DATA_USAGE"))
        assert.deepStrictEqual([second.status, second.text], [409, "delivery in progress"])
        assert.strictEqual(second.headers["retry-after"], "5")
        yield* Deferred.succeed(release, undefined)
        assert.strictEqual((yield* Fiber.join(first)).status, 200)
        const third = yield* post(hook, fixture("DATA_USAGE"))
        assert.deepStrictEqual([third.status, third.text], [200, "duplicate"])
      }).pipe(Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true }))))
      assert.strictEqual(yield* Ref.get(runs), 1)
    }))

  it.effect("a provided WebhookDedupeStore replaces the in-memory one", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make<ReadonlyArray<string>>([])
      const log = (op: string) => (key: string) => Ref.update(calls, (xs) => [...xs, `${op} ${key}`])
      const store: WebhookReceiver.DedupeStore = {
        claim: (key) => Effect.as(log("claim")(key), "claimed" as const),
        complete: log("complete"),
        release: log("release")
      }
      yield* post(hook, fixture("ESIM_STATUS")).pipe(
        Effect.provide(
          serve(WebhookReceiver.layer(() => Effect.void, { dedupe: true })).pipe(
            Layer.provide(Layer.succeed(WebhookReceiver.WebhookDedupeStore)(store))
          )
        )
      )
      assert.deepStrictEqual(yield* Ref.get(calls), [
        "claim notifyId:1a2b3c4d5e6f708192a3b4c5d6e7f801",
        "complete notifyId:1a2b3c4d5e6f708192a3b4c5d6e7f801"
      ])
    }))

  it.effect("a store provided to the route layer itself is used too", () =>
    Effect.gen(function*() {
      const claims = yield* Ref.make(0)
      const store: WebhookReceiver.DedupeStore = {
        claim: () => Effect.as(Ref.update(claims, (n) => n + 1), "claimed" as const),
        complete: () => Effect.void,
        release: () => Effect.void
      }
      const routes = WebhookReceiver.layer(() => Effect.void, { dedupe: true }).pipe(
        Layer.provide(Layer.succeed(WebhookReceiver.WebhookDedupeStore)(store))
      )
      yield* post(hook, fixture("ESIM_STATUS")).pipe(Effect.provide(serve(routes)))
      assert.strictEqual(yield* Ref.get(claims), 1)
    }))

  it.effect("a failing store answers 500 so the event is redelivered", () =>
    Effect.gen(function*() {
      const { count, handler } = yield* recorder
      const store: WebhookReceiver.DedupeStore = {
        claim: () => Effect.fail(new WebhookReceiver.WebhookDedupeStoreError({ message: "redis timeout" })),
        complete: () => Effect.void,
        release: () => Effect.void
      }
      const reply = yield* post(hook, fixture("ESIM_STATUS")).pipe(
        Effect.provide(
          serve(WebhookReceiver.layer(handler, { dedupe: true })).pipe(
            Layer.provide(Layer.succeed(WebhookReceiver.WebhookDedupeStore)(store))
          )
        )
      )
      assert.strictEqual(reply.status, 500)
      assert.notInclude(reply.text, "redis")
      assert.strictEqual(yield* count, 0)
    }))
})

describe("WebhookReceiver: handler failures", () => {
  it.effect("a failing or dying handler gets 500 without leaking internals", () =>
    Effect.gen(function*() {
      const secret = "postgres://admin:hunter2@db.internal/esims"
      const handler = WebhookReceiver.match({
        EsimStatus: () => Effect.fail(new Error(`connect failed: ${secret}`)),
        DataUsage: () => Effect.die(new Error(`bug near ${secret}`))
      })
      const replies = yield* Effect.forEach([fixture("ESIM_STATUS"), fixture("DATA_USAGE")], (body) => post(hook, body))
        .pipe(
          Effect.provide(serve(WebhookReceiver.layer(handler)))
        )
      for (const reply of replies) {
        assert.deepStrictEqual([reply.status, reply.text], [500, "handler failed"])
        assert.notInclude(JSON.stringify(reply.headers), "hunter2")
      }
    }))
})

describe("WebhookReceiver: load", () => {
  it.effect("200 concurrent deliveries are all handled, none lost (de-duplication on)", () =>
    Effect.gen(function*() {
      const { events, handler } = yield* recorder
      const ids = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(32, "0"))
      const started = Date.now()
      const replies = yield* Effect.forEach(ids, (id) => post(hook, withNotifyId("ESIM_STATUS", id)), {
        concurrency: "unbounded"
      }).pipe(Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true }))))
      const elapsed = Date.now() - started
      assert.deepStrictEqual(new Set(replies.map((r) => r.status)), new Set([200]))
      const handled = (yield* Ref.get(events)).map((e) => e.notifyId)
      assert.strictEqual(handled.length, 200)
      assert.deepStrictEqual(new Set(handled), new Set(ids))
      console.log(`200 concurrent deliveries over loopback: ${elapsed} ms`)
    }))
})
