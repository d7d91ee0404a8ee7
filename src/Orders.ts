/**
 * `esim/order`: buy profiles from the prepaid balance (reference §2.2). Profiles are allocated asynchronously:
 * query them by `orderNo` a few seconds later, or wait for the `ORDER_STATUS` webhook.
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
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
 * retried order answers DuplicateTransaction: the first attempt went through but its answer was lost.
 */
const findOrder = (transactionId: string, since: number, error: DuplicateTransaction) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const found = yield* Profiles.query({
      startTime: DateTime.makeUnsafe(since - 5 * 60_000),
      endTime: DateTime.makeUnsafe(now + 60_000),
      pager: { pageNum: 1, pageSize: 500 }
    }).pipe(
      Effect.map(({ profiles }) => profiles.find((p) => p.transactionId === transactionId)),
      Effect.orElseSucceed(() => undefined)
    )
    return found === undefined ?
      yield* Effect.fail(error) :
      { orderNo: found.orderNo, transactionId } satisfies Order
  })

/**
 * Orders profiles. Safe to retry: every attempt sends the identical body with the same transactionId, so the API
 * recognises a repeat and does not charge twice. When a retry (after a lost answer) is told DuplicateTransaction,
 * the call looks the original order up and returns it; if the order cannot be found yet, it fails with
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
