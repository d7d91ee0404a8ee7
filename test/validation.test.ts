import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { EsimAccessTest, Orders, Packages, Profiles, Sms, TopUp, Usage, Webhook } from "effect-esim-access"
import type { EsimAccessConfig, EsimAccessError } from "effect-esim-access"
import type { HttpClient } from "effect/http"

/**
 * Checks that `call` failed with InvalidRequest (`code: "client"`, a short message naming `field`) without
 * sending anything, against a fake that would have answered every request.
 */
const check = (field: string, endpoint: string) => <A, R>(call: Effect.Effect<A, EsimAccessError.EsimAccessError, R>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(call)
    assert.strictEqual(error._tag, "InvalidRequest")
    if (error._tag !== "InvalidRequest") return
    assert.strictEqual(error.code, "client")
    assert.strictEqual(error.endpoint, endpoint)
    assert.include(error.message, field)
    assert.isBelow(error.message.length, 300)
    assert.deepStrictEqual(yield* EsimAccessTest.requests, [])
  }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({}))))

const order = (overrides: Partial<Orders.CreateParams> = {}): Orders.CreateParams => ({
  transactionId: "t-1",
  packageInfoList: [{ packageCode: "CKH002", count: 1 }],
  ...overrides
})

describe("input is validated before anything is sent", () => {
  it.effect("transactionId empty", () =>
    check("transactionId", "esim/order")(Orders.create(order({ transactionId: "" }))))

  it.effect("transactionId of 51 characters", () =>
    check("transactionId", "esim/order")(Orders.create(order({ transactionId: "x".repeat(51) }))))

  it.effect("transactionId of 50 characters is accepted", () =>
    Effect.gen(function*() {
      yield* Orders.create(order({ transactionId: "x".repeat(50) }))
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ orderNo: "B1", transactionId: "x".repeat(50) })))
    ))

  it.effect("count 0", () =>
    check("count", "esim/order")(Orders.create(order({ packageInfoList: [{ packageCode: "CKH002", count: 0 }] }))))

  it.effect("an empty packageInfoList", () =>
    check("packageInfoList", "esim/order")(Orders.create(order({ packageInfoList: [] }))))

  it.effect("an empty packageCode", () =>
    check("packageCode", "esim/order")(Orders.create(order({ packageInfoList: [{ packageCode: "", count: 1 }] }))))

  it.effect("periodNum out of 1 to 365", () =>
    check("periodNum", "esim/order")(
      Orders.create(order({ packageInfoList: [{ packageCode: "D", count: 1, periodNum: 366 }] }))
    ))

  it.effect("a fractional or negative price", () =>
    Effect.gen(function*() {
      yield* check("price", "esim/order")(
        Orders.create(order({ packageInfoList: [{ packageCode: "D", count: 1, price: 1.5 }] }))
      )
      yield* check("amount", "esim/order")(Orders.create(order({ amount: -1 })))
    }))

  it.effect("usage of no esimTranNo", () => check("esimTranNoList", "esim/usage/query")(Usage.check([])))

  it.effect("usage of 11 esimTranNos", () =>
    check("esimTranNoList", "esim/usage/query")(Usage.check(Array.from({ length: 11 }, (_, i) => String(i)))))

  it.effect("usage of 10 esimTranNos is accepted", () =>
    Effect.gen(function*() {
      yield* Usage.check(Array.from({ length: 10 }, (_, i) => String(i)))
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ esimUsageList: [] })))))

  it.effect("pageNum 0", () =>
    check("pageNum", "esim/query")(Profiles.query({ orderNo: "B1", pager: { pageNum: 0, pageSize: 20 } })))

  it.effect("pageSize 4", () =>
    check("pageSize", "esim/query")(Profiles.query({ orderNo: "B1", pager: { pageNum: 1, pageSize: 4 } })))

  it.effect("pageSize 501", () =>
    check("pageSize", "esim/query")(Profiles.query({ orderNo: "B1", pager: { pageNum: 1, pageSize: 501 } })))

  it.effect("pageSize 5 and 500 are accepted", () =>
    Effect.gen(function*() {
      yield* Profiles.query({ orderNo: "B1", pager: { pageNum: 1, pageSize: 5 } })
      yield* Profiles.query({ orderNo: "B1", pager: { pageNum: 10_000, pageSize: 500 } })
      assert.strictEqual((yield* EsimAccessTest.requests).length, 2)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.ok({ esimList: [], pager: { pageNum: 1, pageSize: 5, total: 0 } }))
      )
    ))

  it.effect("a query with no identifier and no time range", () =>
    check("orderNo", "esim/query")(Profiles.query({} as unknown as Profiles.QueryParams)))

  it.effect("a query with two identifiers", () =>
    check("orderNo", "esim/query")(
      Profiles.query({ orderNo: "B1", iccid: "8900" } as unknown as Profiles.QueryParams)
    ))

  it.effect("SMS of 0 characters", () => check("message", "esim/sendSms")(Sms.send({ esimTranNo: "1", message: "" })))

  it.effect("SMS of 501 characters", () =>
    check("message", "esim/sendSms")(Sms.send({ esimTranNo: "1", message: "x".repeat(501) })))

  it.effect("SMS of 500 characters is accepted", () =>
    Effect.gen(function*() {
      yield* Sms.send({ esimTranNo: "1", message: "x".repeat(500) })
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({})))))

  const bothOrNeither = [
    ["esim/cancel", (ref: Profiles.ProfileRef) => Profiles.cancel(ref)],
    ["esim/suspend", (ref: Profiles.ProfileRef) => Profiles.suspend(ref)],
    ["esim/unsuspend", (ref: Profiles.ProfileRef) => Profiles.unsuspend(ref)],
    ["esim/revoke", (ref: Profiles.ProfileRef) => Profiles.revoke(ref)],
    ["esim/sendSms", (ref: Profiles.ProfileRef) => Sms.send({ ...ref, message: "hi" })],
    [
      "esim/topup",
      (ref: Profiles.ProfileRef) => TopUp.create({ ...ref, packageCode: "TOPUP_X", transactionId: "t" })
    ]
  ] as const

  for (const [endpoint, call] of bothOrNeither) {
    it.effect(`${endpoint} with both esimTranNo and iccid`, () =>
      check("esimTranNo", endpoint)(call({ esimTranNo: "1", iccid: "89" } as unknown as Profiles.ProfileRef)))

    it.effect(`${endpoint} with neither esimTranNo nor iccid`, () =>
      check("iccid", endpoint)(call({} as unknown as Profiles.ProfileRef)))

    it.effect(`${endpoint} with an empty esimTranNo`, () => check("esimTranNo", endpoint)(call({ esimTranNo: "" })))
  }

  it.effect("top-up transactionId of 51 characters", () =>
    check("transactionId", "esim/topup")(
      TopUp.create({ esimTranNo: "1", packageCode: "TOPUP_X", transactionId: "x".repeat(51) })
    ))

  it.effect("a webhook that is not an http(s) URL", () =>
    check("webhook", "webhook/save")(Webhook.save("hooks.example")))

  it.effect("an unknown package type", () => check("type", "package/list")(Packages.list({ type: "ADDON" as "BASE" })))
})

/** what an untyped caller can pass; the casts stand for JavaScript */
const untyped = <T>(value: unknown) => value as T

describe("parameters of another shape than the types say (from JavaScript): an InvalidRequest, never a throw", () => {
  type Call = () => Effect.Effect<
    unknown,
    EsimAccessError.EsimAccessError,
    EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
  >
  const calls: ReadonlyArray<readonly [string, string, Call]> = [
    ["Orders.create(undefined)", "esim/order", () => Orders.create(untyped(undefined))],
    ["Orders.create without packageInfoList", "esim/order", () => Orders.create(untyped({ transactionId: "t-1" }))],
    ["Packages.list(null)", "package/list", () => Packages.list(untyped(null))],
    ["Profiles.query(undefined)", "esim/query", () => Profiles.query(untyped(undefined))],
    ["TopUp.create(null)", "esim/topup", () => TopUp.create(untyped(null))],
    ["Sms.send(undefined)", "esim/sendSms", () => Sms.send(untyped(undefined))],
    ["Usage.check(undefined)", "esim/usage/query", () => Usage.check(untyped(undefined))],
    ["Webhook.save(42)", "webhook/save", () => Webhook.save(untyped(42))]
  ]
  for (const [name, endpoint, call] of calls) {
    it.effect(name, () =>
      Effect.gen(function*() {
        // building the effect must not throw either
        const effect = call()
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidRequest")
        if (error._tag === "InvalidRequest") assert.strictEqual(error.endpoint, endpoint)
        assert.deepStrictEqual(yield* EsimAccessTest.requests, [])
      }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({})))))
  }

  it.effect("Profiles.stream(undefined)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runCollect(Profiles.stream(untyped(undefined))))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.deepStrictEqual(yield* EsimAccessTest.requests, [])
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({})))))
})
