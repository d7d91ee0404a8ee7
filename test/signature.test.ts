import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { Balance, EsimAccessTest, Orders } from "effect-esim-access"
import { TestClock } from "effect/testing"
import { createHash, createHmac } from "node:crypto"
import * as Sha256 from "../src/internal/sha256.ts"
import * as Signature from "../src/internal/signature.ts"
import { untilRequests } from "./clientSupport.ts"

const accessCode = "test-access-code"
const secretKey = "s3cr3t-key"

/** The reference algorithm (§1.3), computed independently with node:crypto. */
const expectedSignature = (key: string, request: EsimAccessTest.RecordedRequest) =>
  createHmac("sha256", key)
    .update(
      request.headers["rt-timestamp"]! + request.headers["rt-requestid"]! + request.headers["rt-accesscode"]! +
        request.bodyText
    )
    .digest("hex")

describe("HMAC signing (reference §1.3)", () => {
  it.effect("the published test vector", () =>
    Effect.gen(function*() {
      const signature = Signature.sign("1111", {
        timestamp: "1628670421",
        requestId: "4ce9d9cdac9e4e17b3a2c66c358c1ce2",
        accessCode: "11111",
        body: "{\"imsi\":\"326543826\"}"
      })
      assert.strictEqual(signature, "7eb765e27df5373dea2dbc8c41a7d9557743e46c8054750f3d851b3fd01d0835")
    }))

  it.effect("signs UTF-8 bytes of non-ASCII bodies like node:crypto", () =>
    Effect.gen(function*() {
      const input = { timestamp: "1", requestId: "abc", accessCode: "ä", body: "{\"message\":\"Grüße 👋\"}" }
      const signature = Signature.sign("këy", input)
      const expected = createHmac("sha256", "këy")
        .update(input.timestamp + input.requestId + input.accessCode + input.body)
        .digest("hex")
      assert.strictEqual(signature, expected)
    }))

  it("request ids are 32 lowercase hex digits and fresh", () => {
    const ids = new Set(Array.from({ length: 50 }, Signature.requestId))
    assert.strictEqual(ids.size, 50)
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/)
  })

  it.effect("with a secretKey every request carries RT-Timestamp, RT-RequestID and a valid RT-Signature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_123)
      yield* Orders.create({ transactionId: "t-1", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
      const [request] = yield* EsimAccessTest.requests
      assert.isDefined(request)
      if (request === undefined) return
      assert.strictEqual(request.headers["rt-timestamp"], "1700000000123")
      assert.match(request.headers["rt-requestid"]!, /^[0-9a-f]{32}$/)
      assert.match(request.headers["rt-signature"]!, /^[0-9a-f]{64}$/)
      assert.strictEqual(request.headers["rt-signature"], expectedSignature(secretKey, request))
      // and the signed bytes are the bytes sent
      assert.strictEqual(request.bodyText, JSON.stringify(request.body))
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.ok({ orderNo: "B1", transactionId: "t-1" }), { secretKey })
      )
    ))

  it.effect("a Redacted secretKey works the same", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.strictEqual(request?.headers["rt-signature"], expectedSignature(secretKey, request!))
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), { secretKey: Redacted.make(secretKey) })
      )
    ))

  it.effect("a retry is signed afresh: new timestamp, new request id, same body", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Balance.query())
      yield* untilRequests(1)
      yield* TestClock.adjust(250)
      yield* untilRequests(2)
      yield* TestClock.adjust(500)
      yield* untilRequests(3)
      assert.deepStrictEqual(yield* Fiber.join(fiber), { balance: 1 })
      const requests = yield* EsimAccessTest.requests
      assert.strictEqual(requests.length, 3)
      assert.deepStrictEqual(requests.map((r) => r.headers["rt-timestamp"]), ["0", "250", "750"])
      assert.strictEqual(new Set(requests.map((r) => r.headers["rt-requestid"])).size, 3)
      for (const request of requests) {
        assert.strictEqual(request.bodyText, requests[0]!.bodyText)
        assert.strictEqual(request.headers["rt-signature"], expectedSignature(secretKey, request))
      }
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(
          (request) =>
            request.index === 1 ?
              EsimAccessTest.apiError("101001") :
              request.index === 2 ?
              EsimAccessTest.drop :
              EsimAccessTest.ok({ balance: 1 }),
          { secretKey, retry: { jitter: false }, rateLimit: false }
        )
      )
    ))

  it.effect("without a secretKey no signature headers are sent", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.strictEqual(request?.headers["rt-accesscode"], accessCode)
      for (const name of ["rt-timestamp", "rt-requestid", "rt-signature"]) {
        assert.isUndefined(request?.headers[name], name)
      }
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 })))))

  it.effect("an empty secretKey means no signing", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.isUndefined(request?.headers["rt-signature"])
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), { secretKey: "" }))))

  it.effect("no RT-SecretKey header is ever sent", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.isUndefined(request?.headers["rt-secretkey"])
      assert.notInclude(JSON.stringify(request?.headers), secretKey)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), { secretKey }))))
})

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff)

describe("SHA-256 and HMAC in plain TypeScript", () => {
  it("match node:crypto on every padding boundary and long keys", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 70_000]) {
      const data = bytes(n)
      assert.strictEqual(Sha256.toHex(Sha256.sha256(data)), createHash("sha256").update(data).digest("hex"), `n=${n}`)
      for (const keyLength of [0, 1, 32, 64, 65, 200]) {
        const key = bytes(keyLength).reverse()
        assert.strictEqual(
          Sha256.toHex(Sha256.hmacSha256(key, data)),
          createHmac("sha256", key).update(data).digest("hex"),
          `n=${n} key=${keyLength}`
        )
      }
    }
  })
})
