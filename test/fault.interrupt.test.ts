/**
 * Fault tolerance (issue 6): interruption. A call or workflow interrupted mid-flight (waiting in the rate limiter,
 * mid-HTTP under a latency fault, in a retry backoff, while `Orders.createAndAwaitProfiles` polls, while
 * `Profiles.stream` pages) gives back what it held: the limiter lets the next call start on schedule (a start the
 * API already counted stays counted, a place in the queue is freed), no sleep stays pending on the TestClock, no
 * fiber it started is left running, and against a real server on 127.0.0.1 its socket is closed.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import type { Duration } from "effect"
import { Balance, EsimAccessConfig, EsimAccessTest, Orders, Profiles, Simulator } from "effect-esim-access"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fixture } from "./clientSupport.ts"
import { countingFibers, makeFiberCounter, pendingSleeps, settle } from "./faultSupport.ts"

const okBalance = () => EsimAccessTest.ok({ balance: 1 })

const inUse = (fixture("esim_query.in_use.response.json") as { obj: { esimList: Array<Record<string, unknown>> } })
  .obj.esimList[0]!

/** A full profile as the API sends it, numbered `i`. */
const profile = (i: number) => ({
  ...inUse,
  esimTranNo: `2501011234${String(i).padStart(4, "0")}`,
  iccid: `8900000000000${String(i).padStart(7, "0")}`,
  orderNo: "B-STREAM"
})

/** An answer after `delay` of TestClock time: a slow server. */
const slow = (delay: Duration.Input, reply: () => EsimAccessTest.Reply) => () =>
  Effect.sleep(delay).pipe(Effect.map(reply))

/** The exit of an interrupted fiber must be an interruption, nothing else. */
const assertInterrupted = (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause), `not interrupted: ${String(exit)}`)
}

/** Before an interruption: the effect holds timers (workflows: fibers too), so the check after it means something. */
const assertSomethingHeld = (counter: ReturnType<typeof makeFiberCounter>, fibers: boolean) =>
  Effect.gen(function*() {
    const sleeps = yield* pendingSleeps
    assert.isAbove(sleeps.length, 0, "nothing sleeping before the interruption")
    if (fibers) assert.isAbove(counter.live(), 0, "no fiber running before the interruption")
  })

/** After an interruption: no sleep left on the TestClock, no fiber the interrupted effect started still running. */
const assertNothingLeft = (counter: ReturnType<typeof makeFiberCounter>) =>
  Effect.gen(function*() {
    yield* settle()
    assert.deepStrictEqual(yield* pendingSleeps, [], "sleeps still pending on the TestClock")
    assert.strictEqual(counter.live(), 0, "fibers still running")
  })

/** Forks `effect` with its fibers counted, and lets it run until it suspends. */
const start = <A, E, R>(effect: Effect.Effect<A, E, R>, counter: ReturnType<typeof makeFiberCounter>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(countingFibers(counter)(effect))
    yield* settle()
    return fiber
  })

const requestTimes = Effect.map(EsimAccessTest.requests, (rs) => rs.map((r) => r.time))

describe("interruption releases the rate-limit slot, the timers and the fibers", () => {
  it.effect("waiting in the limiter: the place is freed, the calls behind start on schedule", () =>
    Effect.gen(function*() {
      const counter = makeFiberCounter()
      // 2 starts per second: A and B at 0; C waits for 1,000 ms, D behind it
      const a = yield* start(Balance.query(), counter)
      const b = yield* start(Balance.query(), counter)
      const c = yield* start(Balance.query(), counter)
      const d = yield* start(Balance.query(), counter)
      assert.deepStrictEqual(yield* requestTimes, [0, 0])
      yield* TestClock.adjust(500)
      yield* assertSomethingHeld(counter, false)
      yield* Fiber.interrupt(c)
      assertInterrupted(yield* Fiber.await(c))
      // E arrives after the interruption; D and E take the two slots that free up at 1,000 ms (C holds none)
      const e = yield* start(Balance.query(), counter)
      yield* TestClock.adjust(500)
      yield* settle()
      for (const fiber of [a, b, d, e]) assert.isTrue(Exit.isSuccess(yield* Fiber.await(fiber)))
      assert.deepStrictEqual(yield* requestTimes, [0, 0, 1_000, 1_000])
      yield* assertNothingLeft(counter)
    }).pipe(
      Effect.provide(EsimAccessTest.layer(okBalance, { rateLimit: { limit: 2, window: "1 second", margin: 0 } }))
    ))

  it.effect("mid-HTTP under the simulator's latency fault: the next call starts on schedule, nothing pending", () =>
    Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      yield* simulator.injectFault({ _tag: "Latency", duration: "10 seconds" }, { path: "balance/query" })
      const counter = makeFiberCounter()
      // 1 start per second: A starts at 0 and hangs in the simulator for 10 s
      const a = yield* start(Balance.query(), counter)
      yield* TestClock.adjust(100)
      yield* assertSomethingHeld(counter, false)
      yield* Fiber.interrupt(a)
      assertInterrupted(yield* Fiber.await(a))
      yield* assertNothingLeft(counter)
      // A's start was sent, so it counts: B starts when A leaves the window (1,000 ms), not after A's latency
      const b = yield* start(
        Effect.gen(function*() {
          const balance = yield* Balance.query()
          return { balance, at: yield* Clock.currentTimeMillis }
        }),
        counter
      )
      yield* TestClock.adjust(900)
      yield* settle()
      const result = yield* Fiber.join(b)
      assert.deepStrictEqual(result, { balance: { balance: 10_000_000 }, at: 1_000 })
      yield* assertNothingLeft(counter)
    }).pipe(
      Effect.provide(
        Layer.merge(
          EsimAccessConfig.layer({
            accessCode: Simulator.defaultAccessCode,
            baseUrl: Simulator.baseUrl,
            rateLimit: { limit: 1, window: "1 second", margin: 0 },
            retry: false
          }),
          Simulator.layer({ catalogue: "fixtures", rateLimit: false })
        )
      )
    ))

  it.effect("in a retry backoff: no retry is sent later, the next call starts at once", () =>
    Effect.gen(function*() {
      const counter = makeFiberCounter()
      // A fails with 503 at 0 and backs off for 1,000 ms
      const a = yield* start(Balance.query(), counter)
      yield* TestClock.adjust(500)
      yield* assertSomethingHeld(counter, false)
      yield* Fiber.interrupt(a)
      assertInterrupted(yield* Fiber.await(a))
      yield* assertNothingLeft(counter)
      // 2 starts per second: one taken by A, so B goes at once
      const b = yield* start(Balance.query(), counter)
      yield* TestClock.adjust("1 minute")
      assert.isTrue(Exit.isFailure(yield* Fiber.await(b)))
      const times = yield* requestTimes
      // A's one attempt, then B's four (B at 500 ms, its retries 1 s, 2 s, 4 s apart)
      assert.deepStrictEqual(times, [0, 500, 1_500, 3_500, 7_500])
      yield* assertNothingLeft(counter)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.status(503), {
          rateLimit: { limit: 2, window: "1 second", margin: 0 },
          retry: { base: "1 second", jitter: false }
        })
      )
    ))

  const order = { transactionId: "interrupt-1", packageInfoList: [{ packageCode: "CKH002", count: 1 }] }

  it.effect("createAndAwaitProfiles, between polls: the pause, the deadline and the orderStatus wait all end", () =>
    Effect.gen(function*() {
      const counter = makeFiberCounter()
      const waiting = yield* Deferred.make<void>()
      const workflow = yield* start(
        Orders.createAndAwaitProfiles(order, {
          // a webhook wait that never completes: its fiber must not outlive the workflow
          orderStatus: () => Deferred.succeed(waiting, undefined).pipe(Effect.andThen(Effect.never))
        }),
        counter
      )
      yield* Deferred.await(waiting)
      // the order at 0, polls at 3 s and 6 s; interrupt in the pause after the second
      yield* TestClock.adjust(7_500)
      assert.deepStrictEqual(yield* requestTimes, [0, 3_000, 6_000])
      yield* assertSomethingHeld(counter, true)
      yield* Fiber.interrupt(workflow)
      assertInterrupted(yield* Fiber.await(workflow))
      yield* assertNothingLeft(counter)
      yield* TestClock.adjust("2 minutes")
      assert.deepStrictEqual(yield* requestTimes, [0, 3_000, 6_000], "a poll after the interruption")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": () => EsimAccessTest.ok({ orderNo: "B-INT", transactionId: "interrupt-1" }),
          "esim/query": () => EsimAccessTest.apiError("200010")
        }, { rateLimit: false, retry: false })
      )
    ))

  it.effect("createAndAwaitProfiles, in a slow poll: the request, its timeout and the workflow's timers end", () =>
    Effect.gen(function*() {
      const counter = makeFiberCounter()
      const workflow = yield* start(Orders.createAndAwaitProfiles(order), counter)
      // the first poll at 3 s takes 20 s to answer; interrupt it mid-flight
      yield* TestClock.adjust(4_000)
      assert.deepStrictEqual(yield* requestTimes, [0, 3_000])
      yield* assertSomethingHeld(counter, true)
      yield* Fiber.interrupt(workflow)
      assertInterrupted(yield* Fiber.await(workflow))
      yield* assertNothingLeft(counter)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer({
          "esim/order": () => EsimAccessTest.ok({ orderNo: "B-INT", transactionId: "interrupt-1" }),
          "esim/query": slow("20 seconds", () => EsimAccessTest.apiError("200010"))
        }, { rateLimit: false, retry: false })
      )
    ))

  it.effect("Profiles.stream, mid-page: the page request ends, the next call starts on schedule", () =>
    Effect.gen(function*() {
      const counter = makeFiberCounter()
      let seen = 0
      // 3 starts per second: pages 1 and 2 (full) and page 3 (slow) all start at 0
      const consumer = yield* start(
        Profiles.stream({ orderNo: "B-STREAM", pageSize: 5 }).pipe(
          Stream.runForEach(() => Effect.sync(() => void seen++))
        ),
        counter
      )
      yield* TestClock.adjust(100)
      assert.deepStrictEqual(yield* requestTimes, [0, 0, 0])
      assert.strictEqual(seen, 10)
      yield* assertSomethingHeld(counter, true)
      yield* Fiber.interrupt(consumer)
      assertInterrupted(yield* Fiber.await(consumer))
      yield* assertNothingLeft(counter)
      // the three starts count until they leave the window: the next call starts at 1,000 ms, not later
      const next = yield* start(Balance.query(), counter)
      yield* TestClock.adjust(900)
      yield* settle()
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(next)))
      assert.deepStrictEqual(yield* requestTimes, [0, 0, 0, 1_000])
      yield* assertNothingLeft(counter)
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer((request) => {
          if (request.path === "balance/query") return okBalance()
          const pageNum = (request.body as { pager: { pageNum: number } }).pager.pageNum
          const page = () =>
            EsimAccessTest.ok({
              esimList: Array.from({ length: 5 }, (_, i) => profile(pageNum * 10 + i)),
              pager: { pageNum, pageSize: 5, total: 100 }
            })
          return pageNum < 3 ? page() : slow("20 seconds", page)()
        }, { rateLimit: { limit: 3, window: "1 second", margin: 0 }, retry: false })
      )
    ))
})

// ---------------------------------------------------------------------------------------------------------------
// a real server on 127.0.0.1: the socket of an interrupted call is closed

/**
 * A Node HTTP server on 127.0.0.1 (ephemeral port) that holds the first request without answering and answers
 * every later one with a balance. It counts the open sockets that carried a request, and completes `held` when the
 * first request arrives and `closed` when that request's connection closes.
 */
const holdingServer = Effect.acquireRelease(
  Effect.callback<{
    readonly url: string
    /** open sockets that carried a request */
    readonly busy: () => number
    readonly held: Deferred.Deferred<void>
    readonly closed: Deferred.Deferred<void>
    readonly server: http.Server
  }>((resume) => {
    const held = Deferred.makeUnsafe<void>()
    const closed = Deferred.makeUnsafe<void>()
    const busy = new Set<unknown>()
    let requests = 0
    const server = http.createServer((request, response) => {
      requests++
      if (!busy.has(request.socket)) {
        busy.add(request.socket)
        request.socket.on("close", () => void busy.delete(request.socket))
      }
      if (requests === 1) {
        // never answered: only the client can end it, by closing the connection
        request.socket.on("close", () => Deferred.doneUnsafe(closed, Effect.void))
        Deferred.doneUnsafe(held, Effect.void)
        request.resume()
        return
      }
      request.resume()
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ success: true, errorCode: "0", errorMsg: null, obj: { balance: 7 } }))
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, busy: () => busy.size, held, closed, server }))
    })
  }),
  ({ server }) =>
    Effect.callback<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  ["node:http", NodeHttpClient.layerNodeHttp]
]

describe("interruption against a real server closes the socket", () => {
  for (const [name, client] of clients) {
    it.effect(`${name}: the held request's connection is closed, no timer or fiber is left, the next call works`, () =>
      Effect.gen(function*() {
        const server = yield* holdingServer
        const counter = makeFiberCounter()
        const config = EsimAccessConfig.layer({
          accessCode: "test-access-code",
          baseUrl: server.url,
          rateLimit: { limit: 2, window: "1 second", margin: 0 },
          retry: false
        })
        const layer = Layer.merge(config, client)
        const a = yield* Effect.forkChild(countingFibers(counter)(Balance.query().pipe(Effect.provide(layer))))
        yield* Deferred.await(server.held)
        assert.strictEqual(server.busy(), 1)
        yield* assertSomethingHeld(counter, false)
        yield* Fiber.interrupt(a)
        assertInterrupted(yield* Fiber.await(a))
        // the server sees the connection close (real time; the guard fails the test instead of hanging)
        yield* Deferred.await(server.closed).pipe(
          Effect.timeoutOrElse({
            duration: "5 seconds",
            orElse: () => Effect.die(new Error(`${name}: the interrupted request's connection stayed open`))
          }),
          TestClock.withLive
        )
        // no socket that carried a request is open (fetch's global pool may hold a fresh idle connection)
        assert.strictEqual(server.busy(), 0, "the socket of the interrupted request is still open")
        yield* assertNothingLeft(counter)
        // the limiter counted A's start (one of two per second): the next call goes at once, and gets its answer
        const b = yield* Balance.query().pipe(Effect.provide(layer))
        assert.deepStrictEqual(b, { balance: 7 })
      }).pipe(Effect.scoped))
  }
})
