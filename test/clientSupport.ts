/**
 * Shared helpers for the client-core tests: fixtures, running an effect under the TestClock, and checks on the
 * recorded requests.
 */
import { Effect, Exit, Fiber } from "effect"
import type { Duration } from "effect"
import { EsimAccessTest } from "effect-esim-access"
import { TestClock } from "effect/testing"
import { readdirSync, readFileSync } from "node:fs"

const fixtureDir = new URL("./fixtures/", import.meta.url)

/** A fixture from `test/fixtures`, parsed. */
export const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixtureDir), "utf8"))

/** The names of the fixtures matching `pattern`. */
export const fixtureNames = (pattern: RegExp): ReadonlyArray<string> =>
  readdirSync(fixtureDir).filter((name) => pattern.test(name)).sort()

/** A fixture as a record, for building call parameters from a request fixture. */
export const fixtureRecord = (name: string): Record<string, unknown> => fixture(name) as Record<string, unknown>

/**
 * Forks `effect`, moves the TestClock forward by `by`, and returns the fiber's exit. Fails the test (instead of
 * hanging) when the fiber has not finished by then.
 */
export const advance = <A, E, R>(effect: Effect.Effect<A, E, R>, by: Duration.Input) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    yield* TestClock.adjust(by)
    const exit = fiber.pollUnsafe()
    if (exit === undefined) {
      yield* Fiber.interrupt(fiber)
      return yield* Effect.die(new Error(`the effect was still running after ${String(by)}`))
    }
    return exit
  })

/** The success of an exit, or a thrown assertion error that shows the failure. */
export const successOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw new Error(`expected success, got ${String(exit.cause)}`)
}

/** The typed failure of an exit, or a thrown assertion error. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isFailure(exit)) {
    const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
    if (failure !== undefined && failure._tag === "Fail") return failure.error
  }
  throw new Error(`expected a typed failure, got ${Exit.isSuccess(exit) ? "success" : String(exit.cause)}`)
}

/** The request start times, in milliseconds of TestClock time. */
export const times = (requests: ReadonlyArray<EsimAccessTest.RecordedRequest>): ReadonlyArray<number> =>
  requests.map((request) => request.time)

/** The largest number of starts in any half-open window `[t, t + windowMillis)` that begins at a start. */
export const maxInWindow = (starts: ReadonlyArray<number>, windowMillis: number): number =>
  Math.max(0, ...starts.map((from) => starts.filter((t) => t >= from && t < from + windowMillis).length))

/**
 * Lets forked fibers run (no time passes) until the fake has seen `n` requests; fails the test if they never
 * arrive. Signing is synchronous, so this only yields to the scheduler.
 */
export const untilRequests = (n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if ((yield* EsimAccessTest.requests).length >= n) return
      yield* Effect.yieldNow
    }
    return yield* Effect.die(new Error(`the fake never saw ${n} requests`))
  })

/**
 * `EsimAccessTest.layer` with the production limiter and retry policy switched on (the test layer turns both off
 * by default), for tests that assert them.
 */
export const withDefaults = (
  handler: Parameters<typeof EsimAccessTest.layer>[0],
  options: Parameters<typeof EsimAccessTest.layer>[1] = {}
) => EsimAccessTest.layer(handler, { retry: {}, rateLimit: {}, ...options })
