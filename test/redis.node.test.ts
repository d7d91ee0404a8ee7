/**
 * `effect-esim-access/node/Redis` one layer away: `NodeRedis.layerWebhookDedupeStore({ url })` and
 * `NodeRedis.withRateLimit({ url })` bundle their Redis connection, checked on a real `redis-server`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Logger } from "effect"
import { Balance, EsimAccessConfig, EsimAccessTest, WebhookReceiver } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import { Redis } from "effect/persistence"
import { redisBinary, redisServer, reportMissingRedis } from "./redisSupport.ts"
import { fixtureJson, hook, post, serve } from "./webhookHelpers.ts"

reportMissingRedis()

const failureTag = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return undefined
  const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  return failure?._tag === "Fail" ? (failure.error as { readonly _tag?: string })._tag : undefined
}

describe.skipIf(redisBinary === undefined)("effect-esim-access/node/Redis: one layer with its connection", () => {
  it.live(
    "layerWebhookDedupeStore({ url, accessCode }): two replicas' layers share claims, keys per account",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const options = { url: server.url, accessCode: "access-code-of-account-a", ttl: "1 hour" } as const
        // two replicas: two builds of the one-line layer, two connections
        const first = yield* Layer.build(NodeRedis.layerWebhookDedupeStore(options))
        const second = yield* Layer.build(NodeRedis.layerWebhookDedupeStore(options))
        const a = Context.get(first, WebhookReceiver.WebhookDedupeStore)
        const b = Context.get(second, WebhookReceiver.WebhookDedupeStore)
        assert.strictEqual(yield* a.claim("notifyId:1"), "claimed")
        assert.strictEqual(yield* b.claim("notifyId:1"), "in-flight")
        yield* a.complete("notifyId:1")
        assert.strictEqual(yield* b.claim("notifyId:1"), "duplicate")
        const redis = Context.get(yield* Layer.build(NodeRedis.layer({ url: server.url })), Redis.Redis)
        const key = `esim-access:webhook:${EsimAccessRedis.accountKey(options.accessCode)}:notifyId:1`
        assert.deepStrictEqual(yield* redis.send<Array<string>>("KEYS", "*").pipe(Effect.orDie), [key])
        const ttl = yield* redis.send<number>("PTTL", key).pipe(Effect.orDie)
        assert.isTrue(ttl > 3_500_000 && ttl <= 3_600_000, `ttl ${ttl}`)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "a receiver served on a real Node server with the one-line store: a redelivery is a duplicate",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        let runs = 0
        const Webhooks = WebhookReceiver.layer(() => Effect.sync(() => void runs++), { dedupe: true }).pipe(
          Layer.provide(NodeRedis.layerWebhookDedupeStore({ url: server.url, accessCode: "code" }))
        )
        const body = JSON.stringify({ ...fixtureJson("ORDER_STATUS"), notifyId: "one-line" })
        const replies = yield* Effect.gen(function*() {
          return [(yield* post(hook, body)).text, (yield* post(hook, body)).text]
        }).pipe(Effect.provide(serve(Webhooks)))
        assert.deepStrictEqual(replies, ["ok", "duplicate"])
        assert.strictEqual(runs, 1)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "withRateLimit({ url }): two replicas' configurations share one limit for the account",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        const replica = () =>
          Layer.mergeAll(
            EsimAccessConfig.layer({ accessCode: "access-code-of-account-a", baseUrl: "https://x.test" }).pipe(
              NodeRedis.withRateLimit({ url: server.url })
            ),
            EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 }))
          )
        const finished: Array<number> = []
        const calls = (layer: ReturnType<typeof replica>) =>
          Effect.forEach(
            Array.from({ length: 4 }),
            () => Balance.query().pipe(Effect.tap(() => Effect.sync(() => void finished.push(Date.now())))),
            { concurrency: "unbounded" }
          ).pipe(Effect.provide(layer))
        yield* Effect.all([calls(replica()), calls(replica())], { concurrency: "unbounded" })
        // 8 calls, one slot (130 ms) apart across both replicas: per-process limiters would start all 8 at once
        const sorted = [...finished].sort((x, y) => x - y)
        assert.strictEqual(sorted.length, 8)
        assert.isAtLeast(sorted[7]! - sorted[0]!, 7 * 130 - 30)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "both layers fail with a typed RedisError when Redis is unreachable at startup",
    () =>
      Effect.gen(function*() {
        const server = yield* redisServer
        yield* server.kill
        const store = yield* Effect.exit(Layer.build(NodeRedis.layerWebhookDedupeStore({ url: server.url })))
        assert.strictEqual(failureTag(store), "RedisError")
        const config = yield* Effect.exit(
          Layer.build(EsimAccessConfig.layer({ accessCode: "a" }).pipe(NodeRedis.withRateLimit({ url: server.url })))
        )
        assert.strictEqual(failureTag(config), "RedisError")
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))),
    30_000
  )
})
