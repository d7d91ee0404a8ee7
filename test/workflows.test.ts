/**
 * The workflows of issue 5: createAndAwaitProfiles, Profiles.stream / queryAll and Usage.checkAll, against the
 * recording fake, with every delay on the TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Deferred, Duration, Effect, Exit, Fiber, Queue, Ref, Schedule, Stream } from "effect"
import { EsimAccessTest, Orders, Profiles, Usage, WebhookEvent } from "effect-esim-access"
import { TestClock } from "effect/testing"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { advance, failureOf, fixture, maxInWindow, successOf, times, untilRequests } from "./clientSupport.ts"

/** Exact delays, no limiter: poll times are the workflow's own. */
const exact = { retry: { jitter: false }, rateLimit: false } as const

const inUse = (fixture("esim_query.in_use.response.json") as { obj: { esimList: Array<Record<string, unknown>> } })
  .obj.esimList[0]!

/** A full profile as the API sends it, numbered `i`. */
const profile = (i: number, orderNo = "B-ORDER") => ({
  ...inUse,
  esimTranNo: `2501011234${String(i).padStart(4, "0")}`,
  iccid: `8900000000000${String(i).padStart(7, "0")}`,
  orderNo,
  transactionId: "shop-order-1042"
})

const profiles = (n: number, orderNo = "B-ORDER") => Array.from({ length: n }, (_, i) => profile(i + 1, orderNo))

const page = (list: ReadonlyArray<unknown>, pager: Record<string, unknown>) =>
  EsimAccessTest.ok({ esimList: list, pager })

const notReady = () => EsimAccessTest.envelope(fixture("esim_query.not_ready.error.json"))

/** The n-th answer (from 0) of a path's handler, then the last one. */
const sequence = (replies: ReadonlyArray<() => EsimAccessTest.Reply>) => {
  let n = 0
  return () => (replies[Math.min(n++, replies.length - 1)]!)()
}

const params = {
  transactionId: "shop-order-1042",
  packageInfoList: [{ packageCode: "CKH002", count: 2 }]
}

const ordered = () => EsimAccessTest.ok({ orderNo: "B-ORDER", transactionId: "shop-order-1042" })

const queries = Effect.map(EsimAccessTest.requests, (rs) => rs.filter((r) => r.path === "esim/query"))

/** Lets forked fibers run without moving the clock. */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

describe("Orders.createAndAwaitProfiles", () => {
  it.effect("polls every 3 seconds through three ProfileNotReady answers, then returns the profiles", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Orders.createAndAwaitProfiles(params), "1 minute")
      const result = successOf(exit)
      assert.deepStrictEqual(result.order, { orderNo: "B-ORDER", transactionId: "shop-order-1042" })
      assert.deepStrictEqual(result.profiles.map((p) => p.esimTranNo), ["25010112340001", "25010112340002"])
      assert.strictEqual(result.profiles[0]!.ac, inUse["ac"])
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.path), [
        "esim/order",
        "esim/query",
        "esim/query",
        "esim/query",
        "esim/query"
      ])
      // the order at once, then the first poll one interval later, and one poll per interval
      assert.deepStrictEqual(times(requests), [0, 3000, 6000, 9000, 12000])
      for (const query of requests.slice(1)) {
        const body = query.body as Record<string, unknown>
        assert.strictEqual(body["orderNo"], "B-ORDER")
        assert.deepStrictEqual(body["pager"], { pageNum: 1, pageSize: 5 })
      }
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, notReady, notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }, exact))
    ))

  it.effect("the interval option sets the poll times, and the result is not early", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Orders.createAndAwaitProfiles(params, { interval: "5 seconds" }))
      yield* TestClock.adjust("14999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      successOf(yield* Fiber.await(fiber))
      assert.deepStrictEqual(times(yield* queries), [5000, 10000, 15000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5, total: 2 })])
      }, exact))
    ))

  it.effect("the poll times hold with the default rate limiter and retry policy", () =>
    Effect.gen(function*() {
      successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 3000, 6000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }))
    ))

  it.effect("onPoll is called before every poll after the first, with its number", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<ReadonlyArray<readonly [number, number]>>([])
      const onPoll = (n: number) =>
        Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (t) =>
          Ref.update(seen, (xs) => [...xs, [n, t] as const]))
      successOf(yield* advance(Orders.createAndAwaitProfiles(params, { onPoll }), "1 minute"))
      assert.deepStrictEqual(yield* Ref.get(seen), [[2, 6000], [3, 9000]])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, notReady, () =>
          page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }, exact))
    ))

  it.effect("past the deadline: AllocationTimeout with orderNo, expected and allocated, and no call after it", () =>
    Effect.gen(function*() {
      const error = failureOf(
        yield* advance(Orders.createAndAwaitProfiles(params, { deadline: "10 seconds" }), "10 seconds")
      )
      assert.strictEqual(error._tag, "AllocationTimeout")
      if (error._tag !== "AllocationTimeout") return
      assert.strictEqual(error.orderNo, "B-ORDER")
      assert.strictEqual(error.transactionId, "shop-order-1042")
      assert.strictEqual(error.expected, 2)
      assert.strictEqual(error.allocated, 0)
      assert.include(error.message, "B-ORDER")
      assert.deepStrictEqual(times(yield* queries), [3000, 6000, 9000])
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 4)
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": notReady }, exact))))

  it.effect("the default deadline is 90 seconds", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Orders.createAndAwaitProfiles(params))
      yield* TestClock.adjust("89999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      const error = failureOf(yield* Fiber.await(fiber))
      assert.strictEqual(error._tag, "AllocationTimeout")
      // polls at 3 s, 6 s, ..., 87 s
      assert.strictEqual((yield* queries).length, 29)
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": notReady }, exact))))

  it.effect("a partial allocation keeps polling until every ordered profile is there", () =>
    Effect.gen(function*() {
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.strictEqual(result.profiles.length, 2)
      assert.deepStrictEqual(times(yield* queries), [3000, 6000, 9000, 12000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([
          notReady,
          () => page([], { pageNum: 1, pageSize: 5, total: 0 }),
          () => page(profiles(1), { pageNum: 1, pageSize: 5, total: 1 }),
          () => page(profiles(2), { pageNum: 1, pageSize: 5, total: 2 })
        ])
      }, exact))
    ))

  it.effect("a partial allocation at the deadline is reported in allocated", () =>
    Effect.gen(function*() {
      const error = failureOf(
        yield* advance(Orders.createAndAwaitProfiles(params, { deadline: "20 seconds" }), "20 seconds")
      )
      assert.strictEqual(error._tag, "AllocationTimeout")
      if (error._tag === "AllocationTimeout") {
        assert.strictEqual(error.allocated, 1)
        assert.strictEqual(error.expected, 2)
      }
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, () => page(profiles(1), { pageNum: 1, pageSize: 5, total: 1 })])
      }, exact))
    ))

  it.effect("a multi-line order waits for the sum of the counts", () =>
    Effect.gen(function*() {
      const multi = {
        transactionId: "shop-order-77",
        packageInfoList: [{ packageCode: "CKH002", count: 2 }, { packageCode: "JC016", count: 3 }, {
          packageCode: "ES_3_30",
          count: 4
        }]
      }
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(multi), "1 minute"))
      assert.strictEqual(result.profiles.length, 9)
      const requests = yield* queries
      assert.deepStrictEqual(times(requests), [3000, 6000, 9000])
      // one page is large enough for every profile of the order
      for (const r of requests) {
        assert.isAtLeast((r.body as { pager: { pageSize: number } }).pager.pageSize, 9)
      }
      const order = (yield* EsimAccessTest.requests)[0]!.body as { packageInfoList: ReadonlyArray<unknown> }
      assert.strictEqual(order.packageInfoList.length, 3)
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([
          // the first line's 2 would satisfy a check of the first line only
          () => page(profiles(2), { pageNum: 1, pageSize: 9, total: 2 }),
          () => page(profiles(5), { pageNum: 1, pageSize: 9, total: 5 }),
          () => page(profiles(9), { pageNum: 1, pageSize: 9, total: 9 })
        ])
      }, exact))
    ))

  it.effect("an ORDER_STATUS signal at 1 s makes the poll happen at 1 s, not 3 s", () =>
    Effect.gen(function*() {
      const signal = yield* Deferred.make<void>()
      const asked = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Effect.forkChild(Effect.sleep("1 second").pipe(Effect.andThen(Deferred.succeed(signal, undefined))))
      const fiber = yield* Effect.forkChild(Orders.createAndAwaitProfiles(params, {
        orderStatus: (orderNo) =>
          Ref.update(asked, (xs) => [...xs, orderNo]).pipe(Effect.andThen(Deferred.await(signal)))
      }))
      yield* TestClock.adjust("1 second")
      const result = successOf(yield* Fiber.await(fiber))
      assert.strictEqual(result.profiles.length, 2)
      assert.deepStrictEqual(times(yield* queries), [1000])
      assert.deepStrictEqual(yield* Ref.get(asked), ["B-ORDER"])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": () => page(profiles(2), { pageNum: 1, pageSize: 5, total: 2 })
      }, exact))
    ))

  it.effect("after an early wake-up that finds the profiles not ready, polling returns to the interval", () =>
    Effect.gen(function*() {
      const signal = yield* Deferred.make<void>()
      yield* Effect.forkChild(Effect.sleep("1 second").pipe(Effect.andThen(Deferred.succeed(signal, undefined))))
      const exit = yield* advance(
        Orders.createAndAwaitProfiles(params, { orderStatus: () => Deferred.await(signal) }),
        "1 minute"
      )
      successOf(exit)
      // not a burst of back-to-back polls at 1 s
      assert.deepStrictEqual(times(yield* queries), [1000, 4000, 7000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }, exact))
    ))

  it.effect("a signal arriving between polls wakes the next poll early", () =>
    Effect.gen(function*() {
      const signal = yield* Deferred.make<void>()
      yield* Effect.forkChild(Effect.sleep("4 seconds").pipe(Effect.andThen(Deferred.succeed(signal, undefined))))
      successOf(
        yield* advance(Orders.createAndAwaitProfiles(params, { orderStatus: () => Deferred.await(signal) }), "1 minute")
      )
      assert.deepStrictEqual(times(yield* queries), [3000, 4000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }, exact))
    ))

  it.effect("an orderStatus that fails does not wake the poll early, nor fail the workflow", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void, string>()
      yield* Effect.forkChild(Effect.sleep("1 second").pipe(Effect.andThen(Deferred.fail(closed, "queue closed"))))
      const exit = yield* advance(
        Orders.createAndAwaitProfiles(params, { orderStatus: () => Deferred.await(closed) }),
        "1 minute"
      )
      successOf(exit)
      assert.deepStrictEqual(times(yield* queries), [3000, 6000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, () => page(profiles(2), { pageNum: 1, pageSize: 5 })])
      }, exact))
    ))

  it.effect("fed by a webhook Queue: only the event for this order wakes the poll", () =>
    Effect.gen(function*() {
      const events = yield* Queue.unbounded<WebhookEvent.WebhookEvent>()
      const orderStatus = (orderNo: string) =>
        Stream.fromQueue(events).pipe(
          Stream.filter((e) => e._tag === "OrderStatus" && e.content.orderNo === orderNo),
          Stream.runHead
        )
      const event = (orderNo: string) =>
        WebhookEvent.decode({ notifyType: "ORDER_STATUS", content: { orderNo, orderStatus: "GOT_RESOURCE" } }).pipe(
          Effect.flatMap((e) => Queue.offer(events, e))
        )
      yield* Effect.forkChild(Effect.gen(function*() {
        yield* Effect.sleep("500 millis")
        yield* event("B-SOMEONE-ELSE")
        yield* Effect.sleep("1500 millis")
        yield* event("B-ORDER")
      }))
      successOf(yield* advance(Orders.createAndAwaitProfiles(params, { orderStatus }), "1 minute"))
      assert.deepStrictEqual(times(yield* queries), [2000])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": () => page(profiles(2), { pageNum: 1, pageSize: 5 })
      }, exact))
    ))

  it.effect("the orderStatus wait is interrupted when the workflow ends", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make(false)
      const interrupted = yield* Ref.make(false)
      const fiber = yield* Effect.forkChild(Orders.createAndAwaitProfiles(params, {
        orderStatus: () =>
          Ref.set(started, true).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() => Ref.set(interrupted, true))
          )
      }))
      // let the order complete and the wait start before time moves (the TestClock does not wait for new fibers)
      yield* untilRequests(1)
      yield* settle
      assert.isTrue(yield* Ref.get(started))
      yield* TestClock.adjust("1 minute")
      successOf(yield* Fiber.await(fiber))
      assert.isTrue(yield* Ref.get(interrupted))
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": () => page(profiles(2), { pageNum: 1, pageSize: 5 })
      }, exact))
    ))

  it.effect("the orderStatus wait is interrupted at the deadline too", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make(false)
      const fiber = yield* Effect.forkChild(Orders.createAndAwaitProfiles(params, {
        deadline: "10 seconds",
        orderStatus: () => Effect.never.pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
      }))
      yield* untilRequests(1)
      yield* settle
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(failureOf(yield* Fiber.await(fiber))._tag, "AllocationTimeout")
      assert.isTrue(yield* Ref.get(interrupted))
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": notReady }, exact))))

  it.effect("an error other than ProfileNotReady ends the polling and is returned", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.strictEqual(error._tag, "NotFound")
      assert.deepStrictEqual(times(yield* queries), [3000, 6000])
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* queries).length, 2)
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([notReady, () =>
          EsimAccessTest.envelope(fixture("error.310272.order_not_found.esim_query.json"))])
      }, exact))
    ))

  it.effect("a transient error is retried by the pipeline inside a poll, then polling goes on", () =>
    Effect.gen(function*() {
      successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      // 3 s: 503, retried 250 ms later: ProfileNotReady; next poll one interval after that
      assert.deepStrictEqual(times(yield* queries), [3000, 3250, 6250])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([
          () => EsimAccessTest.status(503),
          notReady,
          () => page(profiles(2), { pageNum: 1, pageSize: 5 })
        ])
      }, exact))
    ))

  it.effect("an order the API refuses fails at once, without polling", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.strictEqual(error._tag, "InsufficientBalance")
      assert.deepStrictEqual((yield* EsimAccessTest.requests).map((r) => r.path), ["esim/order"])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": () => EsimAccessTest.apiError("200007"),
        "esim/query": notReady
      }, exact))
    ))

  it.effect("a lost order answer followed by DuplicateTransaction resumes with the original order", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.strictEqual(result.order.orderNo, "B-ORIGINAL")
      assert.strictEqual(result.profiles.length, 2)
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.path), ["esim/order", "esim/order", "esim/query", "esim/query"])
      assert.strictEqual((requests[3]!.body as Record<string, unknown>)["orderNo"], "B-ORIGINAL")
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": sequence([() => EsimAccessTest.drop, () => EsimAccessTest.apiError("310402")]),
        "esim/query": (request) => {
          const body = request.body as { orderNo: string }
          return body.orderNo === "" ?
            page([{ ...profile(9, "B-OTHER"), transactionId: "someone-else" }, profile(1, "B-ORIGINAL")], {
              pageNum: 1,
              pageSize: 500,
              total: 2
            }) :
            page(profiles(2, "B-ORIGINAL"), { pageNum: 1, pageSize: 5, total: 2 })
        }
      }, exact))
    ))
})

describe("Orders.createAndAwaitProfiles: the polling schedule", () => {
  const allocatedAt = (n: number) =>
    sequence([...Array.from({ length: n - 1 }, () => notReady), () => page(profiles(2), { pageNum: 1, pageSize: 5 })])

  it.effect("a schedule sets the poll times: exponential from 2 s polls at 2, 6 and 14 s", () =>
    Effect.gen(function*() {
      successOf(
        yield* advance(
          Orders.createAndAwaitProfiles(params, { schedule: Schedule.exponential("2 seconds") }),
          "1 minute"
        )
      )
      assert.deepStrictEqual(times(yield* queries), [2000, 6000, 14000])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": allocatedAt(3) }, exact))))

  it.effect("the schedule takes precedence over interval", () =>
    Effect.gen(function*() {
      successOf(
        yield* advance(
          Orders.createAndAwaitProfiles(params, { interval: "10 seconds", schedule: Schedule.spaced("1 second") }),
          "1 minute"
        )
      )
      assert.deepStrictEqual(times(yield* queries), [1000, 2000, 3000])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": allocatedAt(3) }, exact))))

  it.effect("a schedule that ends before allocation: AllocationTimeout with the orderNo, and no poll after it", () =>
    Effect.gen(function*() {
      const exit = yield* advance(
        Orders.createAndAwaitProfiles(params, {
          schedule: Schedule.max([Schedule.spaced("2 seconds"), Schedule.recurs(3)])
        }),
        "6 seconds"
      )
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "AllocationTimeout")
      if (error._tag !== "AllocationTimeout") return
      assert.strictEqual(error.orderNo, "B-ORDER")
      assert.strictEqual(error.expected, 2)
      assert.strictEqual(error.allocated, 0)
      assert.include(error.message, "after 3 polls")
      // the order is not placed again
      yield* TestClock.adjust("10 minutes")
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.path), ["esim/order", "esim/query", "esim/query", "esim/query"])
      assert.deepStrictEqual(times(requests), [0, 2000, 4000, 6000])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": notReady }, exact))))

  it.effect("the schedule sees the progress after each poll: here it polls faster once some profiles are there", () =>
    Effect.gen(function*() {
      const seen: Array<Orders.AllocationProgress> = []
      const schedule = Schedule.spaced("500 millis").pipe(
        Schedule.modifyDelay(({ duration, input }: { duration: Duration.Duration; input: Orders.AllocationProgress }) =>
          Effect.sync(() => {
            seen.push(input)
            return input.allocated === 0 ? Duration.seconds(3) : duration
          })
        )
      )
      successOf(yield* advance(Orders.createAndAwaitProfiles(params, { schedule }), "1 minute"))
      assert.deepStrictEqual(times(yield* queries), [3000, 6000, 6500])
      // the progress after ordering, then after each poll (after the last one the workflow ends, with no pause)
      assert.deepStrictEqual(seen, [
        { orderNo: "B-ORDER", poll: 0, allocated: 0, expected: 2 },
        { orderNo: "B-ORDER", poll: 1, allocated: 0, expected: 2 },
        { orderNo: "B-ORDER", poll: 2, allocated: 1, expected: 2 },
        { orderNo: "B-ORDER", poll: 3, allocated: 2, expected: 2 }
      ])
      assert.strictEqual((yield* EsimAccessTest.requests).length, 4)
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/order": ordered,
        "esim/query": sequence([
          notReady,
          () => page(profiles(1), { pageNum: 1, pageSize: 5, total: 1 }),
          () => page(profiles(2), { pageNum: 1, pageSize: 5, total: 2 })
        ])
      }, exact))
    ))

  it.effect("an ORDER_STATUS signal cuts short the schedule's pause it falls into, once", () =>
    Effect.gen(function*() {
      const signal = yield* Deferred.make<void>()
      yield* Effect.forkChild(Effect.sleep("5 seconds").pipe(Effect.andThen(Deferred.succeed(signal, undefined))))
      successOf(
        yield* advance(
          Orders.createAndAwaitProfiles(params, {
            schedule: Schedule.exponential("2 seconds"),
            orderStatus: () => Deferred.await(signal)
          }),
          "1 minute"
        )
      )
      // 2 s; the 4 s pause ends at 5 s with the signal; then the schedule's 8 s
      assert.deepStrictEqual(times(yield* queries), [2000, 5000, 13000])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": allocatedAt(3) }, exact))))

  for (const [name, interval] of [["NaN", Number.NaN], ["-1 second", -1000]] as const) {
    it.effect(`an unusable interval (${name}) is the default 3 seconds, not back-to-back polls`, () =>
      Effect.gen(function*() {
        successOf(yield* advance(Orders.createAndAwaitProfiles(params, { interval }), "1 minute"))
        assert.deepStrictEqual(times(yield* queries), [3000, 6000, 9000])
      }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": allocatedAt(3) }, exact))))
  }
})

/** The time range of a time-range `esim/query`, in epoch milliseconds. */
const rangeOf = (request: EsimAccessTest.RecordedRequest) => {
  const body = request.body as { startTime: string; endTime: string }
  return [Date.parse(body.startTime), Date.parse(body.endTime)]
}

describe("Orders.createAndAwaitProfiles: DuplicateTransaction on the first attempt resumes the placed order", () => {
  const day = 24 * 60 * 60_000
  /** The range query finds the original order's profile (beside someone else's) from the `from`-th lookup on. */
  const handlers = (options: { readonly from?: number; readonly never?: boolean } = {}) => {
    let lookups = 0
    return {
      "esim/order": () => EsimAccessTest.apiError("310402"),
      "esim/query": (request: EsimAccessTest.RecordedRequest) => {
        const body = request.body as { orderNo: string }
        if (body.orderNo !== "") return page(profiles(2, "B-ORIGINAL"), { pageNum: 1, pageSize: 5, total: 2 })
        lookups++
        const found = options.never !== true && lookups >= (options.from ?? 1)
        return page(
          [
            { ...profile(9, "B-OTHER"), transactionId: "someone-else" },
            ...(found ? [profile(1, "B-ORIGINAL")] : [])
          ],
          { pageNum: 1, pageSize: 500, total: found ? 2 : 1 }
        )
      }
    }
  }

  it.effect("a re-run after a crash: the original order is looked up and its profiles returned, nothing re-ordered", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(2 * day)
      const since = 2 * day
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.deepStrictEqual(result.order, { orderNo: "B-ORIGINAL", transactionId: "shop-order-1042" })
      assert.deepStrictEqual(result.profiles.map((p) => p.orderNo), ["B-ORIGINAL", "B-ORIGINAL"])
      const requests = yield* EsimAccessTest.requests
      // one order (the API refused it as a duplicate), one lookup, then the order's profiles at once: they are
      // allocated, the lookup found them
      assert.deepStrictEqual(requests.map((r) => r.path), ["esim/order", "esim/query", "esim/query"])
      assert.deepStrictEqual(times(requests), [since, since, since])
      // the lookup covers the default 24 hours before the call
      assert.deepStrictEqual(rangeOf(requests[1]!), [since - day, since + 60_000])
      assert.strictEqual((requests[2]!.body as { orderNo: string }).orderNo, "B-ORIGINAL")
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers(), exact))))

  it.effect("the lookback option sets how far back the lookup goes", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(2 * day)
      successOf(yield* advance(Orders.createAndAwaitProfiles(params, { lookback: "2 hours" }), "1 minute"))
      const [, lookup] = yield* EsimAccessTest.requests
      assert.deepStrictEqual(rangeOf(lookup!), [2 * day - 2 * 60 * 60_000, 2 * day + 60_000])
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers(), exact))))

  it.effect("an order placed moments ago (profiles not yet allocated) is looked up every 3 seconds until found", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(2 * day)
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(params), "1 minute"))
      assert.strictEqual(result.order.orderNo, "B-ORIGINAL")
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.map((r) => r.path), [
        "esim/order",
        "esim/query",
        "esim/query",
        "esim/query",
        "esim/query"
      ])
      assert.deepStrictEqual(times(requests).map((t) => t - 2 * day), [0, 0, 3000, 6000, 6000])
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers({ from: 3 }), exact))))

  it.effect("an original that never shows up: DuplicateTransaction after a minute of lookups, never a new order", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(2 * day)
      const error = failureOf(yield* advance(Orders.createAndAwaitProfiles(params), "2 minutes"))
      assert.strictEqual(error._tag, "DuplicateTransaction")
      const requests = yield* EsimAccessTest.requests
      assert.deepStrictEqual(requests.filter((r) => r.path === "esim/order").length, 1)
      // lookups at 0, 3, ..., 60 s (a next one at 63 s would be past the minute); none by orderNo
      const lookups = requests.filter((r) => r.path === "esim/query")
      assert.deepStrictEqual(times(lookups).map((t) => t - 2 * day), Array.from({ length: 21 }, (_, i) => i * 3000))
      assert.isTrue(lookups.every((r) => (r.body as { orderNo: string }).orderNo === ""))
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers({ never: true }), exact))))

  it.effect("Orders.create alone still reports a first-attempt DuplicateTransaction as it is", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* advance(Orders.create(params), "1 minute"))
      assert.strictEqual(error._tag, "DuplicateTransaction")
      assert.deepStrictEqual((yield* EsimAccessTest.requests).map((r) => r.path), ["esim/order"])
    }).pipe(Effect.provide(EsimAccessTest.layer(handlers(), exact))))
})

// ---------------------------------------------------------------------------------------------------------------
// Profiles.stream / queryAll

/** A fake `esim/query` over `count` profiles, serving `pager.pageSize` per page (capped at `cap`). */
const pagedServer = (
  count: number,
  options: { readonly total?: (count: number) => number | undefined; readonly cap?: number } = {}
): EsimAccessTest.Handler =>
(request) => {
  const { pager } = request.body as { pager: { pageNum: number; pageSize: number } }
  const size = Math.min(pager.pageSize, options.cap ?? Infinity)
  const from = (pager.pageNum - 1) * size
  const list = from >= count ? [] : profiles(Math.min(count, from + size)).slice(from)
  const total = options.total === undefined ? count : options.total(count)
  return page(list, { pageNum: pager.pageNum, pageSize: size, ...(total === undefined ? {} : { total }) })
}

const pageNums = Effect.map(
  EsimAccessTest.requests,
  (rs) => rs.map((r) => (r.body as { pager: { pageNum: number } }).pager.pageNum)
)

const ids = (n: number) => profiles(n).map((p) => p.esimTranNo)

describe("Profiles.stream", () => {
  const wrongTotals: ReadonlyArray<readonly [string, (count: number) => number | undefined]> = [
    ["right", (n) => n],
    ["too small", () => 5],
    ["zero", () => 0],
    ["missing", () => undefined],
    ["too large", (n) => n * 10]
  ]
  for (const [label, total] of wrongTotals) {
    it.effect(`7 pages, the last one short, with a ${label} total: 7 requests, every profile once, in order`, () =>
      Effect.gen(function*() {
        const all = yield* Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 10 })
        assert.deepStrictEqual(all.map((p) => p.esimTranNo), ids(65))
        assert.deepStrictEqual(yield* pageNums, [1, 2, 3, 4, 5, 6, 7])
      }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(65, { total }) }, exact))))

    it.effect(`an exact multiple with a ${label} total ends on one extra, empty page`, () =>
      Effect.gen(function*() {
        const all = yield* Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 10 })
        assert.deepStrictEqual(all.map((p) => p.esimTranNo), ids(70))
        assert.deepStrictEqual(yield* pageNums, [1, 2, 3, 4, 5, 6, 7, 8])
      }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(70, { total }) }, exact))))
  }

  it.effect("no profiles at all: one request, an empty result", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Profiles.queryAll({ orderNo: "B-ORDER" }), [])
      assert.deepStrictEqual(yield* pageNums, [1])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(0) }, exact))))

  it.effect("pages are fetched lazily: taking 3 profiles makes 1 request, taking 15 makes 2", () =>
    Effect.gen(function*() {
      const three = yield* Profiles.stream({ orderNo: "B-ORDER", pageSize: 10 }).pipe(Stream.take(3), Stream.runCollect)
      assert.deepStrictEqual(three.map((p) => p.esimTranNo), ids(3))
      assert.deepStrictEqual(yield* pageNums, [1])
      const fifteen = yield* Profiles.stream({ orderNo: "B-ORDER", pageSize: 10 }).pipe(
        Stream.take(15),
        Stream.runCollect
      )
      assert.strictEqual(fifteen.length, 15)
      assert.deepStrictEqual(yield* pageNums, [1, 1, 2])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(1000) }, exact))))

  it.effect("a server that caps the page size (500 asked, 100 served) still yields every profile", () =>
    Effect.gen(function*() {
      const all = yield* Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 500 })
      assert.deepStrictEqual(all.map((p) => p.esimTranNo), ids(250))
      assert.deepStrictEqual(yield* pageNums, [1, 2, 3])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(250, { cap: 100 }) }, exact))))

  it.effect("a capped server with an exact multiple ends on an empty page", () =>
    Effect.gen(function*() {
      const all = yield* Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 500 })
      assert.strictEqual(all.length, 300)
      assert.deepStrictEqual(yield* pageNums, [1, 2, 3, 4])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(300, { cap: 100 }) }, exact))))

  it.effect("the selector and page size go into every request; the default page size is 100", () =>
    Effect.gen(function*() {
      yield* Profiles.queryAll({ esimTranNo: "25010112340001" })
      yield* Profiles.queryAll({ iccid: "89000000000000000017", pageSize: 5 })
      yield* Profiles.queryAll({
        startTime: DateTime.makeUnsafe("2026-01-01T00:00:00Z"),
        endTime: DateTime.makeUnsafe("2026-02-01T00:00:00Z"),
        pageSize: 20
      })
      const bodies = (yield* EsimAccessTest.requests).map((r) => r.body as Record<string, unknown>)
      // 30 profiles: 1 page of 100; 6 full pages of 5 and an empty one; 2 full pages of 20 (the second, with 10, is short)
      assert.strictEqual(bodies.length, 1 + 7 + 2)
      assert.deepStrictEqual(bodies[0], {
        orderNo: "",
        iccid: "",
        esimTranNo: "25010112340001",
        pager: { pageNum: 1, pageSize: 100 }
      })
      bodies.slice(1, 8).forEach((body, i) => {
        assert.deepStrictEqual(body, {
          orderNo: "",
          iccid: "89000000000000000017",
          esimTranNo: "",
          pager: { pageNum: i + 1, pageSize: 5 }
        })
      })
      bodies.slice(8).forEach((body, i) => {
        assert.deepStrictEqual(body, {
          orderNo: "",
          iccid: "",
          esimTranNo: "",
          startTime: "2026-01-01T00:00:00+00:00",
          endTime: "2026-02-01T00:00:00+00:00",
          pager: { pageNum: i + 1, pageSize: 20 }
        })
      })
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(30) }, exact))))

  it.effect("an error on a later page fails the stream after the earlier profiles were emitted", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make(0)
      const exit = yield* Profiles.stream({ orderNo: "B-ORDER", pageSize: 10 }).pipe(
        Stream.runForEach(() => Ref.update(seen, (n) => n + 1)),
        Effect.exit
      )
      assert.strictEqual(failureOf(exit)._tag, "Authentication")
      assert.strictEqual(yield* Ref.get(seen), 20)
      assert.deepStrictEqual(yield* pageNums, [1, 2, 3])
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/query": (request) =>
          (request.body as { pager: { pageNum: number } }).pager.pageNum === 3 ?
            EsimAccessTest.apiError("401001") :
            pagedServer(100)(request)
      }, exact))
    ))

  it.effect("a page size outside 5 to 500 is refused before any request", () =>
    Effect.gen(function*() {
      const error = failureOf(yield* Effect.exit(Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 1000 })))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((yield* EsimAccessTest.requests).length, 0)
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/query": pagedServer(10) }, exact))))

  it.effect("pages go through the shared rate limiter", () =>
    Effect.gen(function*() {
      const exit = yield* advance(Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 5 }), "10 seconds")
      assert.strictEqual(successOf(exit).length, 22)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 0, 1000, 1000, 2000])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({ "esim/query": pagedServer(22) }, {
          rateLimit: { limit: 2, window: "1 second", margin: 0 }
        })
      )
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// Memory: 100,000 profiles streamed in pages of 500

/** `global.gc` when node runs with --expose-gc, else one obtained at run time through V8 flags, else undefined. */
const findGc = (): (() => void) | undefined => {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === "function") return exposed
  try {
    v8.setFlagsFromString("--expose-gc")
    const gc = vm.runInNewContext("gc") as unknown
    return typeof gc === "function" ? (gc as () => void) : undefined
  } catch {
    return undefined
  }
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1)

/** A full profile (the in-use fixture: packages, times, codes) numbered `i`, generated per request. */
const bigProfile = (i: number) => ({
  ...inUse,
  esimTranNo: String(25010100000000 + i),
  orderNo: "B-BIG",
  iccid: String(89000000000000000000n + BigInt(i)),
  ac: `LPA:1$rsp.example.com$${i.toString(16).padStart(32, "0")}`,
  qrCodeUrl: `https://p.qrsim.net/${i.toString(16).padStart(32, "0")}.png`
})

describe("Profiles.stream memory", () => {
  // Measured on this machine: collecting these 100,000 profiles (Profiles.queryAll) retains about 250 MB of heap;
  // streaming them grows the heap by under 1 MB. The bound is 16 MB when a GC can be forced before each sample, and
  // a generous 64 MB when it cannot: either is far below what holding the profiles would take.
  it.effect(
    "streaming 100,000 profiles (200 pages of 500) keeps heap growth bounded [memory check]",
    () =>
      Effect.gen(function*() {
        const total = 100_000
        const gc = findGc()
        const bound = (gc === undefined ? 64 : 16) * 1_048_576
        const heap = () => {
          gc?.()
          return process.memoryUsage().heapUsed
        }
        const before = heap()
        let peak = 0
        let count = 0
        let last = ""
        yield* Profiles.stream({ startTime: DateTime.makeUnsafe("2026-01-01T00:00:00Z"), pageSize: 500 }).pipe(
          Stream.runForEach((p) =>
            Effect.sync(() => {
              count++
              last = p.esimTranNo
              // sample once every 20 pages
              if (count % 10_000 === 0) peak = Math.max(peak, heap() - before)
            })
          )
        )
        const after = heap() - before
        assert.strictEqual(count, total)
        assert.strictEqual(last, String(25010100000000 + total))
        assert.strictEqual((yield* EsimAccessTest.requests).length, 201)
        console.info(
          `[memory check] 100,000 profiles streamed: peak heap growth ${mb(peak)} MB, after ${mb(after)} MB ` +
            `(bound ${mb(bound)} MB, gc ${gc === undefined ? "not available" : "forced before each sample"})`
        )
        assert.isBelow(peak, bound)
        assert.isBelow(after, bound)
      }).pipe(
        Effect.provide(EsimAccessTest.layer({
          "esim/query": (request) => {
            const { pager } = request.body as { pager: { pageNum: number; pageSize: number } }
            const from = (pager.pageNum - 1) * pager.pageSize
            const list = []
            for (let i = from; i < Math.min(100_000, from + pager.pageSize); i++) list.push(bigProfile(i + 1))
            // no total: the stream must not need it
            return page(list, { pageNum: pager.pageNum, pageSize: pager.pageSize })
          }
        }, exact))
      ),
    120_000
  )
})

// ---------------------------------------------------------------------------------------------------------------
// Usage.checkAll

/** A usage record; `lastUpdateTime` `"absent"` leaves the key out. */
const usageRecord = (esimTranNo: string, lastUpdateTime: string | null = "2025-01-03T18:00:00+0000") => ({
  esimTranNo,
  dataUsage: 1453344832,
  totalData: 3221225472,
  ...(lastUpdateTime === "absent" ? {} : { lastUpdateTime })
})

/** Answers every requested id except those in `missing`, in reverse order (the API's order is not the input's). */
const usageServer =
  (missing: ReadonlySet<string> = new Set()) => (request: EsimAccessTest.RecordedRequest): Response => {
    const { esimTranNoList } = request.body as { esimTranNoList: ReadonlyArray<string> }
    return EsimAccessTest.ok({
      esimUsageList: esimTranNoList.filter((id) => !missing.has(id)).reverse().map((id) => usageRecord(id))
    })
  }

const tranNo = (i: number) => `2501011234${String(i).padStart(4, "0")}`

const batches = Effect.map(
  EsimAccessTest.requests,
  (rs) => rs.map((r) => (r.body as { esimTranNoList: ReadonlyArray<string> }).esimTranNoList)
)

describe("Usage.checkAll", () => {
  it.effect("25 ids: batches of 10, 10 and 5; input order; duplicates once; missing ids left out", () =>
    Effect.gen(function*() {
      const unique = Array.from({ length: 25 }, (_, i) => tranNo(i + 1))
      // duplicates spread through the input, and a shuffled order
      const input = [...unique.slice(12), unique[3]!, ...unique.slice(0, 12), unique[20]!, unique[0]!]
      const reports = yield* Usage.checkAll(input)
      const firstSeen = [...new Set(input)]
      const missing = new Set([tranNo(5), tranNo(17)])
      assert.deepStrictEqual(reports.map((r) => r.esimTranNo), firstSeen.filter((id) => !missing.has(id)))
      const sent = yield* batches
      assert.deepStrictEqual(sent.map((b) => b.length).sort((a, b) => b - a), [10, 10, 5])
      assert.deepStrictEqual(sent.flat().sort(), [...unique].sort())
      assert.strictEqual(reports[0]!.dataUsage, 1453344832)
      assert.strictEqual(reports[0]!.totalData, 3221225472)
    }).pipe(
      Effect.provide(EsimAccessTest.layer({ "esim/usage/query": usageServer(new Set([tranNo(5), tranNo(17)])) }, exact))
    ))

  it.effect("staleness is the time since lastUpdateTime by the Clock; undefined without an update time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(DateTime.toEpochMillis(DateTime.makeUnsafe("2025-01-03T20:30:00Z")))
      const reports = yield* Usage.checkAll(["A1", "A2", "A3", "A4"])
      assert.deepStrictEqual(reports.map((r) => r.esimTranNo), ["A1", "A2", "A3", "A4"])
      assert.deepStrictEqual(
        reports.map((r) => r.staleness === undefined ? undefined : Duration.toMillis(r.staleness)),
        [
          2.5 * 3_600_000,
          undefined,
          undefined,
          // a time in the future is not negative staleness
          0
        ]
      )
      assert.strictEqual(
        DateTime.toEpochMillis(reports[0]!.lastUpdateTime!),
        DateTime.toEpochMillis(DateTime.makeUnsafe("2025-01-03T18:00:00Z"))
      )
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/usage/query": () =>
          EsimAccessTest.ok({
            esimUsageList: [
              usageRecord("A3", null),
              usageRecord("A1"),
              usageRecord("A4", "2025-01-03T21:00:00+0000"),
              usageRecord("A2", "absent")
            ]
          })
      }, exact))
    ))

  it.effect("no ids: no request, no reports", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Usage.checkAll([]), [])
      assert.strictEqual((yield* EsimAccessTest.requests).length, 0)
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/usage/query": usageServer() }, exact))))

  it.effect("any iterable works, e.g. a Set", () =>
    Effect.gen(function*() {
      const reports = yield* Usage.checkAll(new Set([tranNo(2), tranNo(1)]))
      assert.deepStrictEqual(reports.map((r) => r.esimTranNo), [tranNo(2), tranNo(1)])
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/usage/query": usageServer() }, exact))))

  it.effect("batches go through the shared limiter: at 2 per second, 5 batches start at 0, 0, 1, 1, 2 s", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 50 }, (_, i) => tranNo(i + 1))
      const exit = yield* advance(Usage.checkAll(ids, { concurrency: 10 }), "10 seconds")
      assert.deepStrictEqual(successOf(exit).map((r) => r.esimTranNo), ids)
      const starts = times(yield* EsimAccessTest.requests)
      assert.deepStrictEqual(starts, [0, 0, 1000, 1000, 2000])
      assert.isAtMost(maxInWindow(starts, 1000), 2)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({ "esim/usage/query": usageServer() }, {
          rateLimit: { limit: 2, window: "1 second", margin: 0 }
        })
      )
    ))

  it.effect("25 ids at 2 per second: the third batch waits for the window", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 25 }, (_, i) => tranNo(i + 1))
      const exit = yield* advance(Usage.checkAll(ids), "10 seconds")
      assert.strictEqual(successOf(exit).length, 25)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 0, 1000])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({ "esim/usage/query": usageServer() }, {
          rateLimit: { limit: 2, window: "1 second", margin: 0 }
        })
      )
    ))

  it.effect("concurrency bounds the batches in flight (default 4)", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 60 }, (_, i) => tranNo(i + 1))
      const exit = yield* advance(Usage.checkAll(ids), "10 seconds")
      assert.strictEqual(successOf(exit).length, 60)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 0, 0, 0, 1000, 1000])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/usage/query": (request) => Effect.as(Effect.sleep("1 second"), usageServer()(request))
        }, exact)
      )
    ))

  it.effect("with concurrency 1 the batches run one after the other", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 30 }, (_, i) => tranNo(i + 1))
      const exit = yield* advance(Usage.checkAll(ids, { concurrency: 1 }), "10 seconds")
      assert.deepStrictEqual(successOf(exit).map((r) => r.esimTranNo), ids)
      assert.deepStrictEqual(times(yield* EsimAccessTest.requests), [0, 1000, 2000])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/usage/query": (request) => Effect.as(Effect.sleep("1 second"), usageServer()(request))
        }, exact)
      )
    ))

  it.effect("a failing batch fails the whole check", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 25 }, (_, i) => tranNo(i + 1))
      const exit = yield* Effect.exit(Usage.checkAll(ids, { concurrency: 1 }))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(failureOf(exit)._tag, "Authentication")
    }).pipe(
      Effect.provide(EsimAccessTest.layer({
        "esim/usage/query": (request) =>
          request.index === 2 ? EsimAccessTest.apiError("401001") : usageServer()(request)
      }, exact))
    ))
})

describe("paging against awkward servers", () => {
  it.effect("a server that ignores pageNum: the repeated page ends the stream, nothing is emitted twice", () =>
    Effect.gen(function*() {
      const all = yield* Profiles.queryAll({ orderNo: "B-ORDER", pageSize: 5 })
      assert.deepStrictEqual(all.map((p) => p.esimTranNo), ids(5))
      assert.deepStrictEqual(yield* pageNums, [1, 2])
    }).pipe(Effect.provide(EsimAccessTest.layer({
      "esim/query": () => page(profiles(5), { pageNum: 1, pageSize: 5, total: 5 })
    }, exact))))

  it.effect("createAndAwaitProfiles reads every page of an order larger than one page", () =>
    Effect.gen(function*() {
      const big = { transactionId: "big-order", packageInfoList: [{ packageCode: "CKH002", count: 600 }] }
      const result = successOf(yield* advance(Orders.createAndAwaitProfiles(big), "10 seconds"))
      assert.strictEqual(result.profiles.length, 600)
      assert.deepStrictEqual(
        yield* Effect.map(queries, (qs) => qs.map((q) => (q.body as { pager: { pageNum: number } }).pager.pageNum)),
        [1, 2]
      )
    }).pipe(Effect.provide(EsimAccessTest.layer({ "esim/order": ordered, "esim/query": pagedServer(600) }, exact))))
})
