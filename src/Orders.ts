/**
 * `esim/order`: buy profiles from the prepaid balance (reference §2.2). Profiles are allocated asynchronously:
 * query them by `orderNo` a few seconds later, or wait for the `ORDER_STATUS` webhook.
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Deferred, Duration, Effect, Exit, Option, Schedule, Stream } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import { AllocationTimeout } from "./EsimAccessError.ts"
import type { DuplicateTransaction, EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/orders.ts"
import * as Profiles from "./Profiles.ts"

/**
 * One line of an order.
 *
 * @since 0.1.0
 * @category models
 */
export interface PackageInfo {
  /** packageCode or slug (the API prefers slug) */
  readonly packageCode: string
  /** profiles to buy, at least 1 (the API allows up to 30 per batch) */
  readonly count: number
  /** expected unit price in API units; the API rejects the order (PriceMismatch) when it differs */
  readonly price?: number | undefined
  /** days, 1 to 365, for day-pass plans */
  readonly periodNum?: number | undefined
}

/**
 * What `esim/order` needs: your `transactionId`, the packages and counts, and optionally the expected total.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  /**
   * Your unique id for this purchase, 1 to 50 characters. The API treats a repeated transactionId as the same
   * order, so derive it from your own business key (an order id), never from the clock: a process that restarts
   * and orders again with the same id cannot buy twice.
   */
  readonly transactionId: string
  /** expected total in API units (Σ price × count); the API rejects the order (PriceMismatch) when it differs */
  readonly amount?: number | undefined
  readonly packageInfoList: ReadonlyArray<PackageInfo>
}

/**
 * A placed order: the API's `orderNo` (query its profiles with `Profiles.query({ orderNo })`) and your
 * `transactionId`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Order {
  readonly orderNo: string
  readonly transactionId: string
}

const line = (info: PackageInfo) => ({
  packageCode: info.packageCode,
  count: info.count,
  ...(info.price === undefined ? {} : { price: info.price }),
  ...(info.periodNum === undefined ? {} : { periodNum: info.periodNum })
})

/**
 * Finds the order placed with `transactionId` through the profiles it allocated, by a time-range query from
 * `lookback` before `since` to a minute from now. Used when the API answers DuplicateTransaction: the order exists
 * (its answer was lost, or a run that crashed placed it). Reads the range page by page until the order shows up: a
 * busy account allocates more than one page of profiles in a few minutes.
 */
const findOrder = (
  transactionId: string,
  since: number,
  lookback: number,
  error: DuplicateTransaction
): Effect.Effect<Order, DuplicateTransaction, EsimAccessConfig | HttpClient.HttpClient> => {
  const lookup = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const found = yield* Profiles.stream({
      startTime: DateTime.makeUnsafe(since - lookback),
      endTime: DateTime.makeUnsafe(now + 60_000),
      pageSize: 500
    }).pipe(
      Stream.filter((p) => p.transactionId === transactionId),
      Stream.runHead,
      Effect.map(Option.getOrUndefined),
      Effect.orElseSucceed(() => undefined)
    )
    return found === undefined ? yield* Effect.fail(error) : { orderNo: found.orderNo, transactionId }
  })
  // the order's profiles appear only once allocated (3 to 30 s, reference §6): look again until then
  return lookup.pipe(
    Effect.retry({
      schedule: Schedule.spaced(recoveryInterval),
      while: () =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) => now + Duration.toMillis(recoveryInterval) <= since + recoveryDeadline
        )
    })
  )
}

const recoveryInterval = Duration.seconds(3)
const recoveryDeadline = 60_000
/** how far before the call a retried order's original may have been placed */
const retriedLookback = 5 * 60_000

/**
 * Orders profiles. Safe to retry: every attempt sends the identical body with the same transactionId, so the API
 * recognises a repeat and does not charge twice. When a retry (after a lost answer) is told DuplicateTransaction,
 * the call looks the original order up (its profiles, by a time-range query, every 3 seconds for up to a minute
 * while they are allocated) and returns it; if the order cannot be found by then, it fails with
 * DuplicateTransaction, meaning the order exists and is paid for.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Orders } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const order = yield* Orders.create({
 *     transactionId: "shop-order-1042",
 *     amount: 36000,
 *     packageInfoList: [{ packageCode: "CKH002", count: 2, price: 18000 }]
 *   })
 *   yield* Effect.log(`ordered ${order.orderNo}`)
 * })
 * ```
 */
export const create = (
  params: CreateParams
): Effect.Effect<Order, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const since = yield* Clock.currentTimeMillis
    return yield* Request.execute(Wire.order, (): typeof Wire.order.request.Type => ({
      transactionId: params.transactionId,
      ...(params.amount === undefined ? {} : { amount: params.amount }),
      packageInfoList: params.packageInfoList.map(line)
    })).pipe(
      Effect.catchTag(
        "DuplicateTransaction",
        (error) =>
          error.attempt !== undefined && error.attempt > 1 ?
            findOrder(params.transactionId, since, retriedLookback, error) :
            Effect.fail(error)
      )
    )
  })

/**
 * How an order's allocation stands after a poll of {@link createAndAwaitProfiles}: the input of its `schedule`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import type { Orders } from "effect-esim-access"
 *
 * // every 3 seconds while nothing is allocated, every second once some profiles are there
 * const cadence: Schedule.Schedule<unknown, Orders.AllocationProgress> = Schedule.spaced("1 second").pipe(
 *   Schedule.modifyDelay(({ duration, input }) => Effect.succeed(input.allocated === 0 ? "3 seconds" : duration))
 * )
 * ```
 */
export interface AllocationProgress {
  readonly orderNo: string
  /** polls made so far: 0 right after ordering, before the first */
  readonly poll: number
  /** profiles allocated at the last poll */
  readonly allocated: number
  /** profiles ordered */
  readonly expected: number
}

/**
 * Options of {@link createAndAwaitProfiles}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwaitOptions<E = never, R = never> {
  /**
   * The polling cadence: each of its delays is the pause before the next poll, from the order (or the last poll)
   * on; when it ends before every profile is allocated, the call fails with `AllocationTimeout`. Its input is the
   * {@link AllocationProgress} after each poll. Takes precedence over `interval`; default every 3 seconds, as the
   * vendor advises (reference §6).
   */
  readonly schedule?: Schedule.Schedule<unknown, AllocationProgress> | undefined
  /** the simple form of `schedule`: a fixed pause between polls (`Schedule.spaced(interval)`); default 3 seconds */
  readonly interval?: Duration.Input | undefined
  /** give up after this long with `AllocationTimeout`; default 90 seconds (allocation takes 3 to 30 s) */
  readonly deadline?: Duration.Input | undefined
  /**
   * Completes when the order's `ORDER_STATUS` webhook arrives (e.g. from a queue your webhook receiver feeds);
   * the pause it falls into then ends at once (once: later pauses are the schedule's). Failures of it are ignored.
   */
  readonly orderStatus?: ((orderNo: string) => Effect.Effect<unknown, E, R>) | undefined
  /** called before each poll after the first, with the poll number; for progress output */
  readonly onPoll?: ((poll: number) => Effect.Effect<void>) | undefined
  /**
   * How far back to look for the original order when the API answers DuplicateTransaction to the first attempt
   * (a re-run of a purchase that already went through, e.g. after a crash); default 24 hours. See
   * {@link createAndAwaitProfiles}.
   */
  readonly lookback?: Duration.Input | undefined
}

/**
 * An order with its allocated profiles.
 *
 * @since 0.1.0
 * @category models
 */
export interface OrderWithProfiles {
  readonly order: Order
  readonly profiles: ReadonlyArray<Profiles.Profile>
}

/** A duration option in milliseconds; `fallback` for one that is not a duration, `NaN` or negative. */
const millisOr = (input: Duration.Input | undefined, fallback: number): number => {
  if (input === undefined || (typeof input === "number" && Number.isNaN(input))) return fallback
  const decoded = Duration.fromInput(input)
  if (Option.isNone(decoded)) return fallback
  const millis = Duration.toMillis(decoded.value)
  return Number.isNaN(millis) || millis < 0 ? fallback : millis
}

const defaultInterval = 3_000
const defaultDeadline = 90_000
const defaultLookback = 24 * 60 * 60_000

/**
 * Orders, then polls `Profiles.query({ orderNo })` through `ProfileNotReady` until every ordered profile is
 * allocated, and returns the order with its profiles (activation codes, QR codes). Polls follow `schedule`
 * (default every 3 seconds; the first one pause after ordering, as profiles are never ready at once), and an
 * `orderStatus` webhook signal ends the pause it falls into. Past the deadline, or when the schedule ends, it fails
 * with `AllocationTimeout` carrying the `orderNo`: the order exists and is paid for, so resume instead of ordering
 * again.
 *
 * The order itself is as safe to retry as {@link create}, and so is the whole workflow: when the API answers
 * DuplicateTransaction to the first attempt (a re-run after a crash, on an account that answers 310402 to a
 * repeated transactionId), the order exists and is paid for (reference §6), so the workflow looks it up (the
 * profiles created within `lookback`, default 24 hours, for up to a minute while they are allocated) and awaits
 * its profiles, polling at once. If the order cannot be found, it fails with DuplicateTransaction.
 *
 * @since 0.1.0
 * @category workflows
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Orders } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const { order, profiles } = yield* Orders.createAndAwaitProfiles({
 *     transactionId: "shop-order-1042",
 *     packageInfoList: [{ packageCode: "CKH002", count: 1 }]
 *   })
 *   yield* Effect.log(order.orderNo, profiles[0]?.ac, profiles[0]?.qrCodeUrl)
 * })
 *
 * // poll after 2, 4, 8 and 16 seconds, then give up (AllocationTimeout)
 * const patient = Orders.createAndAwaitProfiles({
 *   transactionId: "shop-order-1043",
 *   packageInfoList: [{ packageCode: "CKH002", count: 1 }]
 * }, { schedule: Schedule.max([Schedule.exponential("2 seconds"), Schedule.recurs(4)]) })
 * ```
 */
export const createAndAwaitProfiles = <E = never, R = never>(
  params: CreateParams,
  options: AwaitOptions<E, R> = {}
): Effect.Effect<
  OrderWithProfiles,
  EsimAccessError | AllocationTimeout,
  EsimAccessConfig | HttpClient.HttpClient | R
> =>
  Effect.gen(function*() {
    const since = yield* Clock.currentTimeMillis
    const lookback = millisOr(options.lookback, defaultLookback)
    // a DuplicateTransaction on a retry was looked up by create already; on the first attempt it is a re-run
    const { order, resumed } = yield* create(params).pipe(
      Effect.map((order) => ({ order, resumed: false })),
      Effect.catchTag("DuplicateTransaction", (error) =>
        error.attempt !== undefined && error.attempt > 1 ?
          Effect.fail(error) :
          Effect.map(findOrder(params.transactionId, since, lookback, error), (order) => ({ order, resumed: true })))
    )
    const expected = params.packageInfoList.reduce((n, line) => n + line.count, 0)
    const deadline = Duration.millis(millisOr(options.deadline, defaultDeadline))
    const schedule = options.schedule ??
      Schedule.spaced(Duration.millis(millisOr(options.interval, defaultInterval)))
    const pageSize = Math.min(500, Math.max(5, expected))
    // set when the ORDER_STATUS webhook arrived (a failure of orderStatus never sets it); it wakes one pause early
    const signalled = yield* Deferred.make<void>()
    if (options.orderStatus !== undefined) {
      yield* options.orderStatus(order.orderNo).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Exit.isSuccess(exit) ? Deferred.succeed(signalled, undefined) : Effect.void),
        Effect.forkScoped
      )
    }
    let progress: AllocationProgress = { orderNo: order.orderNo, poll: 0, allocated: 0, expected }
    let profiles: ReadonlyArray<Profiles.Profile> | undefined
    const poll = Effect.gen(function*() {
      const n = progress.poll + 1
      if (n > 1 && options.onPoll !== undefined) yield* options.onPoll(n)
      // every page: an order can hold more profiles than one page (500)
      const result = yield* Profiles.stream({ orderNo: order.orderNo, pageSize }).pipe(
        // no page after the last ordered profile
        Stream.take(expected),
        Stream.runCollect,
        Effect.map((found) => Option.some<ReadonlyArray<Profiles.Profile>>(found)),
        Effect.catchTag("ProfileNotReady", () => Effect.succeed(Option.none<ReadonlyArray<Profiles.Profile>>()))
      )
      progress = { ...progress, poll: n, allocated: Option.isSome(result) ? result.value.length : progress.allocated }
      if (Option.isSome(result) && result.value.length >= expected) profiles = result.value
      return progress
    })
    // right after ordering nothing is allocated yet: the first poll comes one pause later. A resumed order was
    // found through its profiles, so it is polled at once.
    let placed = !resumed
    const step = Effect.suspend(() => {
      if (!placed) return poll
      placed = false
      return Effect.succeed(progress)
    })
    // the pause before a poll is the schedule's delay, or less when the signal comes first; the signal shortens one
    // pause only, so profiles still missing after it are polled on the schedule again, not back to back
    let woken = false
    const wake = Deferred.await(signalled).pipe(Effect.andThen(Effect.sync(() => void (woken = true))))
    const cadence = schedule.pipe(
      // checked before the pause: no pause after the poll that found every profile
      Schedule.while(() => profiles === undefined),
      Schedule.modifyDelay(({ duration }) =>
        woken ? Effect.succeed(duration) : Effect.sleep(duration).pipe(Effect.raceFirst(wake), Effect.as(Duration.zero))
      )
    )
    const timeout = (reason: string) =>
      new AllocationTimeout({
        orderNo: order.orderNo,
        transactionId: order.transactionId,
        expected,
        allocated: progress.allocated,
        message: `order ${order.orderNo}: ${progress.allocated} of ${expected} profiles allocated ${reason}; ` +
          "the order exists, query it later"
      })
    yield* Effect.repeat(step, cadence).pipe(
      Effect.timeoutOrElse({
        duration: deadline,
        orElse: () => Effect.fail(timeout(`after ${Duration.format(deadline)}`))
      })
    )
    if (profiles === undefined) {
      return yield* Effect.fail(timeout(`after ${progress.poll} polls (the schedule ended)`))
    }
    return { order, profiles }
  }).pipe(Effect.scoped)
