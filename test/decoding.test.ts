import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { Balance, EsimAccessTest, Packages, Profiles, TopUp, Usage } from "effect-esim-access"
import { fixture } from "./clientSupport.ts"

const noRetry = { retry: false, rateLimit: false } as const

type Catalogue = { obj: { packageList: Array<Record<string, unknown>> } }
type Query = { obj: { esimList: Array<Record<string, unknown>> } }

/** package_list.response.json with the first package's fields replaced. */
const catalogueWith = (fields: Record<string, unknown>, index = 0) => {
  const body = fixture("package_list.response.json") as Catalogue
  Object.assign(body.obj.packageList[index]!, fields)
  return body
}

const listWith = (body: unknown) =>
  Packages.list().pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(body), noRetry)))

/** esim_query.in_use.response.json with the profile's fields replaced. */
const profileWith = (fields: Record<string, unknown>) => {
  const body = fixture("esim_query.in_use.response.json") as Query
  Object.assign(body.obj.esimList[0]!, fields)
  return Profiles.query({ orderNo: "B1" }).pipe(
    Effect.map(({ profiles }) => profiles[0]!),
    Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(body), noRetry))
  )
}

describe("decoding field values", () => {
  it.effect("times with +0000, Z and +00:00 decode to the same UTC instant", () =>
    Effect.gen(function*() {
      const expected = DateTime.toEpochMillis(DateTime.makeUnsafe("2025-07-10T12:34:56Z"))
      for (const expiredTime of ["2025-07-10T12:34:56+0000", "2025-07-10T12:34:56Z", "2025-07-10T12:34:56+00:00"]) {
        const profile = yield* profileWith({ expiredTime })
        assert.isTrue(DateTime.isUtc(profile.expiredTime!), expiredTime)
        assert.strictEqual(DateTime.toEpochMillis(profile.expiredTime!), expected, expiredTime)
      }
    }))

  it.effect("a non-UTC offset is converted to UTC", () =>
    Effect.gen(function*() {
      const profile = yield* profileWith({ expiredTime: "2025-07-10T20:34:56+0800" })
      assert.strictEqual(
        DateTime.toEpochMillis(profile.expiredTime!),
        DateTime.toEpochMillis(DateTime.makeUnsafe("2025-07-10T12:34:56Z"))
      )
    }))

  it.effect("a malformed time is a DecodeError naming the field", () =>
    Effect.gen(function*() {
      const error = yield* profileWith({ expiredTime: "next tuesday" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag === "DecodeError") assert.strictEqual(error.path, "obj.esimList[0].expiredTime")
    }))

  it.effect("byte volumes beyond 2^32 stay exact", () =>
    Effect.gen(function*() {
      const big = 2 ** 40 + 7 // 1 TiB + 7 bytes
      const [pkg] = yield* listWith(catalogueWith({ volume: big }))
      assert.strictEqual(pkg?.volume, 1099511627783)
      const profile = yield* profileWith({ totalVolume: 10737418240, orderUsage: "5368709121" })
      assert.strictEqual(profile.totalVolume, 10737418240)
      assert.strictEqual(profile.orderUsage, 5368709121)
      const result = yield* TopUp.create({ esimTranNo: "1", packageCode: "P", transactionId: "t" }).pipe(
        Effect.provide(
          EsimAccessTest.layer(() => {
            const body = fixture("esim_topup.response.json") as { obj: Record<string, unknown> }
            body.obj["totalVolume"] = 9007199254740991
            return EsimAccessTest.envelope(body)
          }, noRetry)
        )
      )
      assert.strictEqual(result.totalVolume, Number.MAX_SAFE_INTEGER)
    }))

  it.effect("numeric strings are accepted", () =>
    Effect.gen(function*() {
      const [pkg] = yield* listWith(catalogueWith({ price: "18000", volume: "3221225472", duration: "30" }))
      assert.strictEqual(pkg?.price, 18000)
      assert.strictEqual(pkg?.volume, 3221225472)
      assert.strictEqual(pkg?.duration, 30)
      const { balance } = yield* Balance.query().pipe(
        Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: "940000" }), noRetry))
      )
      assert.strictEqual(balance, 940000)
    }))

  for (const bad of ["", "12abc", " ", "NaN", "Infinity", "1e5"]) {
    it.effect(`a malformed number ${JSON.stringify(bad)} is a short DecodeError naming the field path`, () =>
      Effect.gen(function*() {
        const error = yield* listWith(catalogueWith({ price: bad })).pipe(Effect.flip)
        assert.strictEqual(error._tag, "DecodeError")
        if (error._tag !== "DecodeError") return
        assert.strictEqual(error.endpoint, "package/list")
        assert.strictEqual(error.path, "obj.packageList[0].price")
        assert.include(error.message, "obj.packageList[0].price")
        assert.isBelow(error.message.length, 300)
        assert.isBelow(String(error).length, 600)
      }))
  }

  it.effect("the path names the failing element of a list", () =>
    Effect.gen(function*() {
      const error = yield* listWith(catalogueWith({ volume: "12abc" }, 2)).pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag === "DecodeError") assert.strictEqual(error.path, "obj.packageList[2].volume")
    }))

  it.effect("a fractional byte count is rejected, not rounded", () =>
    Effect.gen(function*() {
      const error = yield* listWith(catalogueWith({ volume: 1.5 })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag === "DecodeError") assert.strictEqual(error.path, "obj.packageList[0].volume")
    }))

  it.effect("a missing required field is a DecodeError naming it", () =>
    Effect.gen(function*() {
      const body = fixture("esim_usage_query.response.json") as {
        obj: { esimUsageList: Array<Record<string, unknown>> }
      }
      delete body.obj.esimUsageList[1]!["totalData"]
      const error = yield* Usage.check(["1"]).pipe(
        Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(body), noRetry)),
        Effect.flip
      )
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.include(error.path, "totalData")
      assert.isBelow(error.message.length, 300)
    }))

  it.effect("unknown status values decode as strings", () =>
    Effect.gen(function*() {
      const profile = yield* profileWith({ esimStatus: "SOMETHING_NEW", smdpStatus: "ARCHIVED" })
      assert.strictEqual(profile.esimStatus, "SOMETHING_NEW")
      assert.strictEqual(profile.smdpStatus, "ARCHIVED")
    }))

  it.effect("a huge malformed catalogue still gives a short error", () =>
    Effect.gen(function*() {
      const body = fixture("package_list.response.json") as Catalogue
      const template = body.obj.packageList[0]!
      body.obj.packageList = Array.from({ length: 2000 }, (_, i) => ({ ...template, price: i % 2 === 0 ? "x" : 1 }))
      const error = yield* listWith(body).pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      assert.isBelow(error.message.length, 300)
      assert.isBelow(JSON.stringify(error).length, 1000)
    }))
})

describe("answers that are not a JSON envelope", () => {
  it.effect("an HTML page with HTTP 200 is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag !== "DecodeError") return
      assert.strictEqual(error.endpoint, "balance/query")
      assert.include(error.message, "not JSON")
      assert.isBelow(error.message.length, 300)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          () => EsimAccessTest.status(200, `<html><body>${"Maintenance ".repeat(500)}</body></html>`),
          noRetry
        )
      )
    ))

  it.effect("an empty body with HTTP 200 is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(200, ""), noRetry))))

  it.effect("JSON that is not an envelope is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
      if (error._tag === "DecodeError") assert.include(error.message, "success")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope({ status: "ok" }), noRetry))))

  it.effect("success with obj null where a payload is expected is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "DecodeError")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          () => EsimAccessTest.envelope({ success: true, errorCode: null, errorMsg: null, obj: null }),
          noRetry
        )
      )
    ))

  it.effect("HTTP 502 with an HTML page is a TransportError with the status and a short excerpt", () =>
    Effect.gen(function*() {
      const page = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${"x".repeat(5000)}</body></html>`
      const error = yield* Balance.query().pipe(
        Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(502, page), noRetry)),
        Effect.flip
      )
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag !== "TransportError") return
      assert.strictEqual(error.reason, "Status")
      assert.strictEqual(error.status, 502)
      assert.strictEqual(error.endpoint, "balance/query")
      assert.include(error.bodyExcerpt, "502 Bad Gateway")
      assert.isBelow(error.bodyExcerpt!.length, 300)
      assert.isBelow(error.message.length, 300)
    }))

  it.effect("HTTP 404 is a TransportError, not retried", () =>
    Effect.gen(function*() {
      const error = yield* Balance.query().pipe(Effect.flip)
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.status, 404)
      assert.strictEqual((yield* EsimAccessTest.requests).length, 1)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(404, "not found")))))
})
