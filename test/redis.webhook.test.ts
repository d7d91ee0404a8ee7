/**
 * The webhook de-duplication store on a real `redis-server` (`effect-esim-access/Redis`): claims across replicas,
 * two receiver processes handling every event exactly once, and the behaviour while Redis is unreachable.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Logger, Redacted } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { Redis } from "effect/persistence"
import { redisBinary, redisServer, reportMissingRedis, workers } from "./redisSupport.ts"
import { fixtureJson } from "./webhookHelpers.ts"

/** An ORDER_STATUS event with this notifyId. */
const event = (notifyId: string): string => JSON.stringify({ ...fixtureJson("ORDER_STATUS"), notifyId })

/** Runs a receiver app on one web Request in the test's fiber. */
const call = <R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest>,
  body: string
) =>
  app.pipe(
    Effect.provideService(
      HttpServerRequest.HttpServerRequest,
      HttpServerRequest.fromWeb(
        new Request("http://receiver.test/hook", {
          method: "POST",
          body,
          headers: { "content-type": "application/json" }
        })
      )
    ),
    Effect.flatMap((response) =>
      Effect.promise(async () => {
        const web = HttpServerResponse.toWeb(response)
        return { status: web.status, text: await web.text() }
      })
    )
  )

/** no log output (the client's reconnection warnings, the receiver's "store failed") */
const quiet = Logger.layer([])

/** Two "replicas": two stores on two connections to one redis-server. */
const twoReplicas = (url: string, options: EsimAccessRedis.WebhookStoreOptions = {}) =>
  Effect.gen(function*() {
    const first = yield* Layer.build(NodeRedis.layer({ url }))
    const second = yield* Layer.build(Layer.fresh(NodeRedis.layer({ url })))
    return {
      a: yield* EsimAccessRedis.makeWebhookDedupeStore(options).pipe(Effect.provide(first)),
      b: yield* EsimAccessRedis.makeWebhookDedupeStore(options).pipe(Effect.provide(second)),
      redis: Context.get(first, Redis.Redis)
    }
  })

/** POSTs until the receiver answers 200 (409 and 500 are retried, as eSIM Access redelivers); answers the text. */
const deliver = (url: string, body: string) =>
  Effect.promise(async () => {
    for (let attempt = 1; attempt <= 100; attempt++) {
      const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } })
      const text = await response.text()
      if (response.status === 200) return text
      if (response.status !== 409 && response.status !== 500) throw new Error(`HTTP ${response.status}: ${text}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error("never answered 200")
  })

reportMissingRedis()

describe.skipIf(redisBinary === undefined)("the Redis de-duplication store (redis-server on 127.0.0.1)", () => {
  it.live(
    "claims across replicas: one claimed, in-flight elsewhere, duplicate once complete; namespaced keys",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const { a, b, redis } = yield* twoReplicas(server.url, { prefix: "shop-eu:webhook:" })
        assert.strictEqual(yield* a.claim("notifyId:1"), "claimed")
        assert.strictEqual(yield* b.claim("notifyId:1"), "in-flight")
        // another replica's release never drops a claim it does not hold
        yield* b.release("notifyId:1")
        assert.strictEqual(yield* b.claim("notifyId:1"), "in-flight")
        yield* a.complete("notifyId:1")
        assert.strictEqual(yield* b.claim("notifyId:1"), "duplicate")
        assert.strictEqual(yield* a.claim("notifyId:1"), "duplicate")
        // a failed handler releases its claim: the redelivery is handled (here by the other replica)
        assert.strictEqual(yield* a.claim("notifyId:2"), "claimed")
        yield* a.release("notifyId:2")
        assert.strictEqual(yield* b.claim("notifyId:2"), "claimed")
        const keys = (yield* redis.send<Array<string>>("KEYS", "*").pipe(Effect.orDie)).sort()
        assert.deepStrictEqual(keys, ["shop-eu:webhook:notifyId:1", "shop-eu:webhook:notifyId:2"])
        assert.strictEqual(yield* redis.send<string>("GET", "shop-eu:webhook:notifyId:1").pipe(Effect.orDie), "done")
        // remembered for ttl (default 1 day), the claim held for lockTtl (default 5 minutes)
        const ttl = yield* redis.send<number>("PTTL", "shop-eu:webhook:notifyId:1").pipe(Effect.orDie)
        assert.isTrue(ttl > 86_000_000 && ttl <= 86_400_000)
        const lock = yield* redis.send<number>("PTTL", "shop-eu:webhook:notifyId:2").pipe(Effect.orDie)
        assert.isTrue(lock > 290_000 && lock <= 300_000)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "keys per account: two accounts on one Redis and prefix never share de-duplication state or see the access code",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const context = yield* Layer.build(NodeRedis.layer({ url: server.url }))
        const redis = Context.get(context, Redis.Redis)
        const store = (options: EsimAccessRedis.WebhookStoreOptions) =>
          EsimAccessRedis.makeWebhookDedupeStore(options).pipe(Effect.provide(context))
        const a = yield* store({ accessCode: "access-code-of-account-a" })
        const a2 = yield* store({ accessCode: Redacted.make("access-code-of-account-a") })
        const b = yield* store({ accessCode: "access-code-of-account-b" })
        const none = yield* store({})
        // one notifyId (or one content hash) seen by both accounts: each account handles its own
        assert.strictEqual(yield* a.claim("notifyId:same"), "claimed")
        assert.strictEqual(yield* b.claim("notifyId:same"), "claimed")
        assert.strictEqual(yield* a2.claim("notifyId:same"), "in-flight", "the same account, as a Redacted")
        yield* a.complete("notifyId:same")
        assert.strictEqual(yield* a2.claim("notifyId:same"), "duplicate")
        assert.strictEqual(yield* b.claim("notifyId:same"), "in-flight", "b's claim is its own")
        yield* b.release("notifyId:same")
        assert.strictEqual(yield* b.claim("notifyId:same"), "claimed", "b's release left a's done key alone")
        // without an account: one namespace of its own, shared by every store without one
        assert.strictEqual(yield* none.claim("notifyId:same"), "claimed")
        const keys = (yield* redis.send<Array<string>>("KEYS", "*").pipe(Effect.orDie)).sort()
        const keyA = EsimAccessRedis.accountKey("access-code-of-account-a")
        const keyB = EsimAccessRedis.accountKey("access-code-of-account-b")
        assert.notStrictEqual(keyA, keyB)
        assert.deepStrictEqual(
          keys,
          [
            `esim-access:webhook:${keyA}:notifyId:same`,
            `esim-access:webhook:${keyB}:notifyId:same`,
            "esim-access:webhook:notifyId:same"
          ].sort()
        )
        assert.isFalse(keys.some((key) => key.includes("access-code")))
        assert.strictEqual(
          yield* redis.send<string>("GET", `esim-access:webhook:${keyA}:notifyId:same`).pipe(Effect.orDie),
          "done"
        )
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "durations that are not positive and finite fall back to the defaults (claims keep working)",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const { a, b, redis } = yield* twoReplicas(server.url, { ttl: NaN, lockTtl: -1, timeout: Infinity })
        assert.strictEqual(yield* a.claim("notifyId:n"), "claimed")
        assert.strictEqual(yield* b.claim("notifyId:n"), "in-flight")
        const lock = yield* redis.send<number>("PTTL", "esim-access:webhook:notifyId:n").pipe(Effect.orDie)
        assert.isTrue(lock > 290_000 && lock <= 300_000, `lock ${lock}`)
        yield* a.complete("notifyId:n")
        assert.strictEqual(yield* b.claim("notifyId:n"), "duplicate")
        const ttl = yield* redis.send<number>("PTTL", "esim-access:webhook:notifyId:n").pipe(Effect.orDie)
        assert.isTrue(ttl > 86_000_000 && ttl <= 86_400_000, `ttl ${ttl}`)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "a claim left by a dead replica expires after lockTtl; its late release does not drop the new claim",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const { a, b } = yield* twoReplicas(server.url, { lockTtl: "150 millis" })
        assert.strictEqual(yield* a.claim("notifyId:x"), "claimed")
        assert.strictEqual(yield* b.claim("notifyId:x"), "in-flight")
        yield* Effect.sleep("250 millis")
        assert.strictEqual(yield* b.claim("notifyId:x"), "claimed")
        yield* a.release("notifyId:x")
        assert.strictEqual(yield* a.claim("notifyId:x"), "in-flight")
        yield* b.complete("notifyId:x")
        assert.strictEqual(yield* a.claim("notifyId:x"), "duplicate")
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "of 20 concurrent claims of one key across two replicas exactly one is claimed",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const { a, b } = yield* twoReplicas(server.url)
        const claims = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claim("notifyId:race")),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(claims.filter((c) => c === "claimed").length, 1)
        assert.strictEqual(claims.filter((c) => c === "in-flight").length, 19)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "two receiver processes sharing the store: every notifyId handled exactly once",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const [first, second] = yield* workers("webhookWorker.ts", [
          { REDIS_URL: server.url, PREFIX: "test:webhook:" },
          { REDIS_URL: server.url, PREFIX: "test:webhook:" }
        ])
        const urls = yield* Effect.promise(() =>
          Promise.all([first!.line("listening "), second!.line("listening ")].map((p) => p.then((u) => `${u}/hook`)))
        )
        // 40 events, 10 of them failing once wherever they are first handled; each delivered to both replicas at
        // once (a redelivery racing the first delivery), retried on 409/500 as eSIM Access does, then once more
        const ids = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? `flaky-${i}` : `event-${i}`))
        const answers = yield* Effect.forEach(
          ids,
          (id) => Effect.all(urls.map((url) => deliver(url, event(id))), { concurrency: "unbounded" }),
          { concurrency: 10 }
        )
        const again = yield* Effect.forEach(ids, (id) => Effect.forEach(urls, (url) => deliver(url, event(id))))
        first!.send("report")
        second!.send("report")
        const reports = yield* Effect.promise(() => Promise.all([first!.line("handled "), second!.line("handled ")]))
        const handled = reports.map((r) => JSON.parse(r) as Array<string>)
        const all = [...handled[0]!, ...handled[1]!].sort()
        console.log(
          `[redis webhook] events ${ids.length}, handled by the first process ${handled[0]!.length}, by the second ${
            handled[1]!.length
          }`
        )
        assert.deepStrictEqual(all, [...ids].sort())
        // one delivery of each event was handled ("ok"), every other one was a duplicate
        for (const pair of answers) assert.deepStrictEqual([...pair].sort(), ["duplicate", "ok"])
        assert.isTrue(again.flat().every((text) => text === "duplicate"))
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "Redis unreachable: claims fail with WebhookDedupeStoreError, the receiver answers 500 (redelivered)",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const context = yield* Layer.build(NodeRedis.layer({ url: server.url }))
        const store = yield* EsimAccessRedis.makeWebhookDedupeStore().pipe(Effect.provide(context))
        const handled: Array<string> = []
        const app = WebhookReceiver.app((e) => Effect.sync(() => void handled.push(e.notifyId ?? "")), { dedupe: true })
          .pipe(Effect.provideService(WebhookReceiver.WebhookDedupeStore, store))
        assert.deepStrictEqual(yield* call(app, event("before")), { status: 200, text: "ok" })
        yield* server.kill
        const claim = yield* Effect.exit(store.claim("notifyId:during"))
        assert.isTrue(Exit.isFailure(claim))
        if (Exit.isFailure(claim)) {
          const failure = claim.cause.reasons.find((reason) => reason._tag === "Fail")
          assert.strictEqual(failure?._tag === "Fail" ? failure.error._tag : undefined, "WebhookDedupeStoreError")
        }
        assert.deepStrictEqual(yield* call(app, event("during")), { status: 500, text: "store failed" })
        assert.deepStrictEqual(handled, ["before"])
      }).pipe(Effect.scoped, Effect.provide(quiet)),
    30_000
  )
})
