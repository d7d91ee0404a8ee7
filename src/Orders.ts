/**
 * `esim/order`: buy profiles from the prepaid balance (reference §2.2). Profiles are allocated asynchronously:
 * query them by `orderNo` a few seconds later, or wait for the `ORDER_STATUS` webhook.
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Deferred, Duration, Effect, Exit, Option, Stream } from "effect"
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
 * Finds the order placed with `transactionId` in a time range, through the profiles it allocated. Used when a
 * retried order answers DuplicateTransaction: the first attempt went through but its answer was lost. Reads the
 * range page by page until the order shows up: a busy account allocates more than one page of profiles in a few
 * minutes.
 */
const findOrder = (
  transactionId: string,
  since: number,
  error: DuplicateTransaction
): Effect.Effect<Order, DuplicateTransaction, EsimAccessConfig | HttpClient.HttpClient> => {
  const lookup = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    return yield* Profiles.stream({
      startTime: DateTime.makeUnsafe(since - 5 * 60_000),
      endTime: DateTime.makeUnsafe(now + 60_000),
      pageSize: 500
    }).pipe(
      Stream.filter((p) => p.transactionId === transactionId),
      Stream.runHead,
      Effect.map(Option.getOrUndefined),
      Effect.orElseSucceed(() => undefined)
    )
  })
  // the order's profiles appear only once allocated (3 to 30 s, reference §6): look again until then
  const loop: Effect.Effect<Order, DuplicateTransaction, EsimAccessConfig | HttpClient.HttpClient> = Effect.flatMap(
    lookup,
    (found) =>
      found !== undefined ?
        Effect.succeed({ orderNo: found.orderNo, transactionId }) :
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now + recoveryInterval > since + recoveryDeadline ?
            Effect.fail(error) :
            Effect.andThen(Effect.sleep(recoveryInterval), loop))
  )
  return loop
}

const recoveryInterval = 3_000
const recoveryDeadline = 60_000

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
    return yield* Request.execute(Wire.order, {
      transactionId: params.transactionId,
      ...(params.amount === undefined ? {} : { amount: params.amount }),
      packageInfoList: params.packageInfoList.map(line)
    }).pipe(
      Effect.catchTag(
        "DuplicateTransaction",
        (error) =>
          error.attempt !== undefined && error.attempt > 1 ?
            findOrder(params.transactionId, since, error) :
            Effect.fail(error)
      )
    )
  })

/**
 * Options of {@link createAndAwaitProfiles}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwaitOptions<E = never, R = never> {
  /** pause between polls; default 3 seconds, as the vendor advises (reference §6) */
  readonly interval?: Duration.Input | undefined
  /** give up after this long with `AllocationTimeout`; default 90 seconds (allocation takes 3 to 30 s) */
  readonly deadline?: Duration.Input | undefined
  /**
   * Completes when the order's `ORDER_STATUS` webhook arrives (e.g. from a queue your webhook receiver feeds);
   * the next poll then runs at once instead of after the interval. Failures of it are ignored.
   */
  readonly orderStatus?: ((orderNo: string) => Effect.Effect<unknown, E, R>) | undefined
  /** called before each poll after the first, with the poll number; for progress output */
  readonly onPoll?: ((poll: number) => Effect.Effect<void>) | undefined
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

/**
 * Orders, then polls `Profiles.query({ orderNo })` through `ProfileNotReady` until every ordered profile is
 * allocated, and returns the order with its profiles (activation codes, QR codes). Past the deadline it fails with
 * `AllocationTimeout` carrying the `orderNo`: the order exists and is paid for, so resume instead of ordering
 * again. The order itself is as safe to retry as {@link create}.
 *
 * @since 0.1.0
 * @category workflows
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Orders } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const { order, profiles } = yield* Orders.createAndAwaitProfiles({
 *     transactionId: "shop-order-1042",
 *     packageInfoList: [{ packageCode: "CKH002", count: 1 }]
 *   })
 *   yield* Effect.log(order.orderNo, profiles[0]?.ac, profiles[0]?.qrCodeUrl)
 * })
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
    const order = yield* create(params)
    const expected = params.packageInfoList.reduce((n, line) => n + line.count, 0)
    const interval = Duration.fromInputUnsafe(options.interval ?? "3 seconds")
    const deadline = Duration.fromInputUnsafe(options.deadline ?? "90 seconds")
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
    // the pause before a poll: the interval, or less when the signal comes first; the signal shortens one pause
    // only, so profiles still missing after it are polled at the interval again, not back to back
    let woken = false
    const wake = Deferred.await(signalled).pipe(Effect.andThen(Effect.sync(() => void (woken = true))))
    const pause = Effect.suspend(() =>
      woken ? Effect.sleep(interval) : Effect.sleep(interval).pipe(Effect.raceFirst(wake))
    )
    let allocated = 0
    let poll = 0
    const check = Effect.gen(function*() {
      poll++
      if (poll > 1 && options.onPoll !== undefined) yield* options.onPoll(poll)
      // every page: an order can hold more profiles than one page (500)
      const result = yield* Profiles.stream({ orderNo: order.orderNo, pageSize }).pipe(
        // no page after the last ordered profile
        Stream.take(expected),
        Stream.runCollect,
        Effect.map((profiles) => Option.some<ReadonlyArray<Profiles.Profile>>(profiles)),
        Effect.catchTag("ProfileNotReady", () => Effect.succeed(Option.none<ReadonlyArray<Profiles.Profile>>()))
      )
      if (Option.isSome(result)) allocated = result.value.length
      return Option.isSome(result) && result.value.length >= expected ? result : Option.none()
    })
    const loop: Effect.Effect<
      ReadonlyArray<Profiles.Profile>,
      EsimAccessError,
      EsimAccessConfig | HttpClient.HttpClient
    > = Effect.flatMap(check, (done) =>
      Option.isSome(done) ?
        Effect.succeed(done.value) :
        Effect.andThen(pause, loop))
    // the first poll waits one interval (profiles are never ready at once) unless the webhook comes first
    const profiles = yield* pause.pipe(
      Effect.andThen(loop),
      Effect.timeoutOrElse({
        duration: deadline,
        orElse: () =>
          Effect.fail(
            new AllocationTimeout({
              orderNo: order.orderNo,
              transactionId: order.transactionId,
              expected,
              allocated,
              message: `order ${order.orderNo}: ${allocated} of ${expected} profiles allocated after ${
                Duration.format(deadline)
              }; the order exists, query it later`
            })
          )
      })
    )
    return { order, profiles }
  }).pipe(Effect.scoped)
