import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted } from "effect"
import { Balance, EsimAccessConfig, EsimAccessTest } from "effect-esim-access"
import { advance, failureOf, times } from "./clientSupport.ts"

const withEnv = (env: Record<string, string | undefined>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(env))

/** The config the layer builds from `env`. */
const configFrom = (
  env: Record<string, string | undefined>,
  options?: Parameters<typeof EsimAccessConfig.layerConfig>[0]
) =>
  Effect.gen(function*() {
    return yield* EsimAccessConfig.EsimAccessConfig
  }).pipe(
    Effect.provide(EsimAccessConfig.layerConfig(options).pipe(Layer.provide(withEnv(env))))
  )

describe("EsimAccessConfig", () => {
  it("unusable timeouts fall back to the defaults instead of throwing or timing out at once", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -5, 0]) {
      const config = EsimAccessConfig.make({ accessCode: "code", timeout: bad, catalogueTimeout: bad })
      assert.strictEqual(Duration.toMillis(config.timeout), 30_000, `timeout ${bad}`)
      assert.strictEqual(Duration.toMillis(config.catalogueTimeout), 120_000, `catalogueTimeout ${bad}`)
    }
    assert.strictEqual(
      Duration.toMillis(EsimAccessConfig.make({ accessCode: "c", timeout: "2 seconds" }).timeout),
      2000
    )
  })

  it.effect("unusable retry options fall back to the defaults: 3 retries from 250 ms", () =>
    Effect.gen(function*() {
      failureOf(yield* advance(Balance.query(), "1 minute"))
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 250, 750, 1750])
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.status(503), {
        retry: { times: Number.NaN, base: Number.NaN, maxDelay: -1, jitter: false }
      }))
    ))

  it.effect("layerConfig reads ESIM_ACCESS_CODE, ESIM_ACCESS_SECRET_KEY and ESIM_ACCESS_BASE_URL", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({
        ESIM_ACCESS_CODE: "from-env-code",
        ESIM_ACCESS_SECRET_KEY: "from-env-secret",
        ESIM_ACCESS_BASE_URL: "http://127.0.0.1:8080/"
      })
      assert.isTrue(Redacted.isRedacted(config.accessCode))
      assert.strictEqual(Redacted.value(config.accessCode), "from-env-code")
      assert.strictEqual(config.secretKey && Redacted.value(config.secretKey), "from-env-secret")
      assert.strictEqual(config.baseUrl, "http://127.0.0.1:8080")
    }))

  it.effect("layerConfig defaults: production host, no secret key, 30 s and 120 s timeouts", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ ESIM_ACCESS_CODE: "code" })
      assert.strictEqual(config.baseUrl, "https://api.esimaccess.com")
      assert.strictEqual(config.baseUrl, EsimAccessConfig.defaultBaseUrl)
      assert.isUndefined(config.secretKey)
      assert.strictEqual(Duration.toMillis(config.timeout), 30_000)
      assert.strictEqual(Duration.toMillis(config.catalogueTimeout), 120_000)
      assert.isDefined(config.retry)
    }))

  it.effect("layerConfig takes the other options from code", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ ESIM_ACCESS_CODE: "code" }, { timeout: "5 seconds", retry: false })
      assert.strictEqual(Duration.toMillis(config.timeout), 5_000)
      assert.isUndefined(config.retry)
    }))

  it.effect("a missing ESIM_ACCESS_CODE is a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* configFrom({ ESIM_ACCESS_SECRET_KEY: "s" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(String(error), "ESIM_ACCESS_CODE")
    }))

  it.effect("an empty ESIM_ACCESS_SECRET_KEY means unsigned requests", () =>
    Effect.gen(function*() {
      const config = yield* configFrom({ ESIM_ACCESS_CODE: "code", ESIM_ACCESS_SECRET_KEY: "" })
      assert.isUndefined(config.secretKey)
    }))

  it.effect("an empty or blank ESIM_ACCESS_BASE_URL means the production host", () =>
    Effect.gen(function*() {
      for (const value of ["", "  "]) {
        const config = yield* configFrom({ ESIM_ACCESS_CODE: "code", ESIM_ACCESS_BASE_URL: value })
        assert.strictEqual(config.baseUrl, EsimAccessConfig.defaultBaseUrl)
      }
    }))

  it.effect("a base URL that is not an http(s) URL is an InvalidRequest, sent nowhere and not retried", () =>
    Effect.gen(function*() {
      for (
        const [baseUrl, expected] of [
          ["api.esimaccess.com", "not a URL"],
          ["ftp://api.esimaccess.com", "must be http or https"],
          ["http://user:hunter2@127.0.0.1:4010", "must not carry a user name or password"],
          ["https://api.esimaccess.com/?x=1", "must not have a query or fragment"],
          ["https://api.esimaccess.com#top", "must not have a query or fragment"],
          ["http://127.0.0.1:4010/api/v1/open", "must stop before /api/v1/open"],
          ["http://127.0.0.1:4010/api/v1/open/", "must stop before /api/v1/open"]
        ] as const
      ) {
        const error = yield* Balance.query().pipe(
          Effect.provide(EsimAccessConfig.layer({ accessCode: "code", baseUrl })),
          Effect.flip
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.include(error.message, expected)
        // a password in the URL is never repeated, in the message or the error's JSON
        assert.notInclude(JSON.stringify(error), "hunter2")
        assert.notInclude(error.message, "hunter2")
      }
      assert.deepStrictEqual(yield* EsimAccessTest.requests, [])
    }).pipe(Effect.provide(EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 })))))

  it.effect("a base URL with a path prefix (behind a proxy) is kept", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.strictEqual(request?.url, "http://127.0.0.1:8080/esim/api/v1/open/balance/query")
    }).pipe(
      Effect.provide(Layer.merge(
        EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 })),
        EsimAccessConfig.layer({ accessCode: "code", baseUrl: "http://127.0.0.1:8080/esim/", retry: false })
      ))
    ))

  it.effect("an access code a header cannot carry is an InvalidRequest, sent nowhere and not retried", () =>
    Effect.gen(function*() {
      for (const accessCode of ["bad\ncode", "with space", "ключ", "tab\t"]) {
        const error = yield* Balance.query().pipe(
          Effect.provide(EsimAccessConfig.layer({ accessCode, baseUrl: "http://127.0.0.1:1" })),
          Effect.flip
        )
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.include(error.message, "characters an HTTP header cannot carry")
        assert.notInclude(error.message, accessCode)
      }
      assert.deepStrictEqual(yield* EsimAccessTest.requests, [])
    }).pipe(Effect.provide(EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 })))))

  it.effect("calls made under layerConfig use the configured credentials and host", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.strictEqual(request?.url, "http://127.0.0.1:8080/api/v1/open/balance/query")
      assert.strictEqual(request?.headers["rt-accesscode"], "from-env-code")
      assert.isDefined(request?.headers["rt-signature"])
    }).pipe(
      Effect.provide(
        Layer.merge(
          EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 })),
          EsimAccessConfig.layerConfig().pipe(
            Layer.provide(
              withEnv({
                ESIM_ACCESS_CODE: "from-env-code",
                ESIM_ACCESS_SECRET_KEY: "from-env-secret",
                ESIM_ACCESS_BASE_URL: "http://127.0.0.1:8080"
              })
            )
          )
        )
      )
    ))

  it("make accepts Redacted credentials and strips trailing slashes", () => {
    const config = EsimAccessConfig.make({
      accessCode: Redacted.make("code"),
      secretKey: Redacted.make("key"),
      baseUrl: "https://example.test///"
    })
    assert.strictEqual(Redacted.value(config.accessCode), "code")
    assert.strictEqual(config.secretKey && Redacted.value(config.secretKey), "key")
    assert.strictEqual(config.baseUrl, "https://example.test")
  })

  it("make with an empty secret key signs nothing", () => {
    assert.isUndefined(EsimAccessConfig.make({ accessCode: "c", secretKey: "" }).secretKey)
    assert.isUndefined(EsimAccessConfig.make({ accessCode: "c", secretKey: Redacted.make("") }).secretKey)
  })
})
