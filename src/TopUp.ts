/**
 * `esim/topup`: add data and days to an existing profile (reference §2.9). Only for plans with
 * `supportTopUpType` 2 or 3, with a top-up from `Packages.list({ type: "TOPUP", … })`, and not after expiry.
 *
 * @since 0.1.0
 */
import type { DateTime, Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/orders.ts"
import type { ProfileRef } from "./Profiles.ts"

/**
 * What `esim/topup` needs: the profile (`esimTranNo` or `iccid`), the top-up package, your `transactionId`.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateParams = ProfileRef & {
  /** the top-up's packageCode (`TOPUP_…`) or slug */
  readonly packageCode: string
  /** your unique id for this purchase, 1 to 50 characters; see `Orders.CreateParams` */
  readonly transactionId: string
  /** expected price in API units, verified by the API when sent */
  readonly amount?: number | undefined
  /** days to add, for day-pass top-ups */
  readonly periodNum?: number | undefined
}

/**
 * The profile after the top-up: volumes and durations are cumulative.
 *
 * @since 0.1.0
 * @category models
 */
export interface TopUpResult {
  readonly transactionId: string
  readonly iccid: string
  readonly expiredTime: DateTime.Utc
  /** bytes, base plan plus every top-up */
  readonly totalVolume: number
  /** days, base plan plus every top-up */
  readonly totalDuration: number
  /** bytes used so far */
  readonly orderUsage: number
  /** the top-up's own id (newer API versions) */
  readonly topUpEsimTranNo?: string
}

/**
 * Tops a profile up. Safe to retry for the same reason as `Orders.create`: the transactionId makes a repeat the
 * same purchase.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { TopUp } from "effect-esim-access"
 *
 * TopUp.create({ esimTranNo: "25010112340001", packageCode: "TOPUP_CKH002", transactionId: "shop-topup-77" })
 * ```
 */
export const create = (
  params: CreateParams
): Effect.Effect<TopUpResult, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.topUp, (): typeof Wire.topUp.request.Type => ({
    ...(params.esimTranNo === undefined ? {} : { esimTranNo: params.esimTranNo }),
    ...(params.iccid === undefined ? {} : { iccid: params.iccid }),
    packageCode: params.packageCode,
    transactionId: params.transactionId,
    ...(params.amount === undefined ? {} : { amount: params.amount }),
    ...(params.periodNum === undefined ? {} : { periodNum: params.periodNum })
  }))
