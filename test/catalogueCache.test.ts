/**
 * The opt-in catalogue cache: which calls it answers, its keys, time-to-live, concurrent misses, failures,
 * invalidation and capacity. Every delay runs on the TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer } from "effect"
import { Balance, CatalogueCache, EsimAccessConfig, EsimAccessTest, Locations, Packages } from "effect-esim-access"
import { TestClock } from "effect/testing"
import { advance, failureOf, fixture, successOf, times, untilRequests } from "./clientSupport.ts"

const exact = { retry: { jitter: false }, rateLimit: false } as const

const catalogue = fixture("package_list.response.json") as { obj: { packageList: ReadonlyArray<unknown> } }
const locations = fixture("location_list.response.json")

/** Answers package/list with the fixture catalogue and location/list with the fixture locations. */
const handlers: Readonly<Record<string, EsimAccessTest.Handler>> = {
  "package/list": () => EsimAccessTest.ok(catalogue.obj),
  "location/list": () => EsimAccessTest.envelope(locations),
  "balance/query": () => EsimAccessTest.ok({ balance: 940000 })
}

const withCache = (
  options: CatalogueCache.Options = {},
  handler: EsimAccessTest.Handler | Readonly<Record<string, EsimAccessTest.Handler>> = handlers,
  config: Partial<EsimAccessConfig.Options> = exact
) => Layer.mergeAll(EsimAccessTest.layer(handler, config), CatalogueCache.layer(options))

const count = (path?: string) =>
  Effect.map(EsimAccessTest.requests, (rs) => rs.filter((r) => path === undefined || r.path === path).length)

describe("CatalogueCache", () => {
  it.effect("a hit answers from memory without an HTTP call, with the same value", () =>
    Effect.gen(function*() {
      const first = yield* Packages.list({ locationCode: "JP" })
      const second = yield* Packages.list({ locationCode: "JP" })
      assert.isAbove(first.length, 0)
      assert.deepStrictEqual(second, first)
      assert.strictEqual(yield* count(), 1)
    }).pipe(Effect.provide(withCache())))

  it.effect("without the layer nothing is cached", () =>
    Effect.gen(function*() {
      yield* Packages.list({ locationCode: "JP" })
      yield* Packages.list({ locationCode: "JP" })
      assert.strictEqual(yield* count(), 2)
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers, exact))))

  it.effect("package/list lives 1 hour by default", () =>
    Effect.gen(function*() {
      yield* Packages.list()
      yield* TestClock.adjust("59 minutes")
      yield* Packages.list()
      assert.strictEqual(yield* count(), 1)
      yield* TestClock.adjust("1 minute")
      yield* Packages.list()
      assert.strictEqual(yield* count(), 2)
      // the new answer is cached again
      yield* Packages.list()
      assert.strictEqual(yield* count(), 2)
    }).pipe(Effect.provide(withCache())))

  it.effect("location/list lives 24 hours by default", () =>
    Effect.gen(function*() {
      const first = yield* Locations.list()
      assert.isAbove(first.length, 0)
      yield* TestClock.adjust("23 hours")
      assert.deepStrictEqual(yield* Locations.list(), first)
      assert.strictEqual(yield* count("location/list"), 1)
      yield* TestClock.adjust("1 hour")
      yield* Locations.list()
      assert.strictEqual(yield* count("location/list"), 2)
    }).pipe(Effect.provide(withCache())))

  it.effect("the time-to-live is configurable per endpoint path", () =>
    Effect.gen(function*() {
      yield* Packages.list()
      yield* Locations.list()
      yield* TestClock.adjust("15 minutes")
      yield* Packages.list()
      yield* Locations.list()
      assert.strictEqual(yield* count("package/list"), 2)
      assert.strictEqual(yield* count("location/list"), 1)
      yield* TestClock.adjust("45 minutes")
      yield* Locations.list()
      assert.strictEqual(yield* count("location/list"), 2)
    }).pipe(Effect.provide(withCache({ ttl: { "package/list": "15 minutes", "location/list": "1 hour" } }))))

  it.effect("overriding one path's time-to-live keeps the other paths' defaults", () =>
    Effect.gen(function*() {
      yield* Packages.list()
      yield* Locations.list()
      yield* TestClock.adjust("20 minutes")
      yield* Packages.list()
      yield* Locations.list()
      assert.strictEqual(yield* count("package/list"), 2)
      // location/list is still cached for its default 24 hours
      assert.strictEqual(yield* count("location/list"), 1)
    }).pipe(Effect.provide(withCache({ ttl: { "package/list": "15 minutes" } }))))

  it.effect("other endpoints are never cached", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      yield* Balance.query()
      assert.strictEqual(yield* count("balance/query"), 2)
    }).pipe(Effect.provide(withCache())))

  it.effect("every filter is part of the key", () =>
    Effect.gen(function*() {
      const variants: ReadonlyArray<Packages.ListParams> = [
        {},
        { locationCode: "JP" },
        { locationCode: "FR" },
        { locationCode: "JP", type: "BASE" },
        { locationCode: "JP", dataType: "2" },
        { locationCode: "JP", dataType: "1" },
        { slug: "JP_1_7" },
        { packageCode: "CKH002" },
        { type: "TOPUP", packageCode: "CKH002" },
        { type: "TOPUP", iccid: "89000000000000000017" },
        { type: "TOPUP", iccid: "89000000000000000018" }
      ]
      for (const params of variants) yield* Packages.list(params)
      assert.strictEqual(yield* count(), variants.length)
      // each of them is a hit now, in any order
      for (const params of [...variants].reverse()) yield* Packages.list(params)
      assert.strictEqual(yield* count(), variants.length)
      const bodies = new Set((yield* EsimAccessTest.requests).map((r) => r.bodyText))
      assert.strictEqual(bodies.size, variants.length)
    }).pipe(Effect.provide(withCache())))

  it.effect("two accounts, or two base URLs, have separate entries in one shared cache", () =>
    Effect.gen(function*() {
      const as = (accessCode: string, baseUrl = "https://api.esimaccess.test") =>
        Effect.provide(EsimAccessConfig.layer({ accessCode, baseUrl, ...exact }))
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-a"))
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-b"))
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-a", "https://other.esimaccess.test"))
      assert.strictEqual(yield* count(), 3)
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-a"))
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-b"))
      yield* Packages.list({ locationCode: "JP" }).pipe(as("account-a", "https://other.esimaccess.test"))
      assert.strictEqual(yield* count(), 3)
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.headers["rt-accesscode"]), ["account-a", "account-b", "account-a"])
      assert.deepStrictEqual(requests.map((r) => new URL(r.url).host), [
        "api.esimaccess.test",
        "api.esimaccess.test",
        "other.esimaccess.test"
      ])
    }).pipe(
      Effect.provide(Layer.mergeAll(EsimAccessTest.layerHttpClient(handlers), CatalogueCache.layer()))
    ))

  it.effect("concurrent misses for one key make one request and share its answer", () =>
    Effect.gen(function*() {
      const exit = yield* advance(
        Effect.all(Array.from({ length: 8 }, () => Packages.list({ locationCode: "JP" })), {
          concurrency: "unbounded"
        }),
        "2 seconds"
      )
      const results = successOf(exit)
      assert.strictEqual(results.length, 8)
      for (const result of results) assert.deepStrictEqual(result, results[0])
      assert.strictEqual(yield* count(), 1)
    }).pipe(
      Effect.provide(
        withCache({}, {
          "package/list": () => Effect.as(Effect.sleep("1 second"), EsimAccessTest.ok(catalogue.obj))
        })
      )
    ))

  it.effect("concurrent misses for different keys each make their own request", () =>
    Effect.gen(function*() {
      const exit = yield* advance(
        Effect.all([
          Packages.list({ locationCode: "JP" }),
          Packages.list({ locationCode: "FR" }),
          Packages.list({ locationCode: "JP" }),
          Packages.list({ locationCode: "FR" })
        ], { concurrency: "unbounded" }),
        "2 seconds"
      )
      successOf(exit)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 0])
    }).pipe(
      Effect.provide(
        withCache({}, {
          "package/list": () => Effect.as(Effect.sleep("1 second"), EsimAccessTest.ok(catalogue.obj))
        })
      )
    ))

  it.effect("a failure is not cached: the next call asks again, and its success is cached", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* Effect.exit(Packages.list({ locationCode: "JP" })))
      assert.strictEqual(error._tag, "ServerBusy")
      const packages = yield* Packages.list({ locationCode: "JP" })
      assert.isAbove(packages.length, 0)
      yield* Packages.list({ locationCode: "JP" })
      assert.strictEqual(yield* count(), 2)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": (request) =>
          request.index === 1 ? EsimAccessTest.apiError("900001") : EsimAccessTest.ok(catalogue.obj)
      }, { retry: false, rateLimit: false }))
    ))

  it.effect("a failure shared by concurrent callers reaches each of them, and is then forgotten", () =>
    Effect.gen(function*() {
      const exit = yield* advance(
        Effect.all([Packages.list(), Packages.list(), Packages.list()], {
          concurrency: "unbounded",
          mode: "result"
        }),
        "2 seconds"
      )
      const results = successOf(exit)
      for (const result of results) assert.strictEqual(result._tag, "Failure")
      assert.strictEqual(yield* count(), 1)
      const exit2 = yield* advance(Packages.list(), "2 seconds")
      successOf(exit2)
      assert.strictEqual(yield* count(), 2)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": (request) =>
          Effect.as(
            Effect.sleep("1 second"),
            request.index === 1 ? EsimAccessTest.apiError("310241") : EsimAccessTest.ok(catalogue.obj)
          )
      }))
    ))

  it.effect("transient failures are retried inside one miss; only the final answer is stored", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Packages.list(), "10 seconds")
      successOf(exit)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 250])
      yield* Packages.list()
      assert.strictEqual(yield* count(), 2)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": (request) => request.index === 1 ? EsimAccessTest.status(503) : EsimAccessTest.ok(catalogue.obj)
      }))
    ))

  it.effect("a caller waiting on another's miss is not interrupted when that other caller is", () =>
    Effect.gen(function*() {
      const first = yield* Effect.forkChild(Packages.list())
      yield* untilRequests(1)
      const second = yield* Effect.forkChild(Packages.list())
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(first)
      yield* TestClock.adjust("5 seconds")
      const exit = second.pollUnsafe()
      assert.isDefined(exit)
      assert.isTrue(Exit.isSuccess(exit!), String(exit))
      // the waiter asked again once the first request was abandoned
      assert.strictEqual(yield* count(), 2)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": () => Effect.as(Effect.sleep("1 second"), EsimAccessTest.ok(catalogue.obj))
      }))
    ))

  it.effect("an interrupted waiter leaves the other caller's request alone", () =>
    Effect.gen(function*() {
      const first = yield* Effect.forkChild(Packages.list())
      yield* untilRequests(1)
      const second = yield* Effect.forkChild(Packages.list())
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(second)
      assert.isTrue(Exit.hasInterrupts(second.pollUnsafe()!))
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(Exit.isSuccess(first.pollUnsafe()!))
      assert.strictEqual(yield* count(), 1)
      // and the answer was stored
      yield* Packages.list()
      assert.strictEqual(yield* count(), 1)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": () => Effect.as(Effect.sleep("1 second"), EsimAccessTest.ok(catalogue.obj))
      }))
    ))

  it.effect("an interrupted request is not stored", () =>
    Effect.gen(function*() {
      const first = yield* Effect.forkChild(Packages.list())
      yield* untilRequests(1)
      yield* Fiber.interrupt(first)
      const exit = yield* advance(Packages.list(), "5 seconds")
      successOf(exit)
      assert.strictEqual(yield* count(), 2)
    }).pipe(
      Effect.provide(withCache({}, {
        "package/list": () => Effect.as(Effect.sleep("1 second"), EsimAccessTest.ok(catalogue.obj))
      }))
    ))

  it.effect("a hit does not take a rate-limiter slot", () =>
    Effect.gen(function*() {
      yield* Packages.list()
      // limit 1 per second: any further request would wait a second, hits finish at once
      const exit = yield* advance(Effect.all(Array.from({ length: 10 }, () => Packages.list())), 0)
      assert.strictEqual(successOf(exit).length, 10)
      assert.strictEqual(yield* count(), 1)
    }).pipe(Effect.provide(withCache({}, handlers, { rateLimit: { limit: 1, window: "1 second", margin: 0 } }))))

  it.effect("invalidate drops every entry", () =>
    Effect.gen(function*() {
      yield* Packages.list({ locationCode: "JP" })
      yield* Locations.list()
      const cache = yield* CatalogueCache.CatalogueCache
      yield* cache.invalidate
      yield* Packages.list({ locationCode: "JP" })
      yield* Locations.list()
      assert.strictEqual(yield* count(), 4)
      yield* Packages.list({ locationCode: "JP" })
      yield* Locations.list()
      assert.strictEqual(yield* count(), 4)
    }).pipe(Effect.provide(withCache())))

  it.effect("capacity bounds the entries; the oldest is dropped first", () =>
    Effect.gen(function*() {
      yield* Packages.list({ locationCode: "A1" })
      yield* Packages.list({ locationCode: "B1" })
      yield* Packages.list({ locationCode: "C1" }) // drops A1
      assert.strictEqual(yield* count(), 3)
      yield* Packages.list({ locationCode: "B1" })
      yield* Packages.list({ locationCode: "C1" })
      assert.strictEqual(yield* count(), 3)
      yield* Packages.list({ locationCode: "A1" }) // a miss again, which drops B1
      assert.strictEqual(yield* count(), 4)
      yield* Packages.list({ locationCode: "C1" })
      assert.strictEqual(yield* count(), 4)
      yield* Packages.list({ locationCode: "B1" })
      assert.strictEqual(yield* count(), 5)
    }).pipe(Effect.provide(withCache({ capacity: 2 }))))

  it.effect("the cache service reports the time-to-live of the paths it caches", () =>
    Effect.gen(function*() {
      const cache = CatalogueCache.make({ ttl: { "package/list": "10 minutes" } })
      const millis = (path: string) => {
        const ttl = cache.ttl(path)
        return ttl === undefined ? undefined : Duration.toMillis(ttl)
      }
      assert.strictEqual(millis("package/list"), 600_000)
      assert.strictEqual(millis("location/list"), 86_400_000)
      assert.isUndefined(cache.ttl("balance/query"))
      assert.isUndefined(cache.ttl("esim/query"))
    }))
})
