import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Balance, EsimAccessTest, Orders, Packages, Profiles, Sms, TopUp, Webhook } from "effect-esim-access"
import { TestClock } from "effect/testing"
import { advance, failureOf, fixture, successOf, times } from "./clientSupport.ts"

/** Exact delays: exponential from 250 ms (250, 500, 1000), no jitter; the limiter stays out of the way. */
const exact = { retry: { jitter: false }, rateLimit: false } as const

const okBalance = () => EsimAccessTest.ok({ balance: 1 })

/** Answers with `failures[n]` for the n-th request (from 0) and with `last` after them. */
const sequence = (failures: ReadonlyArray<() => EsimAccessTest.Reply>, last: () => EsimAccessTest.Reply) =>
(
  request: EsimAccessTest.RecordedRequest
) => (failures[request.index - 1] ?? last)()

const order = {
  transactionId: "shop-order-1042",
  amount: 36000,
  packageInfoList: [{ packageCode: "CKH002", count: 2, price: 18000 }]
}

describe("retry of transient failures", () => {
  it.effect("a dropped connection is retried after the first backoff step", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "1 second")
      assert.deepStrictEqual(successOf(exit), { balance: 1 })
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 250])
    }).pipe(Effect.provide(EsimAccessTest.layer(sequence([() => EsimAccessTest.drop], okBalance), exact))))

  it.effect("5xx answers are retried with exponential backoff and the identical body", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Packages.list({ locationCode: "JP" }), "10 seconds")
      assert.deepStrictEqual(successOf(exit), [])
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(times(requests), [0, 250, 750, 1750])
      for (const request of requests) assert.strictEqual(request.bodyText, requests[0]!.bodyText)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          sequence(
            [
              () => EsimAccessTest.status(500, "oops"),
              () => EsimAccessTest.status(502, "<html>bad gateway</html>"),
              () => EsimAccessTest.status(503)
            ],
            () => EsimAccessTest.ok({ packageList: [] })
          ),
          exact
        )
      )
    ))

  it.effect("the backoff does not fire early", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust(249)
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
      yield* TestClock.adjust(1)
      assert.strictEqual((yield* EsimAccessTest.requests).length, 2)
      assert.isTrue(Exit.isSuccess(fiber.pollUnsafe()!))
    }).pipe(Effect.provide(EsimAccessTest.layer(sequence([() => EsimAccessTest.status(503)], okBalance), exact))))

  it.effect("after 3 retries the last failure is returned", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Balance.query(), "1 minute"))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.status, 503)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 250, 750, 1750])
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), exact))))

  it.effect("times, base and maxDelay are honoured", () =>
    Effect.gen(function*() {
      failureOf(yield* advance(Balance.query(), "1 minute"))
      // delays 100, 200, then capped at 300
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 100, 300, 600, 900, 1200])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.drop, {
          retry: { times: 5, base: "100 millis", maxDelay: "300 millis", jitter: false },
          rateLimit: false
        })
      )
    ))

  it.effect("jittered delays stay within 80 % to 120 % of the backoff", () =>
    Effect.gen(function*() {
      failureOf(yield* advance(Balance.query(), "1 minute"))
      const starts = times(yield* EsimAccessTest.requests)
      assert.strictEqual(starts.length, 4)
      const delays = starts.slice(1).map((t, i) => t - starts[i]!)
      ;[250, 500, 1000].forEach((base, i) => {
        assert.isAtLeast(delays[i]!, base * 0.8)
        assert.isAtMost(delays[i]!, base * 1.2)
      })
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), { retry: {}, rateLimit: false }))))

  it.effect("HTTP 429 honours Retry-After (seconds) as a floor under the backoff", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "10 seconds")
      assert.deepStrictEqual(successOf(exit), { balance: 1 })
      // 2 s instead of 250 ms; then 0 s asked, so the 500 ms backoff step applies
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 2000, 2500])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          sequence([
            () => EsimAccessTest.status(429, "", { "retry-after": "2" }),
            () => EsimAccessTest.status(429, "", { "retry-after": "0" })
          ], okBalance),
          exact
        )
      )
    ))

  it.effect("HTTP 429 honours Retry-After as an HTTP date", () =>
    Effect.gen(function*() {
      // TestClock starts at the epoch: the date is 3 s later
      const exit = yield* advance(Balance.query(), "10 seconds")
      assert.deepStrictEqual(successOf(exit), { balance: 1 })
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 3000])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          sequence([() => EsimAccessTest.status(429, "", { "retry-after": new Date(3000).toUTCString() })], okBalance),
          exact
        )
      )
    ))

  it.effect("a 429 error carries retryAfter in milliseconds", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.retryAfter, 1500)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.status(429, "", { "retry-after": "1.5" }), {
          retry: false,
          rateLimit: false
        })
      )
    ))

  for (const code of ["900001", "000001"]) {
    it.effect(`ServerBusy ${code} is retried`, () =>
      Effect.gen(function*() {
        const exit = yield* advance(Balance.query(), "10 seconds")
        assert.deepStrictEqual(successOf(exit), { balance: 1 })
        assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 250, 750])
      }).pipe(
        Effect.provide(
          EsimAccessTest.layer(
            sequence([() => EsimAccessTest.apiError(code), () => EsimAccessTest.apiError(code)], okBalance),
            exact
          )
        )
      ))
  }

  it.effect("retry: false turns retries off", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Balance.query(), "1 minute"))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), { retry: false }))))

  it.effect("retry: { times: 0 } makes one attempt", () =>
    Effect.gen(function*() {
      failureOf(yield* advance(Balance.query(), "1 minute"))
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.drop, { retry: { times: 0 } }))))
})

describe("no retry of permanent failures", () => {
  const permanent: ReadonlyArray<readonly [string, string]> = [
    ["200007", "InsufficientBalance"],
    ["200005", "PriceMismatch"],
    ["200006", "PriceMismatch"],
    ["310241", "NotFound"],
    ["000105", "InvalidRequest"],
    ["101003", "Authentication"],
    ["200011", "ProfilesUnavailable"],
    ["310402", "DuplicateTransaction"]
  ]
  for (const [code, tag] of permanent) {
    it.effect(`${tag} (${code}) is answered after one attempt`, () =>
      Effect.gen(function*() {
        const error = failureOf(yield* advance(Orders.create(order), "1 minute"))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
      }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.apiError(code), exact))))
  }

  it.effect("ProfileNotReady is returned to the caller, who decides when to poll", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Profiles.query({ orderNo: "B1" }), "1 minute"))
      assert.strictEqual(error._tag, "ProfileNotReady")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.not_ready.error.json")), exact)
      )
    ))

  it.effect("a DecodeError is not retried", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Balance.query(), "1 minute"))
      assert.strictEqual(error._tag, "DecodeError")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: "lots" }), exact))))

  it.effect("input rejected by validation makes no request at all", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Orders.create({ ...order, transactionId: "" }), "1 minute"))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 0)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), exact))))
})

describe("orders and top-ups repeat the identical body", () => {
  it.effect("Orders.create keeps the transactionId and body across attempts", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Orders.create(order), "10 seconds")
      assert.deepStrictEqual(successOf(exit), { orderNo: "B25010112340001", transactionId: "shop-order-1042" })
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(times(requests), [0, 250, 750, 1750])
      for (const request of requests) {
        assert.strictEqual(request.path, "esim/order")
        assert.strictEqual(request.bodyText, requests[0]!.bodyText)
        assert.strictEqual((request.body as { transactionId: string }).transactionId, "shop-order-1042")
      }
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          sequence(
            [() => EsimAccessTest.drop, () => EsimAccessTest.status(503), () => EsimAccessTest.apiError("900001")],
            () => EsimAccessTest.ok({ orderNo: "B25010112340001", transactionId: "shop-order-1042" })
          ),
          exact
        )
      )
    ))

  it.effect("Orders.create is retried after a timeout (the transactionId makes it safe)", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Orders.create(order), "1 minute")
      assert.strictEqual(successOf(exit).orderNo, "B1")
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(times(requests), [0, 30_250])
      assert.strictEqual(requests[1]!.bodyText, requests[0]!.bodyText)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          (request) =>
            request.index === 1 ? Effect.never : EsimAccessTest.ok({ orderNo: "B1", transactionId: "shop-order-1042" }),
          exact
        )
      )
    ))

  it.effect("TopUp.create keeps the transactionId and body across attempts", () =>
    Effect.gen(function*() {
      const exit = yield* advance(
        TopUp.create({ esimTranNo: "1", packageCode: "TOPUP_CKH002", transactionId: "shop-topup-77", amount: 18000 }),
        "10 seconds"
      )
      assert.strictEqual(successOf(exit).transactionId, "txn_demo_topup_0001")
      const requests = yield* EsimAccessTest.requests
      assert.strictEqual(requests.length, 3)
      for (const request of requests) assert.strictEqual(request.bodyText, requests[0]!.bodyText)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          sequence(
            [() => EsimAccessTest.drop, () => EsimAccessTest.status(502)],
            () => EsimAccessTest.envelope(fixture("esim_topup.response.json"))
          ),
          exact
        )
      )
    ))
})

describe("state-changing calls", () => {
  const calls = [
    ["esim/cancel", () => Profiles.cancel({ esimTranNo: "1" })],
    ["esim/suspend", () => Profiles.suspend({ esimTranNo: "1" })],
    ["esim/unsuspend", () => Profiles.unsuspend({ esimTranNo: "1" })],
    ["esim/revoke", () => Profiles.revoke({ esimTranNo: "1" })],
    ["esim/sendSms", () => Sms.send({ esimTranNo: "1", message: "hi" })],
    ["webhook/save", () => Webhook.save("https://hooks.example.com/x")]
  ] as const

  for (const [path, call] of calls) {
    it.effect(`${path} is not retried after a dropped connection`, () =>
      Effect.gen(function*() {
        const error = failureOf(yield* advance(call(), "1 minute"))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.reason, "Connection")
        assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
      }).pipe(
        Effect.provide(EsimAccessTest.layer(sequence([() => EsimAccessTest.drop], () => EsimAccessTest.ok()), exact))
      ))

    it.effect(`${path} is not retried after a timeout`, () =>
      Effect.gen(function*() {
        const error = failureOf(yield* advance(call(), "5 minutes"))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.reason, "Timeout")
        assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
      }).pipe(
        Effect.provide(EsimAccessTest.layer((r) => r.index === 1 ? Effect.never : EsimAccessTest.ok(), exact))
      ))

    it.effect(`${path} is retried after HTTP 429, 503 and ServerBusy`, () =>
      Effect.gen(function*() {
        const exit = yield* advance(call(), "1 minute")
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 1000, 1500, 2500])
      }).pipe(
        Effect.provide(
          EsimAccessTest.layer(
            sequence([
              () => EsimAccessTest.status(429, "", { "retry-after": "1" }),
              () => EsimAccessTest.status(503),
              () => EsimAccessTest.apiError("900001")
            ], () => EsimAccessTest.ok()),
            exact
          )
        )
      ))

    for (const status of [500, 502]) {
      it.effect(`${path} is not retried after HTTP ${status} (the API may have acted)`, () =>
        Effect.gen(function*() {
          const error = failureOf(yield* advance(call(), "1 minute"))
          assert.strictEqual(error._tag, "TransportError")
          if (error._tag === "TransportError") assert.strictEqual(error.status, status)
          assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
        }).pipe(
          Effect.provide(
            EsimAccessTest.layer(sequence([() => EsimAccessTest.status(status)], () => EsimAccessTest.ok()), exact)
          )
        ))
    }
  }
})

describe("timeouts", () => {
  const never = { retry: false, rateLimit: false } as const

  it.effect("no answer becomes TransportError Timeout after the configured timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust("29999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      const error = failureOf(fiber.pollUnsafe()!)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.endpoint, "balance/query")
      assert.include(error.message, "30s")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => Effect.never, never))))

  it.effect("a custom timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust("4999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      const error = failureOf(fiber.pollUnsafe()!)
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => Effect.never, { ...never, timeout: "5 seconds" }))))

  it.effect("a slow answer within the timeout succeeds", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Balance.query(), "29 seconds")
      assert.deepStrictEqual(successOf(exit), { balance: 1 })
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => Effect.as(Effect.sleep("28 seconds"), okBalance()), never))
    ))

  it.effect("package/list gets the longer catalogue timeout", () =>
    Effect.gen(function*() {
      const slowly = Effect.as(
        Effect.sleep("90 seconds"),
        EsimAccessTest.envelope(fixture("package_list.response.json"))
      )
      const packages = yield* advance(
        Packages.list().pipe(Effect.provide(EsimAccessTest.layer(() => slowly, never))),
        "91 seconds"
      )
      assert.strictEqual(successOf(packages).length, 3)

      // the same slow answer on another endpoint times out at 30 s
      const balance = yield* advance(
        Balance.query().pipe(Effect.provide(EsimAccessTest.layer(() => slowly, never))),
        "91 seconds"
      )
      const error = failureOf(balance)
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
    }))

  it.effect("package/list times out at catalogueTimeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Packages.list())
      yield* TestClock.adjust("59999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      const error = failureOf(fiber.pollUnsafe()!)
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => Effect.never, { ...never, catalogueTimeout: "1 minute" }))))

  it.effect("the timeout is per attempt, and a read is retried after one", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Balance.query(), "5 minutes"))
      assert.strictEqual(error._tag === "TransportError" && error.reason, "Timeout")
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 30_250, 60_750, 91_750])
    }).pipe(Effect.provide(EsimAccessTest.layer(() => Effect.never, exact))))
})

describe("Orders.create after DuplicateTransaction", () => {
  const profile = (orderNo: string, transactionId: string) => {
    const body = fixture("esim_query.in_use.response.json") as { obj: { esimList: Array<Record<string, unknown>> } }
    return { ...body.obj.esimList[0]!, orderNo, transactionId }
  }

  it.effect("a retry answered with 310402 returns the original order found by time range", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const exit = yield* advance(Orders.create(order), "10 seconds")
      assert.deepStrictEqual(successOf(exit), { orderNo: "B-ORIGINAL", transactionId: "shop-order-1042" })
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.path), ["esim/order", "esim/order", "esim/query"])
      const query = requests[2]!.body as Record<string, unknown>
      // a range around the first attempt, no identifier
      assert.strictEqual(query["orderNo"], "")
      assert.strictEqual(query["iccid"], "")
      assert.strictEqual(query["esimTranNo"], "")
      assert.isString(query["startTime"])
      assert.isString(query["endTime"])
      const start = Date.parse(query["startTime"] as string)
      const end = Date.parse(query["endTime"] as string)
      assert.isAtMost(start, 3_600_000)
      assert.isAtLeast(end, requests[1]!.time)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": sequence([() => EsimAccessTest.drop], () => EsimAccessTest.apiError("310402")),
          "esim/query": () =>
            EsimAccessTest.ok({
              esimList: [profile("B-OTHER", "someone-else"), profile("B-ORIGINAL", "shop-order-1042")],
              pager: { pageNum: 1, pageSize: 500, total: 2 }
            })
        }, exact)
      )
    ))

  it.effect("310402 on the first attempt is DuplicateTransaction, without a lookup", () =>
    Effect.gen(function*() {
      // the lookup goes on for a minute while the profiles may still be allocated
      const error = failureOf(yield* advance(Orders.create(order), "2 minutes"))
      assert.strictEqual(error._tag, "DuplicateTransaction")
      if (error._tag === "DuplicateTransaction") assert.strictEqual(error.code, "310402")
      assert.deepStrictEqual((yield* EsimAccessTest.requests).map((r) => r.path), ["esim/order"])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": () => EsimAccessTest.envelope(fixture("error.310402.duplicate_transaction.esim_order.json")),
          "esim/query": () =>
            EsimAccessTest.ok({
              esimList: [profile("B-X", "shop-order-1042")],
              pager: { pageNum: 1, pageSize: 500, total: 1 }
            })
        }, exact)
      )
    ))

  it.effect("a retried 310402 whose order cannot be found yet is DuplicateTransaction", () =>
    Effect.gen(function*() {
      // the lookup goes on for a minute while the profiles may still be allocated
      const error = failureOf(yield* advance(Orders.create(order), "2 minutes"))
      assert.strictEqual(error._tag, "DuplicateTransaction")
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.slice(0, 3).map((r) => r.path), ["esim/order", "esim/order", "esim/query"])
      // then one lookup every 3 seconds for a minute, and no further order
      const lookups = requests.filter((r) => r.path === "esim/query").map((r) => r.time)
      assert.strictEqual(requests.filter((r) => r.path === "esim/order").length, 2)
      assert.deepStrictEqual(lookups.slice(1).map((t, i) => t - lookups[i]!), lookups.slice(1).map(() => 3000))
      assert.isAtMost(lookups[lookups.length - 1]! - lookups[0]!, 60_000)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": sequence([() => EsimAccessTest.status(503)], () => EsimAccessTest.apiError("310402")),
          "esim/query": () =>
            EsimAccessTest.ok({
              esimList: [profile("B-OTHER", "someone-else")],
              pager: { pageNum: 1, pageSize: 500, total: 1 }
            })
        }, exact)
      )
    ))

  it.effect("a retried 310402 whose lookup fails is DuplicateTransaction", () =>
    Effect.gen(function*() {
      // the lookup goes on for a minute while the profiles may still be allocated
      const error = failureOf(yield* advance(Orders.create(order), "2 minutes"))
      assert.strictEqual(error._tag, "DuplicateTransaction")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": sequence([() => EsimAccessTest.drop], () => EsimAccessTest.apiError("310402")),
          "esim/query": () => EsimAccessTest.apiError("310272")
        }, exact)
      )
    ))
})
