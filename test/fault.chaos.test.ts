/**
 * Fault tolerance (issue 6): chaos ordering. 1,000 `Orders.create` calls with distinct transactionIds against the
 * in-process simulator while a seeded PRNG faults about a third of all requests (5xx pages, dropped connections,
 * answers lost after the order was placed, ServerBusy, malformed bodies, latency under and past the client's
 * timeout). Every delay runs on the TestClock. Afterwards: at most one order per transactionId (exactly one for every
 * call that succeeded or said DuplicateTransaction, and exactly one for all of them once the failed ones are
 * resumed), the balance reconciles with the orders and the ledger, every call ended in success or a typed
 * `EsimAccessError`, and none took longer than its deadline. Both duplicate modes of the simulator: "replay" (the
 * original order is answered again) and "error" (310402, which `Orders.create` resolves by looking the order up).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Context, Effect, Exit, Layer, Scheduler, Schema } from "effect"
import { Balance, EsimAccessConfig, EsimAccessError, Orders, Simulator } from "effect-esim-access"
import { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { prng, runUnderClock } from "./faultSupport.ts"

// ---------------------------------------------------------------------------------------------------------------
// the client's configuration and the deadline it implies

const timeoutMillis = 5_000
const retry = { times: 3, base: 250, maxDelay: 2_000 } as const

/** The longest an `EsimAccessConfig`'s single call may take: every attempt times out, every backoff is maximal. */
const callDeadline = (() => {
  const attempts = retry.times + 1
  let backoff = 0
  for (let k = 0; k < retry.times; k++) {
    // exponential from `base`, jittered up to +20 %, then capped at maxDelay (EsimAccessConfig.retrySchedule)
    backoff += Math.min(Math.round(retry.base * 2 ** k * 1.2), retry.maxDelay)
  }
  return attempts * timeoutMillis + backoff
})()

/**
 * `Orders.create` is one `esim/order` call and, when a retry is told DuplicateTransaction, the lookup of the original
 * order: the `esim/query` pages (500 profiles each) of the minutes around the call, read until the order shows up,
 * repeated every 3 seconds for up to a minute from the call's start while the order is not found (its documented
 * behaviour). The last lookup starts at most a minute after the call (or after the order call, if that took
 * longer) and reads at most one page per 500 profiles allocated in that time, plus a last empty one, each within
 * one call's deadline.
 */
const recoveryMillis = 60_000
const createDeadline = (profilesInWindow: number) =>
  Math.max(recoveryMillis, callDeadline) + (Math.floor(profilesInWindow / 500) + 1) * callDeadline

const clientConfig = EsimAccessConfig.layer({
  accessCode: Simulator.defaultAccessCode,
  baseUrl: Simulator.baseUrl,
  timeout: `${timeoutMillis} millis`,
  retry: { times: retry.times, base: `${retry.base} millis`, maxDelay: `${retry.maxDelay} millis` },
  rateLimit: false
})

// ---------------------------------------------------------------------------------------------------------------
// seeded chaos

type FaultKind = "5xx" | "Drop" | "LostResponse" | "ServerBusy" | "MalformedBody" | "SlowAnswer" | "PastTimeout"

/** Cumulative probabilities per request: about 34 % of requests are faulted. */
const faultTable: ReadonlyArray<readonly [number, FaultKind]> = [
  [0.08, "5xx"],
  [0.14, "Drop"],
  [0.21, "LostResponse"],
  [0.27, "ServerBusy"],
  [0.28, "MalformedBody"],
  [0.30, "SlowAnswer"],
  [0.34, "PastTimeout"]
]

const pickFault = (random: () => number): readonly [FaultKind, Simulator.Fault] | undefined => {
  const roll = random()
  const kind = faultTable.find(([p]) => roll < p)?.[1]
  switch (kind) {
    case undefined:
      return undefined
    case "5xx":
      return [kind, { _tag: "HttpStatus", status: [500, 502, 503, 504][Math.floor(random() * 4)]! }]
    case "Drop":
      return [kind, { _tag: "Drop" }]
    case "LostResponse":
      return [kind, { _tag: "LostResponse" }]
    case "ServerBusy":
      return [kind, { _tag: "ServerBusy" }]
    case "MalformedBody":
      return [kind, { _tag: "MalformedBody" }]
    case "SlowAnswer":
      // slow, but inside the timeout: answered normally
      return [kind, { _tag: "Latency", duration: 100 + Math.floor(random() * (timeoutMillis - 200)) }]
    case "PastTimeout":
      // a latency spike the client gives up on
      return [kind, { _tag: "Latency", duration: timeoutMillis + 1 + Math.floor(random() * 4_000) }]
  }
}

class Chaos extends Context.Service<Chaos, {
  readonly simulator: Simulator.Service
  /** faults injected so far, by kind */
  readonly injected: Map<FaultKind, number>
  /** requests seen so far, by path */
  readonly requests: Map<string, number>
  /** turns the fault injection on or off */
  readonly setEnabled: (enabled: boolean) => void
}>()("test/Chaos") {}

/**
 * A simulator and an `HttpClient` in front of it that, before each request, may inject one fault (drawn from the
 * seeded PRNG) for that request's path, to be taken by the next request to it.
 */
const chaosLayer = (options: { readonly seed: number; readonly simulator: Simulator.Options }) =>
  Layer.effectContext(Effect.gen(function*() {
    const simulator = yield* Simulator.make(options.simulator)
    const inner = Simulator.httpClient(simulator)
    const random = prng(options.seed)
    const injected = new Map<FaultKind, number>()
    const requests = new Map<string, number>()
    let enabled = true
    const client = HttpClient.make((request, url) =>
      Effect.gen(function*() {
        const path = url.pathname.replace(/^\/api\/v1\/open\//, "")
        requests.set(path, (requests.get(path) ?? 0) + 1)
        const fault = enabled ? pickFault(random) : undefined
        if (fault !== undefined) {
          injected.set(fault[0], (injected.get(fault[0]) ?? 0) + 1)
          yield* simulator.injectFault(fault[1], { path })
        }
        return yield* inner.execute(request)
      })
    )
    return Context.make(HttpClient.HttpClient, client).pipe(
      Context.add(Chaos, { simulator, injected, requests, setEnabled: (on) => void (enabled = on) })
    )
  }))

// ---------------------------------------------------------------------------------------------------------------
// the workload

/**
 * 1,000 calls in 10 bursts of 100 concurrent calls, 7 minutes apart. The lookup after a DuplicateTransaction reads
 * the profiles allocated from 5 minutes before the call to 1 minute after it, so it sees one burst's orders only
 * (at most 140 profiles: one page). The multi-page lookup has its own test below.
 */
const calls = 1_000
const burst = 100
const burstEvery = 7 * 60_000
const startBalance = 1_000_000_000
const packages = [{ packageCode: "CKH002", price: 18_000 }, { packageCode: "CKH491", price: 57_000 }] as const

/** Profiles per order: mostly 1, some 2 and 3. */
const counts = [1, 1, 2, 1, 1, 3, 1, 1, 2, 1] as const

/** The parameters of call `i`: one of two packages, 1 to 3 profiles, with price and amount (checked by the API). */
const paramsOf = (mode: string, i: number): Orders.CreateParams => {
  const pkg = packages[i % 2]!
  const count = counts[i % counts.length]!
  return {
    transactionId: `chaos-${mode}-${String(i).padStart(4, "0")}`,
    amount: pkg.price * count,
    packageInfoList: [{ packageCode: pkg.packageCode, count, price: pkg.price }]
  }
}

/** The most profiles one burst allocates: what a lookup may have to page through. */
const profilesPerBurst = (mode: string) =>
  Math.max(
    ...Array.from({ length: calls / burst }, (_, b) =>
      Array.from({ length: burst }, (_, j) =>
        paramsOf(mode, b * burst + j).packageInfoList[0]!.count)
        .reduce((x, y) => x + y))
  )

interface Outcome {
  readonly params: Orders.CreateParams
  readonly exit: Exit.Exit<Orders.Order, EsimAccessError.EsimAccessError>
  /** TestClock milliseconds from the call's start to its end */
  readonly duration: number
}

const timed = (params: Orders.CreateParams) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(Orders.create(params))
    const duration = (yield* Clock.currentTimeMillis) - start
    return { params, exit, duration } satisfies Outcome
  })

/** The 1,000 calls, burst after burst. */
const workload = (mode: string) =>
  Effect.gen(function*() {
    const outcomes: Array<Outcome> = []
    const start = yield* Clock.currentTimeMillis
    for (let b = 0; b < calls / burst; b++) {
      const wait = start + b * burstEvery - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(wait)
      const params = Array.from({ length: burst }, (_, j) => paramsOf(mode, b * burst + j))
      outcomes.push(...yield* Effect.forEach(params, timed, { concurrency: burst }))
    }
    return outcomes
  })

const isTyped = Schema.is(EsimAccessError.EsimAccessError)

/** The typed error of a failed exit; throws on a defect, an interruption or an untyped failure. */
const typedFailure = (exit: Exit.Exit<unknown, unknown>, label: string): EsimAccessError.EsimAccessError => {
  if (Exit.isSuccess(exit)) throw new Error(`${label}: expected a failure`)
  const reasons = exit.cause.reasons
  if (Cause.hasDies(exit.cause) || Cause.hasInterrupts(exit.cause) || reasons.length !== 1) {
    throw new Error(`${label}: not a single typed failure: ${Cause.pretty(exit.cause)}`)
  }
  const reason = reasons[0]!
  if (!Cause.isFailReason(reason) || !isTyped(reason.error)) {
    throw new Error(`${label}: an untyped failure: ${Cause.pretty(exit.cause)}`)
  }
  return reason.error
}

const countBy = <A>(items: Iterable<A>, key: (a: A) => string): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

/** Checks the balance against the orders and the ledger. */
const reconcile = (snapshot: Simulator.Snapshot) => {
  const paid = snapshot.orders.reduce((sum, o) => sum + o.amount, 0)
  assert.strictEqual(snapshot.balance, startBalance - paid, "balance = start − Σ paid")
  const movements = snapshot.ledger.filter((e) => e.kind === "order")
  assert.strictEqual(movements.length, snapshot.orders.length, "one ledger entry per order")
  assert.strictEqual(snapshot.ledger.length, movements.length, "no other movements")
  assert.strictEqual(movements.reduce((sum, e) => sum + e.amount, 0), -paid, "ledger sum = −Σ paid")
  const byOrder = new Map(snapshot.orders.map((o) => [o.orderNo, o]))
  for (const entry of movements) assert.strictEqual(entry.amount, -byOrder.get(entry.reference)!.amount)
  let running = startBalance
  for (const entry of snapshot.ledger) {
    running += entry.amount
    assert.strictEqual(entry.balance, running, "each ledger entry carries the running balance")
  }
  assert.strictEqual(running, snapshot.balance)
  return paid
}

const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(", ")

const modes = ["replay", "error"] as const

describe("chaos ordering: 1,000 Orders.create calls under random faults", () => {
  for (const mode of modes) {
    it.effect(`duplicate mode "${mode}": no order lost or doubled, the balance reconciles, deadlines hold`, () =>
      Effect.gen(function*() {
        const chaos = yield* Chaos
        const real = Date.now()
        const cpu = process.cpuUsage()
        const clockStart = yield* Clock.currentTimeMillis

        const deadline = createDeadline(profilesPerBurst(mode))

        // phase 1: every call once, in bursts of 100 concurrent calls, under faults
        const outcomes: ReadonlyArray<Outcome> = yield* runUnderClock(workload(mode))
        const virtual = (yield* Clock.currentTimeMillis) - clockStart
        const snapshot = yield* chaos.simulator.state

        // every call ended in success or one typed EsimAccessError, within its deadline
        const failures = new Map<string, EsimAccessError.EsimAccessError>()
        for (const o of outcomes) {
          if (Exit.isFailure(o.exit)) failures.set(o.params.transactionId, typedFailure(o.exit, o.params.transactionId))
          assert.isAtMost(o.duration, deadline, `${o.params.transactionId} took ${o.duration} ms`)
        }
        const longest = Math.max(...outcomes.map((o) => o.duration))
        // and only with the errors these faults can cause: a fault classified wrongly would show here
        const byTag = countBy(failures.values(), (e) => e._tag)
        const expectedTags = ["TransportError", "ServerBusy", "DecodeError", "DuplicateTransaction"]
        assert.deepStrictEqual([...byTag.keys()].filter((tag) => !expectedTags.includes(tag)), [])
        // a malformed body is not transient, so not retried: at most one DecodeError per such fault; every other
        // fault is transient and retried
        assert.isAtMost(byTag.get("DecodeError") ?? 0, chaos.injected.get("MalformedBody") ?? 0)

        // at most one order per transactionId; exactly one, the one answered, for every success
        const orders = new Map<string, Array<Simulator.Order>>()
        for (const order of snapshot.orders) {
          orders.set(order.transactionId, [...(orders.get(order.transactionId) ?? []), order])
        }
        for (const [transactionId, list] of orders) {
          assert.strictEqual(list.length, 1, `${transactionId} was ordered ${list.length} times`)
        }
        for (const o of outcomes) {
          const placed = orders.get(o.params.transactionId) ?? []
          if (Exit.isSuccess(o.exit)) {
            assert.strictEqual(placed.length, 1, o.params.transactionId)
            assert.strictEqual(o.exit.value.orderNo, placed[0]!.orderNo, o.params.transactionId)
            assert.strictEqual(o.exit.value.transactionId, o.params.transactionId)
          } else if (failures.get(o.params.transactionId)!._tag === "DuplicateTransaction") {
            // "the order exists and is paid for"
            assert.strictEqual(placed.length, 1, o.params.transactionId)
          }
          // the amount charged is the order's price × count
          if (placed.length === 1) assert.strictEqual(placed[0]!.amount, o.params.amount)
        }
        const paid = reconcile(snapshot)
        assert.strictEqual(yield* chaos.simulator.balance, snapshot.balance)

        // the chaos was real: every kind of fault was injected, some calls failed, most succeeded
        for (const [, kind] of faultTable) {
          assert.isAbove(chaos.injected.get(kind) ?? 0, 0, `no ${kind} fault was injected`)
        }
        assert.isAbove(failures.size, 0, "no call failed: the faults were too mild to test anything")
        assert.isBelow(failures.size, calls / 10)
        if (mode === "error") {
          // 310402 after a lost answer was resolved by looking the order up
          assert.isAbove(chaos.requests.get("esim/query") ?? 0, 0, "no DuplicateTransaction recovery happened")
        }

        // phase 2: the application resumes every failed call with the same transactionId, without faults
        chaos.setEnabled(false)
        yield* chaos.simulator.clearFaults
        const failed = outcomes.filter((o) => Exit.isFailure(o.exit))
        const resumed: ReadonlyArray<Outcome> = yield* runUnderClock(
          Effect.forEach(failed, (o) => timed(o.params), { concurrency: burst })
        )
        for (const r of resumed) {
          const before = orders.get(r.params.transactionId)?.[0]
          if (Exit.isSuccess(r.exit)) {
            // replay answers the existing order; otherwise the order is placed now
            if (before !== undefined) assert.strictEqual(r.exit.value.orderNo, before.orderNo)
          } else {
            // only in "error" mode, and only for an order that exists: a first attempt answered 310402
            const error = typedFailure(r.exit, r.params.transactionId)
            assert.strictEqual(error._tag, "DuplicateTransaction", `${r.params.transactionId}: ${error.message}`)
            assert.strictEqual(mode, "error")
            assert.isDefined(before, r.params.transactionId)
          }
        }
        const final = yield* chaos.simulator.state
        const perTransaction = countBy(final.orders, (o) => o.transactionId)
        assert.strictEqual(perTransaction.size, calls, "every transactionId has an order")
        for (const [transactionId, n] of perTransaction) assert.strictEqual(n, 1, transactionId)
        const paidFinal = reconcile(final)
        // and the API reports the same balance
        assert.strictEqual((yield* runUnderClock(Balance.query())).balance, final.balance)
        const expected = Array.from({ length: calls }, (_, i) => paramsOf(mode, i).amount!).reduce((a, b) => a + b)
        assert.strictEqual(paidFinal, expected, "Σ paid = Σ of every call's amount, each once")

        console.info(
          `[chaos ${mode}] ${calls} calls, ${outcomes.length - failures.size} succeeded, ${failures.size} failed ` +
            `(${fmt(byTag)}); requests: ${fmt(chaos.requests)}; faults: ` +
            `${fmt(chaos.injected)}; longest call ${longest} ms of ${deadline} ms deadline; ` +
            `${virtual} ms of TestClock time; paid ${paid} then ${paidFinal} after resuming; ` +
            `${Date.now() - real} ms real, ${
              Math.round((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000)
            } ms CPU`
        )
      }).pipe(
        Effect.provideService(Scheduler.PreventSchedulerYield, true),
        Effect.provide(
          Layer.merge(
            clientConfig,
            chaosLayer({
              seed: mode === "replay" ? 20_260_601 : 20_260_602,
              simulator: {
                catalogue: "fixtures",
                rateLimit: false,
                balance: startBalance,
                allocationDelay: 0,
                duplicateTransactionId: mode
              }
            })
          )
        )
      ))
  }
})

describe("DuplicateTransaction recovery on a busy account", () => {
  it.effect("the lost order is found beyond the first page of 500 profiles", () =>
    Effect.gen(function*() {
      const chaos = yield* Chaos
      chaos.setEnabled(false)
      // 600 profiles allocated in the last minutes: the lookup's range holds two pages
      yield* Effect.forEach(
        Array.from({ length: 300 }, (_, i) => i),
        (i) => Orders.create({ transactionId: `busy-${i}`, packageInfoList: [{ packageCode: "CKH002", count: 2 }] }),
        { concurrency: 50, discard: true }
      )
      yield* TestClock.adjust("1 minute")
      // the answer to the next order is lost after the order was placed; the retry is told 310402
      yield* chaos.simulator.injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
      const order = yield* runUnderClock(
        Orders.create({ transactionId: "busy-lost", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
      )
      const placed = (yield* chaos.simulator.state).orders.filter((o) => o.transactionId === "busy-lost")
      assert.strictEqual(placed.length, 1)
      assert.strictEqual(order.orderNo, placed[0]!.orderNo)
      // page 1 (500 profiles, none of them) and page 2 (the remaining 101, the order among them)
      assert.strictEqual(chaos.requests.get("esim/query"), 2)
    }).pipe(
      Effect.provideService(Scheduler.PreventSchedulerYield, true),
      Effect.provide(
        Layer.merge(
          clientConfig,
          chaosLayer({
            seed: 1,
            simulator: {
              catalogue: "fixtures",
              rateLimit: false,
              balance: startBalance,
              allocationDelay: 0,
              duplicateTransactionId: "error"
            }
          })
        )
      )
    ))
})
