/**
 * `esim/usage/query`: data used per profile (reference §2.13). Usage lags 2 to 3 hours behind the network.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/account.ts"

/**
 * One profile's usage: `dataUsage` of `totalData` bytes, as of `lastUpdateTime`.
 *
 * @since 0.1.0
 * @category models
 */
export type UsageRecord = Wire.UsageRecord

/**
 * Schema of a usage record.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UsageRecord = Wire.UsageRecord

/**
 * Usage of 1 to 10 profiles by esimTranNo (ICCIDs are not accepted). More than 10, or none, fails with
 * `InvalidRequest` before anything is sent.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DataVolume, Usage } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const [usage] = yield* Usage.check(["25010112340001"])
 *   if (usage) yield* Effect.log(`${DataVolume.format(usage.dataUsage)} of ${DataVolume.format(usage.totalData)}`)
 * })
 * ```
 */
export const check = (
  esimTranNos: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<UsageRecord>, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.usage, { esimTranNoList: esimTranNos }).pipe(Effect.map((obj) => obj.esimUsageList))
