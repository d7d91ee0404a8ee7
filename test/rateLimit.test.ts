import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber } from "effect"
import { Balance, EsimAccessTest, Packages, Profiles } from "effect-esim-access"
import type { EsimAccessConfig } from "effect-esim-access"
import { TestClock } from "effect/testing"
import { advance, maxInWindow, successOf, times, withDefaults } from "./clientSupport.ts"

const ok = () => EsimAccessTest.ok({ balance: 1 })

/** `n` concurrent balance queries. */
const concurrent = (n: number) =>
  Effect.all(Array.from({ length: n }, () => Balance.query()), { concurrency: "unbounded" })

const counts = (starts: ReadonlyArray<number>) => {
  const out: Record<number, number> = {}
  for (const t of starts) out[t] = (out[t] ?? 0) + 1
  return out
}

describe("the shared sliding-window rate limiter", () => {
  it("maxInWindow checks every sliding window", () => {
    // fixed windows [0,1000) and [1000,2000) hold 8 each, the sliding window [999,1999) holds 16
    const burst = [...Array.from({ length: 8 }, () => 999), ...Array.from({ length: 8 }, () => 1000)]
    assert.strictEqual(maxInWindow(burst, 1000), 16)
    assert.strictEqual(maxInWindow([0, 0, 1000, 1000], 1000), 2)
  })

  it.effect("20 concurrent calls never start more than 8 in any 1-second window", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(20), "10 seconds")
      assert.strictEqual(successOf(exit).length, 20)
      const starts = times(yield* EsimAccessTest.requests)
      assert.strictEqual(starts.length, 20)
      assert.isAtMost(maxInWindow(starts, 1000), 8)
      assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 8, 2080: 4 })
    }).pipe(Effect.provide(withDefaults(ok))))

  it.effect("calls of different endpoints share one budget", () =>
    Effect.gen(function*() {
      const calls = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0 ?
          Balance.query() :
          i % 3 === 1 ?
          Packages.list() :
          Profiles.query({ orderNo: "B1" }))
      const exit = yield* advance(Effect.all(calls, { concurrency: "unbounded", discard: true }), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      const starts = times(yield* EsimAccessTest.requests)
      assert.isAtMost(maxInWindow(starts, 1000), 8)
      assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 4 })
    }).pipe(
      Effect.provide(
        withDefaults({
          "balance/query": ok,
          "package/list": () => EsimAccessTest.ok({ packageList: [] }),
          "esim/query": () => EsimAccessTest.ok({ esimList: [], pager: { pageNum: 1, pageSize: 50, total: 0 } })
        })
      )
    ))

  it.effect("the window slides: starts spread over time are limited per sliding second", () =>
    Effect.gen(function*() {
      // 6 calls at t=0, then 6 more at t=600: only 2 may start before t=1040 (1 second + the 40 ms margin)
      const first = yield* Effect.forkChild(concurrent(6))
      yield* TestClock.adjust(600)
      const second = yield* Effect.forkChild(concurrent(6))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      const starts = times(yield* EsimAccessTest.requests)
      assert.isAtMost(maxInWindow(starts, 1000), 8)
      assert.deepStrictEqual(counts(starts), { 0: 6, 600: 2, 1040: 4 })
    }).pipe(Effect.provide(withDefaults(ok))))

  it.effect("a call 1 ms before the window (1 second + 40 ms margin) ends waits exactly that 1 ms", () =>
    Effect.gen(function*() {
      yield* Effect.forkChild(concurrent(8))
      yield* TestClock.adjust(1039)
      const late = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust(0)
      assert.strictEqual((yield* EsimAccessTest.requests).length, 8)
      yield* TestClock.adjust(1)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(late)))
      const starts = times(yield* EsimAccessTest.requests)
      assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 1 })
      assert.isAtMost(maxInWindow(starts, 1040), 8)
    }).pipe(Effect.provide(withDefaults(ok))))

  it.effect("retries pass through the limiter", () =>
    Effect.gen(function*() {
      // 8 calls fail once at t=0 and retry at 250 ms: the retries must wait for the window
      const exit = yield* advance(concurrent(8), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      const starts = times(yield* EsimAccessTest.requests)
      assert.strictEqual(starts.length, 16)
      assert.isAtMost(maxInWindow(starts, 1000), 8)
      assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 8 })
    }).pipe(
      Effect.provide(
        withDefaults((request) => request.index <= 8 ? EsimAccessTest.status(503) : ok(), {
          retry: { jitter: false }
        })
      )
    ))

  it.effect("rateLimit: false lets all calls start at once", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(20), "1 milli")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 20 })
    }).pipe(Effect.provide(withDefaults(ok, { rateLimit: false }))))

  it.effect("a custom limit and window", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(7), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      const starts = times(yield* EsimAccessTest.requests)
      assert.isAtMost(maxInWindow(starts, 500), 3)
      assert.deepStrictEqual(counts(starts), { 0: 3, 500: 3, 1000: 1 })
    }).pipe(Effect.provide(withDefaults(ok, { rateLimit: { limit: 3, window: "500 millis", margin: 0 } }))))

  it.effect("the default 40 ms margin applies to a custom window too", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(7), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 3, 540: 3, 1080: 1 })
    }).pipe(Effect.provide(withDefaults(ok, { rateLimit: { limit: 3, window: "500 millis" } }))))

  it.effect("a custom margin replaces the default one", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(5), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 2, 600: 2, 1200: 1 })
    }).pipe(
      Effect.provide(withDefaults(ok, { rateLimit: { limit: 2, window: "500 millis", margin: "100 millis" } }))
    ))

  it.effect("each config layer has its own limiter", () =>
    Effect.gen(function*() {
      const a = yield* Effect.forkChild(concurrent(8).pipe(Effect.provide(withDefaults(ok))))
      const b = yield* Effect.forkChild(concurrent(8).pipe(Effect.provide(withDefaults(ok))))
      yield* TestClock.adjust("1 milli")
      // neither waits: two accounts (or two layers) have two budgets
      assert.isTrue(a.pollUnsafe() !== undefined && Exit.isSuccess(a.pollUnsafe()!))
      assert.isTrue(b.pollUnsafe() !== undefined && Exit.isSuccess(b.pollUnsafe()!))
    }))

  it.effect("an interrupted waiting call does not take a slot", () =>
    Effect.gen(function*() {
      // 8 start at t=0; the 9th waits; interrupting it must leave its slot to the 10th
      yield* Effect.forkChild(concurrent(8))
      yield* TestClock.adjust(1)
      const waiting = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust(100)
      const next = yield* Effect.forkChild(concurrent(8))
      yield* TestClock.adjust(100)
      yield* Fiber.interrupt(waiting)
      yield* TestClock.adjust("5 seconds")
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(next)))
      const starts = times(yield* EsimAccessTest.requests)
      assert.strictEqual(starts.length, 16)
      assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 8 })
    }).pipe(Effect.provide(withDefaults(ok))))

  it.effect("interrupting the call that holds the head of the queue frees it", () =>
    Effect.gen(function*() {
      yield* Effect.forkChild(concurrent(8))
      yield* TestClock.adjust(1)
      // the first waiter sleeps inside the limiter until t=1040; interrupt it mid-sleep
      const head = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust(1)
      const behind = yield* Effect.forkChild(Balance.query())
      yield* TestClock.adjust(1)
      yield* Fiber.interrupt(head)
      yield* TestClock.adjust("2 seconds")
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(behind)))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 8, 1040: 1 })
    }).pipe(Effect.provide(withDefaults(ok))))

  // options that would turn protection off fall back to the defaults: 8 starts in any sliding 1040 ms
  const unusable: ReadonlyArray<readonly [string, EsimAccessConfig.RateLimitOptions]> = [
    ["limit NaN", { limit: Number.NaN }],
    ["limit 0", { limit: 0 }],
    ["limit -3", { limit: -3 }],
    ["limit 0.5", { limit: 0.5 }],
    ["limit Infinity", { limit: Number.POSITIVE_INFINITY }],
    ["window NaN", { window: Number.NaN }],
    ["window -1000", { window: -1000 }],
    ["window 0", { window: 0 }],
    ["window Infinity", { window: Number.POSITIVE_INFINITY }],
    ["window \"Infinity\"", { window: "Infinity" }],
    ["window [NaN, 0]", { window: [Number.NaN, 0] }],
    ["window -1 second", { window: Duration.seconds(-1) }],
    ["margin NaN", { margin: Number.NaN }],
    ["margin -40", { margin: -40 }],
    ["margin Infinity", { margin: Number.POSITIVE_INFINITY }],
    ["everything NaN", { limit: Number.NaN, window: Number.NaN, margin: Number.NaN }]
  ]
  for (const [name, rateLimit] of unusable) {
    it.effect(`${name} falls back to the defaults: 20 calls start 8 at 0, 8 at 1040 ms, 4 at 2080 ms`, () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(concurrent(20))
        yield* TestClock.adjust(0)
        // protection holds at once: no more than the account's 8 before the window has passed
        assert.strictEqual((yield* EsimAccessTest.requests).length, 8)
        yield* TestClock.adjust(1039)
        assert.strictEqual((yield* EsimAccessTest.requests).length, 8)
        yield* TestClock.adjust("5 seconds")
        assert.strictEqual(successOf(yield* Fiber.await(fiber)).length, 20)
        const starts = times(yield* EsimAccessTest.requests)
        assert.isAtMost(maxInWindow(starts, 1000), 8)
        assert.deepStrictEqual(counts(starts), { 0: 8, 1040: 8, 2080: 4 })
      }).pipe(Effect.provide(withDefaults(ok, { rateLimit }))))
  }

  it.effect("a fractional limit is rounded down, not replaced", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(5), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 2, 500: 2, 1000: 1 })
    }).pipe(Effect.provide(withDefaults(ok, { rateLimit: { limit: 2.9, window: "500 millis", margin: 0 } }))))

  it.effect("an unusable margin with a usable window keeps the window and takes the default margin", () =>
    Effect.gen(function*() {
      const exit = yield* advance(concurrent(7), "10 seconds")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(counts(times(yield* EsimAccessTest.requests)), { 0: 3, 540: 3, 1080: 1 })
    }).pipe(
      Effect.provide(withDefaults(ok, { rateLimit: { limit: 3, window: "500 millis", margin: Number.NaN } }))
    ))
})
