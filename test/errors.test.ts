import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import {
  Balance,
  EsimAccessConfig,
  EsimAccessError,
  EsimAccessTest,
  Locations,
  Orders,
  Packages,
  Profiles,
  Sms,
  TopUp,
  Usage,
  Webhook
} from "effect-esim-access"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import { createServer } from "node:net"
import { fixture, fixtureNames } from "./clientSupport.ts"

/** Retries off: these tests look at one answer's mapping. */
const noRetry = { retry: false, rateLimit: false } as const

const expectedTag: Record<string, EsimAccessError.EsimAccessError["_tag"]> = {
  "000101": "InvalidRequest",
  "000105": "InvalidRequest",
  "101003": "Authentication",
  "200002": "OperationNotAllowed",
  "200005": "PriceMismatch",
  "200006": "PriceMismatch",
  "200007": "InsufficientBalance",
  "310241": "NotFound",
  "310272": "NotFound",
  "310402": "DuplicateTransaction",
  "900001": "ServerBusy"
}

const errorFixtures = fixtureNames(/^error\.\d{6}\..*\.json$/)

type Call = Effect.Effect<
  unknown,
  EsimAccessError.EsimAccessError,
  EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
>

/**
 * The call for each endpoint a fixture name can end with (`error.<code>.<what>.<endpoint>.json`), with the path it
 * posts to. A fixture without an endpoint is a generic error any endpoint may answer: it is replayed on
 * `balance/query`, a read.
 */
const endpoints: Record<string, { readonly path: string; readonly call: Call }> = {
  balance_query: { path: "balance/query", call: Balance.query() },
  package_list: { path: "package/list", call: Packages.list({ locationCode: "JP" }) },
  location_list: { path: "location/list", call: Locations.list() },
  esim_order: {
    path: "esim/order",
    call: Orders.create({
      transactionId: "shop-order-1042",
      amount: 36000,
      packageInfoList: [{ packageCode: "CKH002", count: 2, price: 18000 }]
    })
  },
  esim_query: { path: "esim/query", call: Profiles.query({ orderNo: "B25010112340001" }) },
  esim_cancel: { path: "esim/cancel", call: Profiles.cancel({ esimTranNo: "25010112340001" }) },
  esim_suspend: { path: "esim/suspend", call: Profiles.suspend({ esimTranNo: "25010112340001" }) },
  esim_unsuspend: { path: "esim/unsuspend", call: Profiles.unsuspend({ esimTranNo: "25010112340001" }) },
  esim_revoke: { path: "esim/revoke", call: Profiles.revoke({ esimTranNo: "25010112340001" }) },
  esim_topup: {
    path: "esim/topup",
    call: TopUp.create({ esimTranNo: "25010112340001", packageCode: "TOPUP_CKH491", transactionId: "shop-topup-77" })
  },
  esim_sendSms: { path: "esim/sendSms", call: Sms.send({ esimTranNo: "25010112340001", message: "hello" }) },
  esim_usage_query: { path: "esim/usage/query", call: Usage.check(["25010112340001"]) },
  webhook_save: { path: "webhook/save", call: Webhook.save("https://shop.example/esim-access/webhook") },
  webhook_query: { path: "webhook/query", call: Webhook.query() }
}

/** The endpoint a fixture's name names, or `balance_query` for a generic one. */
const endpointOf = (name: string): string => {
  const parts = name.split(".")
  return parts.length === 5 ? parts[3]! : "balance_query"
}

describe("API error codes map to tagged errors", () => {
  it("every error fixture has an expected tag and a call for the endpoint it names", () => {
    assert.isAbove(errorFixtures.length, 10)
    for (const name of errorFixtures) {
      assert.isDefined(expectedTag[name.split(".")[1]!], name)
      assert.isDefined(endpoints[endpointOf(name)], `${name}: no call for ${endpointOf(name)}`)
    }
    // the fixtures that name an endpoint are replayed there, not on a read
    assert.deepStrictEqual(
      [...new Set(errorFixtures.map(endpointOf))].sort(),
      ["balance_query", "esim_cancel", "esim_order", "esim_query"]
    )
  })

  for (const name of errorFixtures) {
    const code = name.split(".")[1]!
    const body = fixture(name) as { errorMsg: string }
    // an endpoint without a call fails here (and in the test above), never falls back to another endpoint
    const { call, path } = endpoints[endpointOf(name)] ?? {
      path: endpointOf(name),
      call: Effect.die(new Error(`${name}: no call for ${endpointOf(name)}`))
    }
    it.effect(`${name} → ${expectedTag[code]} on ${path}`, () =>
      Effect.gen(function*() {
        const error = yield* call.pipe(Effect.flip)
        assert.strictEqual(error._tag, expectedTag[code])
        assert.isTrue("code" in error)
        if (!("code" in error)) return
        assert.strictEqual(error.code, code)
        assert.strictEqual(error.message, body.errorMsg)
        assert.strictEqual(error.endpoint, path)
        assert.strictEqual(error.attempt, 1)
        // one attempt, to that endpoint: none of these is worth repeating as is (a DuplicateTransaction on the
        // first attempt is not a lost answer), or retries are off
        const requests = yield* EsimAccessTest.requests
        assert.deepStrictEqual(requests.map((r) => r.path), [path])
      }).pipe(
        // only the named endpoint answers with the fixture; any other path answers HTTP 404
        Effect.provide(EsimAccessTest.layer({ [path]: () => EsimAccessTest.envelope(fixture(name)) }, noRetry))
      ))
  }

  it.effect("esim_query.not_ready.error.json → ProfileNotReady on esim/query", () =>
    Effect.gen(function*() {
      const error = yield* Profiles.query({ orderNo: "B25010112340001" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProfileNotReady")
      if (error._tag !== "ProfileNotReady") return
      assert.strictEqual(error.code, "200010")
      assert.strictEqual(error.message, "the batchOrder has been getting resource, total:[2], success:[0]")
      assert.strictEqual(error.endpoint, "esim/query")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.not_ready.error.json")), noRetry)
      )
    ))

  it.effect("the endpoint in the error is the path that failed", () =>
    Effect.gen(function*() {
      const error = yield* Orders.create({ transactionId: "t", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "InsufficientBalance")
      if (error._tag === "InsufficientBalance") assert.strictEqual(error.endpoint, "esim/order")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() =>
          EsimAccessTest.envelope(fixture("error.200007.insufficient_balance.esim_order.json"))
        )
      )
    ))

  const families: ReadonlyArray<readonly [string, EsimAccessError.EsimAccessError["_tag"]]> = [
    ["000001", "ServerBusy"],
    ["000102", "InvalidRequest"],
    ["000199", "InvalidRequest"],
    ["101001", "Authentication"],
    ["101002", "Authentication"],
    ["101999", "Authentication"],
    ["200008", "InvalidRequest"],
    ["200009", "OperationNotAllowed"],
    ["200011", "ProfilesUnavailable"],
    ["310201", "NotFound"],
    ["310403", "NotFound"],
    ["310999", "NotFound"],
    ["400001", "InvalidRequest"],
    ["401001", "Authentication"],
    ["123456", "UnknownApiError"],
    ["999999", "UnknownApiError"]
  ]
  for (const [code, tag] of families) {
    it.effect(`code ${code} → ${tag}`, () =>
      Effect.gen(function*() {
        const error = yield* Balance.query().pipe(Effect.flip)
        assert.strictEqual(error._tag, tag)
        if ("code" in error) {
          assert.strictEqual(error.code, code)
          assert.strictEqual(error.message, "the message")
        }
      }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.apiError(code, "the message"), noRetry))))
  }

  it("fromCode is the same mapping, for users who build errors", () => {
    const error = EsimAccessError.fromCode("200007", "the balance is insufficient", "esim/order")
    assert.strictEqual(error._tag, "InsufficientBalance")
    assert.strictEqual(error.code, "200007")
    assert.strictEqual(error.endpoint, "esim/order")
    assert.strictEqual(EsimAccessError.fromCode("777777", "?", "x")._tag, "UnknownApiError")
  })
})

describe("envelope variants (reference §1.4, §7)", () => {
  const balance = (envelope: unknown) =>
    Balance.query().pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(envelope), noRetry)))

  it.effect("success as the string \"true\"", () =>
    Effect.gen(function*() {
      const result = yield* balance({ success: "true", errorCode: "0", errorMsg: null, obj: { balance: 5 } })
      assert.strictEqual(result.balance, 5)
    }))

  it.effect("success as the string \"false\" is a failure", () =>
    Effect.gen(function*() {
      const error = yield* balance({ success: "false", errorCode: "200007", errorMsg: "no money", obj: null }).pipe(
        Effect.flip
      )
      assert.strictEqual(error._tag, "InsufficientBalance")
    }))

  it.effect("errorCode null, \"0\", or missing on success", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        (yield* balance({ success: true, errorCode: null, errorMsg: null, obj: { balance: 1 } })).balance,
        1
      )
      assert.strictEqual(
        (yield* balance({ success: true, errorCode: "0", errorMsg: null, obj: { balance: 2 } })).balance,
        2
      )
      assert.strictEqual((yield* balance({ success: true, errorCode: 0, obj: { balance: 3 } })).balance, 3)
      assert.strictEqual((yield* balance({ success: true, obj: { balance: 4 } })).balance, 4)
    }))

  it.effect("errorCode as a number keeps its six digits", () =>
    Effect.gen(function*() {
      const busy = yield* balance({ success: false, errorCode: 900001, errorMsg: "busy", obj: null }).pipe(Effect.flip)
      assert.strictEqual(busy._tag, "ServerBusy")
      const invalid = yield* balance({ success: false, errorCode: 105, errorMsg: "missing", obj: null }).pipe(
        Effect.flip
      )
      assert.strictEqual(invalid._tag, "InvalidRequest")
      if (invalid._tag === "InvalidRequest") assert.strictEqual(invalid.code, "000105")
    }))

  it.effect("errorMessage instead of errorMsg", () =>
    Effect.gen(function*() {
      const error = yield* balance({
        success: false,
        errorCode: "200007",
        errorMessage: "the balance is insufficient",
        obj: null
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "InsufficientBalance")
      assert.strictEqual(error.message, "the balance is insufficient")
    }))

  it.effect("a message-only \"getting resource\" answer is ProfileNotReady", () =>
    Effect.gen(function*() {
      const error = yield* balance({
        success: false,
        errorCode: null,
        errorMsg: "the batchOrder has been Getting Resource, total:[1], success:[0]",
        obj: null
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProfileNotReady")
    }))

  it.effect("a failure without code or message is UnknownApiError", () =>
    Effect.gen(function*() {
      const error = yield* balance({ success: false, errorCode: null, errorMsg: null, obj: null }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "UnknownApiError")
    }))

  it.effect("extra fields never fail, in the envelope or in obj", () =>
    Effect.gen(function*() {
      const result = yield* balance({
        success: true,
        errorCode: "0",
        errorMsg: null,
        traceId: "abc",
        obj: { balance: 7, lastUpdated: "2025-01-01T00:00:00Z", currency: { code: "USD" } }
      })
      assert.deepStrictEqual(result, { balance: 7 })
      const packages = yield* Packages.list().pipe(
        Effect.provide(
          EsimAccessTest.layer(() => {
            const body = fixture("package_list.response.json") as {
              obj: { packageList: Array<Record<string, unknown>>; newTopLevel?: unknown }
            }
            body.obj.newTopLevel = [1, 2]
            for (const p of body.obj.packageList) p["brandNewField"] = { nested: true }
            return EsimAccessTest.envelope(body)
          }, noRetry)
        )
      )
      assert.strictEqual(packages.length, 3)
    }))
})

describe("the error union", () => {
  it("isTransient: busy, transport failures, 429, 5xx and an expired timestamp", () => {
    const api = (code: string) => EsimAccessError.fromCode(code, "m", "balance/query")
    const transport = (reason: "Connection" | "Timeout" | "Status", status?: number) =>
      new EsimAccessError.TransportError({
        endpoint: "balance/query",
        reason,
        message: "m",
        ...(status === undefined ? {} : { status })
      })
    assert.isTrue(EsimAccessError.isTransient(api("900001")))
    assert.isTrue(EsimAccessError.isTransient(api("000001")))
    assert.isTrue(EsimAccessError.isTransient(api("101001")))
    assert.isTrue(EsimAccessError.isTransient(transport("Connection")))
    assert.isTrue(EsimAccessError.isTransient(transport("Timeout")))
    assert.isTrue(EsimAccessError.isTransient(transport("Status", 429)))
    assert.isTrue(EsimAccessError.isTransient(transport("Status", 500)))
    assert.isTrue(EsimAccessError.isTransient(transport("Status", 503)))
    for (const code of ["200007", "200005", "200006", "200010", "310402", "101003", "000105", "123456"]) {
      assert.isFalse(EsimAccessError.isTransient(api(code)), code)
    }
    assert.isFalse(EsimAccessError.isTransient(transport("Status", 404)))
    assert.isFalse(EsimAccessError.isTransient(transport("Status", 400)))
    assert.isFalse(
      EsimAccessError.isTransient(new EsimAccessError.DecodeError({ endpoint: "x", path: "obj", message: "m" }))
    )
  })

  it("errors survive a round trip through the union schema", () => {
    const errors: ReadonlyArray<EsimAccessError.EsimAccessError> = [
      EsimAccessError.fromCode("200007", "the balance is insufficient", "esim/order", 2),
      new EsimAccessError.TransportError({
        endpoint: "balance/query",
        reason: "Status",
        status: 429,
        retryAfter: 2000,
        bodyExcerpt: "slow down",
        message: "balance/query: HTTP 429"
      }),
      new EsimAccessError.DecodeError({ endpoint: "package/list", path: "obj.packageList[0].price", message: "m" })
    ]
    for (const error of errors) {
      const encoded = Schema.encodeUnknownSync(EsimAccessError.EsimAccessError)(error)
      const decoded = Schema.decodeUnknownSync(EsimAccessError.EsimAccessError)(JSON.parse(JSON.stringify(encoded)))
      assert.strictEqual(decoded._tag, error._tag)
      assert.deepStrictEqual({ ...decoded }, { ...error })
    }
  })
})

describe("EsimAccessTest replies", () => {
  it.effect("a path without a handler answers HTTP 404", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.status, 404)
        assert.include(error.bodyExcerpt, "balance/query")
      }
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": () => EsimAccessTest.ok({}) }, noRetry))))

  it.effect("apiError uses the documented message when none is given", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error.message, "the balance is insufficient")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.apiError("200007"), noRetry))))
})

describe("connection failures name their cause", () => {
  it.effect("a refused connection says ECONNREFUSED (real fetch, loopback port just closed)", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = createServer().listen(0, "127.0.0.1", () => {
            const address = server.address()
            server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
          })
        })
      )
      const error = yield* Balance.query().pipe(
        Effect.provide(
          Layer.merge(
            EsimAccessConfig.layer({ accessCode: "code", baseUrl: `http://127.0.0.1:${port}`, ...noRetry }),
            FetchHttpClient.layer
          )
        ),
        Effect.flip
      )
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.reason : undefined, "Connection")
      assert.include(error.message, "ECONNREFUSED")
    }))
})
