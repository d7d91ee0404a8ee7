import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import { Balance, EsimAccessConfig, EsimAccessTest, Money, Orders } from "effect-esim-access"
import { advance, failureOf, times } from "./clientSupport.ts"

describe("retry bounds", () => {
  it.effect("jittered delays never exceed maxDelay", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "1 minute")
      assert.isTrue(Exit.isFailure(exit))
      const starts = times(yield* EsimAccessTest.requests)
      assert.strictEqual(starts.length, 7)
      const gaps = starts.slice(1).map((t, i) => t - starts[i]!)
      // base 1 s doubles to 2, 4, 8…, capped at 3 s; jitter must not push a capped delay past the cap
      for (const gap of gaps) assert.isAtMost(gap, 3000)
      assert.isAtLeast(gaps[gaps.length - 1]!, 2400)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), {
      retry: { times: 6, base: "1 second", maxDelay: "3 seconds" },
      rateLimit: false
    }))))

  it.effect("a Retry-After beyond 60 seconds is returned, not waited for", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "1 second")
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.status, 429)
        assert.strictEqual(error.retryAfter, 3_600_000)
      }
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(429, "", { "retry-after": "3600" })))))
})

describe("non-2xx answers", () => {
  it.effect("an API error envelope behind HTTP 400 keeps its code", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "InsufficientBalance")
      if (error._tag === "InsufficientBalance") assert.strictEqual(error.code, "200007")
    }).pipe(Effect.provide(EsimAccessTest.layer(() =>
      EsimAccessTest.status(
        400,
        JSON.stringify({ success: false, errorCode: "200007", errorMsg: "the balance is insufficient", obj: null }),
        { "content-type": "application/json" }
      )
    ))))

  it.effect("a busy envelope behind HTTP 500 is ServerBusy and retried", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "10 seconds")
      assert.deepStrictEqual(Exit.isSuccess(exit) ? exit.value : undefined, { balance: 5 })
      assert.strictEqual((yield* EsimAccessTest.requests).length, 2)
    }).pipe(Effect.provide(EsimAccessTest.layer((request) =>
      request.index === 1 ?
        EsimAccessTest.status(500, JSON.stringify({ success: false, errorCode: "900001", errorMsg: "busy" })) :
        EsimAccessTest.ok({ balance: 5 }), { retry: {} }))))
})

describe("empty credentials", () => {
  it.effect("an empty access code fails before sending", () =>
    Effect.gen(function*() {
      const error = yield* Orders.create({ transactionId: "t", packageInfoList: [{ packageCode: "P", count: 1 }] })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 0)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({}), { accessCode: "" }))))

  it.effect("layerConfig rejects an empty ESIM_ACCESS_CODE", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(EsimAccessConfig.layerConfig()).pipe(
        Effect.scoped,
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ESIM_ACCESS_CODE: "" }))),
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
    }))
})

describe("Money", () => {
  it("-0 parses to 0", () => {
    assert.isTrue(Object.is(Option.getOrThrow(Money.fromDecimalString("-0")), 0))
    assert.isTrue(Object.is(Option.getOrThrow(Money.fromDecimalString("-0.00")), 0))
  })
})
