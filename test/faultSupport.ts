/**
 * Helpers for the fault-tolerance suites (`test/fault.*.test.ts`): a seeded PRNG, a look at the TestClock's pending
 * sleeps, an event-driven TestClock driver that lets real asynchronous work settle between steps, a live-fiber
 * counter, and a forced GC when one can be had.
 */
import { Clock, Effect, Fiber, Metric } from "effect"
import { TestClock } from "effect/testing"
import * as v8 from "node:v8"
import * as vm from "node:vm"

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
export const prng = (seed: number): () => number => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * The wake-up times of the sleeps pending on the current TestClock. `effect/testing` does not expose them (its
 * `TestClock` interface has `adjust`, `setTime` and `withLive` only), so this reads the implementation's queue, and
 * fails loudly if that ever changes shape rather than let a check pass vacuously.
 */
export const pendingSleeps: Effect.Effect<ReadonlyArray<number>> = TestClock.testClockWith((clock) =>
  Effect.sync(() => {
    const sleeps: unknown = (clock as unknown as { readonly sleeps?: unknown }).sleeps
    if (!Array.isArray(sleeps)) throw new Error("TestClock internals changed: no `sleeps` queue to inspect")
    return sleeps.map((entry: unknown) => {
      const timestamp = (entry as { readonly timestamp?: unknown }).timestamp
      if (typeof timestamp !== "number") throw new Error("TestClock internals changed: a sleep without a timestamp")
      return timestamp
    })
  })
)

/**
 * Lets real asynchronous work run to its next suspension: the in-process simulator reads request and response
 * bodies through web `Request`/`Response` promises, whose continuations the TestClock does not wait for. Each round
 * is one turn of the event loop (the promise's microtasks, then the resumed fiber's task).
 */
export const settle = (rounds = 6) =>
  Effect.gen(function*() {
    for (let i = 0; i < rounds; i++) yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
  })

/**
 * Runs `effect` on its own fiber and drives the TestClock event by event: jump to the earliest pending sleep, let
 * real asynchronous work settle, repeat until the fiber is done. Every sleep wakes at its own time, and no timeout
 * can fire while a request it guards is still reading a body in real time (as it could if one `adjust` spanned
 * both). Run the effect with `Scheduler.PreventSchedulerYield` so CPU-bound work (decoding a page of 500
 * profiles) finishes within one settle round.
 */
export const runUnderClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly maxJump?: number; readonly maxSteps?: number } = {}
) =>
  Effect.gen(function*() {
    const maxJump = options.maxJump ?? 3_600_000
    const maxSteps = options.maxSteps ?? 100_000
    const fiber = yield* Effect.forkChild(effect)
    yield* settle()
    for (let step = 0; fiber.pollUnsafe() === undefined; step++) {
      const now = yield* Clock.currentTimeMillis
      const next = Math.min(...(yield* pendingSleeps))
      if (!Number.isFinite(next)) {
        // nothing sleeps: the fiber waits for real work (or nothing at all); give it time before calling it stuck
        for (let i = 0; i < 50 && fiber.pollUnsafe() === undefined; i++) yield* settle()
        if (fiber.pollUnsafe() !== undefined) break
      }
      if (step > maxSteps || !Number.isFinite(next) || next - now > maxJump) {
        yield* Fiber.interrupt(fiber)
        return yield* Effect.die(
          new Error(
            `the effect is stuck at ${now} ms of TestClock time after ${step} steps (next sleep: ${next} ms)`
          )
        )
      }
      yield* TestClock.adjust(Math.max(0, next - now))
      yield* settle()
    }
    return yield* Fiber.join(fiber)
  })

/**
 * A live-fiber counter: provide `service` as `Metric.FiberRuntimeMetrics` to an effect and every fiber it starts,
 * directly or through its children, is counted from its start to its end.
 */
export const makeFiberCounter = () => {
  let started = 0
  let ended = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => void started++,
    recordFiberEnd: () => void ended++
  }
  return {
    service,
    /** fibers started and not yet ended */
    live: () => started - ended,
    started: () => started
  }
}

/** Provides a fiber counter to `effect`. */
export const countingFibers =
  (counter: ReturnType<typeof makeFiberCounter>) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, Metric.FiberRuntimeMetrics, counter.service)

/** `global.gc` when node runs with --expose-gc, else one obtained at run time through V8 flags, else undefined. */
export const findGc = (): (() => void) | undefined => {
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
