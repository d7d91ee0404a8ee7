import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Logger, References, Tracer } from "effect"
import { Balance, EsimAccessConfig, EsimAccessTest, Orders, Packages } from "effect-esim-access"
import type { EsimAccessError } from "effect-esim-access"
import { Headers, HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { inspect } from "node:util"
import { fixture, untilRequests } from "./clientSupport.ts"

const accessCode = "AC-7f3c2a9e5b1d4e6f8a0b"
const secretKey = "SK-c0ffee12deadbeef3456"
const options = { accessCode, secretKey, retry: false, rateLimit: false } as const

const assertClean = (text: string, where: string) => {
  assert.notInclude(text, accessCode, where)
  assert.notInclude(text, secretKey, where)
}

/** Every way a user may print an error. */
const assertErrorClean = (error: EsimAccessError.EsimAccessError) => {
  assertClean(String(error), `String(${error._tag})`)
  assertClean(JSON.stringify(error), `JSON.stringify(${error._tag})`)
  assertClean(error.message, `${error._tag}.message`)
  assertClean(inspect(error, { depth: 10 }), `inspect(${error._tag})`)
  assertClean(String(Cause.fail(error)), `String(Cause.fail(${error._tag}))`)
}

/** Calls that fail in every way the pipeline can fail. */
const failures: ReadonlyArray<readonly [string, EsimAccessTest.Handler]> = [
  ["api error", () => EsimAccessTest.apiError("101003")],
  ["dropped connection", () => EsimAccessTest.drop],
  ["HTTP 502", () => EsimAccessTest.status(502, "<html>bad gateway</html>")],
  ["HTML 200", () => EsimAccessTest.status(200, "<html>hello</html>")],
  ["decode", () => EsimAccessTest.ok({ balance: "x" })],
  ["timeout", () => Effect.never],
  // a server (or a proxy) that echoes the credentials it was sent
  ["401 echoing the headers", (request) => EsimAccessTest.status(401, JSON.stringify(request.headers))],
  [
    "error message echoing the access code",
    (request) => EsimAccessTest.apiError("101003", `bad signature for ${request.headers["rt-accesscode"]}`)
  ],
  [
    "decode of a value echoing the access code",
    (request) => EsimAccessTest.ok({ balance: `${request.headers["rt-accesscode"]}` })
  ],
  ["non-JSON echoing the access code", (request) => EsimAccessTest.status(200, `${request.headers["rt-accesscode"]}`)]
]

describe("credentials never leak", () => {
  for (const [name, handler] of failures) {
    it.effect(`errors: ${name}`, () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(Balance.query())
        yield* untilRequests(1)
        yield* TestClock.adjust("1 minute")
        const exit = fiber.pollUnsafe()
        assert.isDefined(exit)
        assert.isTrue(exit !== undefined && Exit.isFailure(exit))
        if (exit === undefined || Exit.isSuccess(exit)) return
        const error = Cause.findErrorOption(exit.cause)
        assert.strictEqual(error._tag, "Some")
        if (error._tag === "Some") assertErrorClean(error.value)
        assertClean(String(exit.cause), "String(cause)")
        // the credentials were sent: the test would be vacuous otherwise
        const [request] = yield* EsimAccessTest.requests
        assert.strictEqual(request?.headers["rt-accesscode"], accessCode)
      }).pipe(Effect.provide(EsimAccessTest.layer(handler, options))))
  }

  it.effect("errors: input rejected before sending", () =>
    Effect.gen(function*() {
      const error = yield* Orders.create({ transactionId: accessCode + "x".repeat(50), packageInfoList: [] }).pipe(
        Effect.flip
      )
      assert.strictEqual(error._tag, "InvalidRequest")
      // the user's own input may appear; the configured secret key must not
      assert.notInclude(String(error), secretKey)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({}), options))))

  it("the config service prints no credential", () => {
    const config = EsimAccessConfig.make({ accessCode, secretKey })
    assertClean(String(config), "String(config)")
    assertClean(JSON.stringify(config), "JSON.stringify(config)")
    assertClean(inspect(config, { depth: 10 }), "inspect(config)")
    assertClean(String(config.accessCode), "String(accessCode)")
    assert.include(JSON.stringify(config), "<redacted>")
  })

  it.effect("logs, including a logged failure cause, hold no credential", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const collect = Logger.map(Logger.formatJson, (line) => {
        lines.push(line)
      })
      const program = Effect.gen(function*() {
        yield* Balance.query()
        yield* Packages.list()
        yield* Balance.query().pipe(Effect.tapCause((cause) => Effect.logError("balance failed", cause)))
      }).pipe(
        Effect.tapCause((cause) => Effect.logError("program failed", cause)),
        Effect.exit
      )
      const exit = yield* program.pipe(
        Effect.provide(Logger.layer([collect])),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.isAbove(lines.length, 0)
      for (const line of lines) assertClean(line, "log line")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer((request) =>
          request.path === "package/list" ?
            EsimAccessTest.envelope(fixture("package_list.response.json")) :
            request.index === 1 ?
            EsimAccessTest.ok({ balance: 1 }) :
            EsimAccessTest.apiError("101003", `rejected ${request.headers["rt-accesscode"]}`), options)
      )
    ))
})

/** A tracer that keeps every span it makes. */
const collectSpans = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const allAttributes = (spans: ReadonlyArray<Tracer.NativeSpan>) =>
  spans.flatMap((span) => [...span.attributes].map(([key, value]) => [span.name, key, String(value)] as const))

describe("spans", () => {
  it.effect("are named EsimAccess.<path> with endpoint and attempt, and hold no credential", () =>
    Effect.gen(function*() {
      const { spans, tracer } = collectSpans()
      const result = yield* Balance.query().pipe(
        Effect.provideService(Tracer.Tracer, tracer),
        // record every header on the HTTP client span, the worst case for leaks
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      assert.deepStrictEqual(result, { balance: 1 })
      const span = spans.find((s) => s.name === "EsimAccess.balance/query")
      assert.isDefined(span)
      assert.strictEqual(span?.attributes.get("esim_access.endpoint"), "balance/query")
      assert.strictEqual(span?.attributes.get("esim_access.attempt"), 1)
      assert.strictEqual(span?.status._tag, "Ended")
      const http = spans.find((s) => s.name !== "EsimAccess.balance/query" && s.kind === "client")
      assert.isDefined(http)
      assert.strictEqual(http?.attributes.get("http.request.header.rt-accesscode"), "<redacted>")
      assert.strictEqual(http?.attributes.get("http.request.header.rt-signature"), "<redacted>")
      for (const [name, key, value] of allAttributes(spans)) {
        assertClean(value, `${name} ${key}`)
        assertClean(key, `${name} ${key}`)
      }
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), options))))

  it.effect("record the error tag, the error code and the last attempt", () =>
    Effect.gen(function*() {
      const { spans, tracer } = collectSpans()
      const fiber = yield* Effect.forkChild(Balance.query().pipe(Effect.provideService(Tracer.Tracer, tracer)))
      yield* TestClock.adjust("10 seconds")
      const exit = fiber.pollUnsafe()
      assert.isTrue(exit !== undefined && Exit.isFailure(exit))
      const span = spans.find((s) => s.name === "EsimAccess.balance/query")
      assert.strictEqual(span?.attributes.get("esim_access.attempt"), 4)
      assert.strictEqual(span?.attributes.get("esim_access.error"), "ServerBusy")
      assert.strictEqual(span?.attributes.get("esim_access.error_code"), "900001")
      assert.strictEqual(spans.filter((s) => s.name === "EsimAccess.balance/query").length, 1)
      for (const [name, key, value] of allAttributes(spans)) assertClean(value, `${name} ${key}`)
    }).pipe(
      Effect.provide(
        // unsigned: the TestClock drives the retries without waiting for Web Crypto
        EsimAccessTest.layer(() => EsimAccessTest.apiError("900001"), {
          accessCode,
          retry: { jitter: false },
          rateLimit: false
        })
      )
    ))

  it.effect("the redacted header names are extended only inside the call", () =>
    Effect.gen(function*() {
      const before = yield* Headers.CurrentRedactedNames
      yield* Balance.query()
      const after = yield* Headers.CurrentRedactedNames
      assert.deepStrictEqual(after, before)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), options))))
})

describe("a credential cut by the excerpt leaves no prefix of itself", () => {
  // a prefix long enough to identify the credential, short enough to survive any cut that splits it
  const prefixes = [accessCode.slice(0, 6), secretKey.slice(0, 6)]
  const assertNoPrefix = (text: string, where: string) => {
    for (const prefix of prefixes) assert.notInclude(text, prefix, where)
  }

  it.effect("DecodeError.message, whatever the offset of the echoed secret around the 200-character cut", () =>
    Effect.gen(function*() {
      let cut = 0
      // paddings from well before to well after the cut, one character at a time: some of them split each
      // credential at every one of its characters
      for (let padding = 150; padding <= 230; padding++) {
        const error = yield* Balance.query().pipe(
          Effect.provide(
            EsimAccessTest.layer(
              () => EsimAccessTest.ok({ balance: `${"x".repeat(padding)}${accessCode}${secretKey}` }),
              options
            )
          ),
          Effect.flip
        )
        assert.strictEqual(error._tag, "DecodeError", `padding ${padding}`)
        assertNoPrefix(error.message, `DecodeError.message, padding ${padding}`)
        assertNoPrefix(String(error), `String(DecodeError), padding ${padding}`)
        if (error.message.endsWith("…")) cut++
      }
      // the messages really were cut, and around the credentials: the test would be vacuous otherwise
      assert.isAbove(cut, 40)
    }))

  it.effect("an HTML error page echoing the secret across the excerpt's cut", () =>
    Effect.gen(function*() {
      for (let padding = 180; padding <= 205; padding++) {
        const error = yield* Balance.query().pipe(
          Effect.provide(
            EsimAccessTest.layer(() => EsimAccessTest.status(502, `${"y".repeat(padding)}${accessCode}`), options)
          ),
          Effect.flip
        )
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assertNoPrefix(error.bodyExcerpt ?? "", `bodyExcerpt, padding ${padding}`)
      }
    }))
})

describe("the server's errorCode is scrubbed", () => {
  const echoedCodes: ReadonlyArray<readonly [string, (request: EsimAccessTest.RecordedRequest) => string]> = [
    ["the access code as the code", (request) => request.headers["rt-accesscode"] ?? ""],
    ["the secret key inside the code", () => `E-${secretKey}-1`],
    // longer than the 32 characters kept of an undocumented code: the access code straddles the cut
    [
      "the access code across the cut of a long code",
      (request) => `${"9".repeat(28)}${request.headers["rt-accesscode"]}`
    ]
  ]
  const replies: ReadonlyArray<readonly [string, (envelope: unknown) => Response]> = [
    ["HTTP 200", (envelope) => EsimAccessTest.envelope(envelope)],
    ["HTTP 400", (envelope) => EsimAccessTest.status(400, JSON.stringify(envelope))]
  ]
  for (const [name, code] of echoedCodes) {
    for (const [replyName, reply] of replies) {
      it.effect(`${name} (${replyName}): neither the error nor the span attribute esim_access.error_code holds it`, () =>
        Effect.gen(function*() {
          const { spans, tracer } = collectSpans()
          const error = yield* Balance.query().pipe(Effect.provideService(Tracer.Tracer, tracer), Effect.flip)
          assert.strictEqual(error._tag, "UnknownApiError")
          if (error._tag !== "UnknownApiError") return
          assertErrorClean(error)
          for (const secret of [accessCode, secretKey]) assert.notInclude(error.code, secret.slice(0, 6), "error.code")
          assert.isAtMost(error.code.length, 33)
          const span = spans.find((s) => s.name === "EsimAccess.balance/query")
          assert.strictEqual(span?.attributes.get("esim_access.error_code"), error.code)
          for (const [spanName, key, value] of allAttributes(spans)) {
            for (const secret of [accessCode, secretKey]) {
              assert.notInclude(value, secret.slice(0, 6), `${spanName} ${key}`)
            }
          }
          // the server really sent a credential in the code: the test would be vacuous otherwise
          const [request] = yield* EsimAccessTest.requests
          const sent = request === undefined ? "" : code(request)
          assert.isTrue(sent.includes(accessCode) || sent.includes(secretKey))
        }).pipe(
          Effect.provide(
            EsimAccessTest.layer(
              (request) => reply({ success: false, errorCode: code(request), errorMsg: "rejected", obj: null }),
              options
            )
          )
        ))
    }
  }

  it.effect("a documented code is kept as it is, and still maps to its tag and span attribute", () =>
    Effect.gen(function*() {
      const { spans, tracer } = collectSpans()
      const error = yield* Balance.query().pipe(Effect.provideService(Tracer.Tracer, tracer), Effect.flip)
      assert.strictEqual(error._tag, "Authentication")
      if (error._tag === "Authentication") assert.strictEqual(error.code, "101003")
      const span = spans.find((s) => s.name === "EsimAccess.balance/query")
      assert.strictEqual(span?.attributes.get("esim_access.error_code"), "101003")
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.apiError("101003"), options))))
})
