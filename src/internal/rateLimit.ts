/**
 * The limiters. The default one: at most `limit` request starts in any sliding window of `window` plus a small
 * margin (8 per second for an eSIM Access account, reference §6). A log of the last `limit` start times; a start
 * waits until the oldest of them leaves the window. Fixed windows and token buckets both allow bursts of up to
 * 2 × limit across a window edge, which the API would reject, so neither is used here.
 *
 * Starts are granted in arrival order. Interrupting a waiting fiber releases its place; a start that was granted
 * stays counted, as the API counts it.
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect, Result, Semaphore } from "effect"
import type { RateLimiter } from "effect/persistence"
import { limitOr, marginMillisOr, windowMillisOr } from "./options.ts"

export interface RateLimit {
  /** Waits for a start slot and takes it. */
  readonly take: Effect.Effect<void>
}

export const unlimited: RateLimit = { take: Effect.void }

/** The account's limit (reference §6): the safe choice whenever an option cannot be used as given. */
export const defaultLimit = 8
export const defaultWindowMillis = 1_000
export const defaultMarginMillis = 40

/**
 * At most `limit` starts in any sliding `window + margin`. The margin is for the way to the API: requests that
 * start at a window's edge reach the API a little later or a little earlier than each other (event loop, connection,
 * network), and without it one that comes in late followed by one that comes in early puts `limit + 1` into a
 * sliding `window` there.
 *
 * Options that cannot limit anything never turn the limiter off: a `limit` that is not a finite number of at least
 * 1 is 8, a `window` that is not a finite positive duration is 1 second, and a `margin` that is not a finite
 * duration of at least zero is 40 ms (an absent margin is none).
 */
export const slidingWindow = (options: {
  readonly limit: number
  readonly window: Duration.Input
  readonly margin?: Duration.Input | undefined
}): RateLimit => {
  const limit = limitOr(options.limit, defaultLimit)
  const windowMillis = windowMillisOr(options.window, defaultWindowMillis) +
    (options.margin === undefined ? 0 : marginMillisOr(options.margin, defaultMarginMillis))
  const lock = Semaphore.makeUnsafe(1)
  // ring buffer of the last `limit` start times
  const starts: Array<number> = []
  let next = 0
  const take = lock.withPermits(1)(
    Effect.gen(function*() {
      if (starts.length === limit) {
        const oldest = starts[next]!
        const wait = oldest + windowMillis - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      }
      const now = yield* Clock.currentTimeMillis
      if (starts.length < limit) starts.push(now)
      else starts[next] = now
      next = (next + 1) % limit
    })
  )
  return { take }
}

/**
 * A slot booked in the store, as the store answers: it begins `delay` after the store ran the command. With
 * `index`, the store's schedule is a run of slots `spacing` apart (the `effect/persistence` fixed-window key in
 * delay mode, for as long as the key lives) and this is its slot number `index`, counted from 1: the run began
 * `delay - (index - 1) × spacing` after the command ran.
 */
export interface Reservation {
  readonly delay: Duration.Duration
  readonly index?: number | undefined
}

/**
 * When the store's run of slots began, in this process's clock: somewhere in `[lo, hi]`, learnt from the bookings
 * of that run (`at`: when last narrowed).
 */
interface RunEstimate {
  readonly lo: number
  readonly hi: number
  readonly at: number
}

/**
 * Narrows the estimate of when the store's current run of slots began with one more booking, whose own bounds are
 * `[lo, hi]`; answers the estimate to use for that booking (never wider than its own bounds).
 *
 * Each booking alone places the run's beginning within its round trip (the store ran the command somewhere between
 * sending it and reading the answer); bookings of one run all place the same moment, so their intersection is as
 * narrow as the quickest round trip among them, however slow this one was. The estimate widens by 1 ms per whole second
 * since it was last narrowed, for the two clocks drifting apart (far more than real clocks drift). A booking that
 * does not meet it belongs to a new run (the key expired while idle, or a clock stepped): it starts the estimate
 * again, as does one after the estimate has widened to half a `spacing` (minutes without a booking). A booking
 * whose own bounds are wide enough that a new run could still meet the old estimate (new runs begin at least one
 * `spacing` after the old one) is used on its own and does not narrow it; nor does it become the estimate.
 */
const narrow = (
  estimate: RunEstimate | undefined,
  lo: number,
  hi: number,
  now: number,
  spacingMillis: number
): { readonly use: RunEstimate; readonly keep: RunEstimate | undefined } => {
  const own: RunEstimate = { lo, hi, at: now }
  const fresh = hi - lo < spacingMillis / 2 ? own : undefined
  if (estimate === undefined) return { use: own, keep: fresh }
  const drift = Math.floor(Math.max(0, now - estimate.at) / 1000)
  const known = { lo: estimate.lo - drift, hi: estimate.hi + drift }
  // an estimate gone wide with age (minutes without a booking) tells nothing any more
  if (known.hi - known.lo >= spacingMillis / 2) return { use: own, keep: fresh }
  if (hi - lo + (known.hi - known.lo) >= spacingMillis) return { use: own, keep: estimate }
  const merged = { lo: Math.max(known.lo, lo), hi: Math.min(known.hi, hi), at: now }
  if (merged.lo > merged.hi) return { use: own, keep: fresh }
  return { use: merged, keep: merged }
}

/**
 * A limiter whose slots are booked in a shared store (Redis through `effect/persistence`), with a per-process
 * fallback while the store is unreachable.
 *
 * `reserve` books the next start slot in the store and answers how long to wait for it, counted from the moment
 * the store ran the command, somewhere between sending it and reading the answer. The start waits until the latest
 * moment its slot can begin, so it is never early. It may be late, by the uncertainty of that moment or when the
 * timer waited for a busy event loop: a start that would come more than `tolerance` after the earliest moment its
 * slot can have begun gives the slot up and books another (at most `maxAttempts` times, then it starts anyway), so
 * a late start never crowds the next slot, which another process may take on time.
 *
 * The uncertainty is one round trip for a booking on its own, and a busy event loop reads answers late: round trips
 * of more than `tolerance` would give most slots up. With `index` (a run of slots `spacing` apart), every booking
 * of a run also tells when the run began, and the intersection of what they tell is as narrow as the quickest round
 * trip among them ({@link narrow}): a booking whose answer was read late still knows its slot to a millisecond or
 * two. One booking at a time per process keeps round trips short (one, not a queue of them) and costs nothing:
 * bookings take milliseconds, slots are 130.
 *
 * When `reserve` fails or takes longer than `timeout`, the start goes through `fallback` instead, `onUnavailable`
 * runs once for the outage, and the store is left alone for `retryAfter` (every start in that time uses the
 * fallback); the next successful booking runs `onRecovered`. A slot booked but not used (given up, timed out,
 * interrupted) is lost, which only ever lowers the rate. `onGiveUp` runs for every slot given up, with how late its
 * start would have been (in milliseconds).
 */
export const withFallback = <E>(options: {
  readonly reserve: Effect.Effect<Reservation, E>
  readonly spacing: Duration.Duration
  readonly fallback: RateLimit
  readonly timeout: Duration.Duration
  readonly tolerance: Duration.Duration
  readonly maxAttempts: number
  readonly retryAfter: Duration.Duration
  readonly onUnavailable: (cause: E | Cause.TimeoutError) => Effect.Effect<void>
  readonly onRecovered: Effect.Effect<void>
  readonly onGiveUp?: ((lateMillis: number) => Effect.Effect<void>) | undefined
}): RateLimit => {
  const retryAfterMillis = Duration.toMillis(options.retryAfter)
  const toleranceMillis = Duration.toMillis(options.tolerance)
  const spacingMillis = Duration.toMillis(options.spacing)
  const onGiveUp = options.onGiveUp ?? (() => Effect.void)
  const lock = Semaphore.makeUnsafe(1)
  let unavailable = false
  let skipUntil = 0
  let run: RunEstimate | undefined = undefined
  const reserve = options.reserve.pipe(Effect.timeout(options.timeout), Effect.result)

  /** a booked slot: it begins between `earliest` and `start`, when this process may start */
  const book = lock.withPermits(1)(
    Effect.gen(function*() {
      // let the fibers that are ready run first (e.g. a burst of calls on their way here), so that reading the
      // answer does not wait for them
      yield* Effect.yieldNow
      const sent = yield* Clock.currentTimeMillis
      if (unavailable && sent < skipUntil) return undefined
      const reserved = yield* reserve
      const received = yield* Clock.currentTimeMillis
      if (Result.isFailure(reserved)) {
        skipUntil = received + retryAfterMillis
        if (!unavailable) {
          unavailable = true
          yield* options.onUnavailable(reserved.failure)
        }
        return undefined
      }
      if (unavailable) {
        unavailable = false
        yield* options.onRecovered
      }
      const delay = Duration.toMillis(reserved.success.delay)
      const index = reserved.success.index
      if (index === undefined || !Number.isSafeInteger(index) || index < 1 || !(spacingMillis > 0)) {
        return { earliest: sent + delay, start: received + delay }
      }
      // the run began `delay - (index - 1) × spacing` after the command ran
      const offset = delay - (index - 1) * spacingMillis
      const { keep, use } = narrow(run, sent + offset, received + offset, received, spacingMillis)
      run = keep
      const slot = (index - 1) * spacingMillis
      return { earliest: use.lo + slot, start: Math.ceil(use.hi + slot) }
    })
  )

  const take = Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const slot = yield* book
      if (slot === undefined) return yield* options.fallback.take
      const lastAttempt = attempt >= options.maxAttempts
      if (slot.start - slot.earliest > toleranceMillis && !lastAttempt) {
        yield* onGiveUp(slot.start - slot.earliest)
        continue
      }
      const wait = slot.start - (yield* Clock.currentTimeMillis)
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      const late = (yield* Clock.currentTimeMillis) - slot.earliest
      if (late <= toleranceMillis || lastAttempt) return
      yield* onGiveUp(late)
    }
  })
  return { take }
}

/** The options of a shared limiter (documented on the public `RateLimitOptions` of `effect-esim-access/Redis`). */
export interface SharedOptions {
  readonly limit?: number | undefined
  readonly window?: Duration.Input | undefined
  readonly margin?: Duration.Input | undefined
  readonly fallback?: { readonly limit?: number | undefined; readonly window?: Duration.Input | undefined } | undefined
  readonly timeout?: Duration.Input | undefined
  readonly retryAfter?: Duration.Input | undefined
}

/** The time between two starts: `(window + margin) / limit`, rounded up to whole milliseconds. */
export const spacing = (options: SharedOptions): Duration.Duration => {
  const limit = limitOr(options.limit, defaultLimit)
  const windowMillis = windowMillisOr(options.window, defaultWindowMillis)
  return Duration.millis(Math.max(1, Math.ceil((windowMillis + marginMillis(options)) / limit)))
}

const marginMillis = (options: SharedOptions): number => marginMillisOr(options.margin, defaultMarginMillis)

/**
 * A limiter on an `effect/persistence` `RateLimiter`: one start per {@link spacing} for `key` across everyone using
 * the limiter's store (`fixed-window`, limit 1, delay mode: each start books the next free slot and waits for it),
 * with the per-process fallback of {@link withFallback}. `describe` names the key in log annotations.
 */
export const shared = (
  limiter: RateLimiter.RateLimiter,
  key: string,
  options: SharedOptions & { readonly describe?: string | undefined }
): RateLimit => {
  const window = spacing(options)
  const fallbackLimit = limitOr(options.fallback?.limit, 2)
  const fallbackWindow = Duration.millis(windowMillisOr(options.fallback?.window, defaultWindowMillis))
  const annotations = {
    key: options.describe ?? key,
    fallback: `${fallbackLimit} per ${Duration.format(fallbackWindow)}`
  }
  return withFallback({
    // in delay mode with a limit of 1 the key counts the slots of its run: `remaining` is 1 - count
    reserve: Effect.map(
      limiter.consume({ key, algorithm: "fixed-window", onExceeded: "delay", limit: 1, window }),
      (result): Reservation => ({ delay: result.delay, index: 1 - result.remaining })
    ),
    spacing: window,
    fallback: slidingWindow({ limit: fallbackLimit, window: fallbackWindow }),
    timeout: Duration.fromInputUnsafe(options.timeout ?? "1 second"),
    // half the margin for a late start, the other half for the way to the API
    tolerance: Duration.millis(marginMillis(options) / 2),
    maxAttempts: 5,
    retryAfter: Duration.fromInputUnsafe(options.retryAfter ?? "5 seconds"),
    onUnavailable: (cause) =>
      Effect.logWarning(
        "eSIM Access rate limiter: Redis unreachable, using the per-process fallback limit",
        Cause.isTimeoutError(cause) ? "timed out" : cause
      ).pipe(Effect.annotateLogs(annotations)),
    onRecovered: Effect.logInfo("eSIM Access rate limiter: Redis reachable again, sharing the limit").pipe(
      Effect.annotateLogs(annotations)
    ),
    onGiveUp: (late) =>
      Effect.logDebug(
        `eSIM Access rate limiter: a start would have come ${Math.round(late)} ms after its slot; booking another`
      ).pipe(Effect.annotateLogs(annotations))
  })
}
