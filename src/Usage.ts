/**
 * `esim/usage/query`: data used per profile (reference §2.13). Usage lags 2 to 3 hours behind the network.
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Duration, Effect } from "effect"
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

/**
 * A usage record with how stale it is: `staleness` is the time since `lastUpdateTime` (by Effect's `Clock`),
 * `undefined` when the API sent no update time. The API settles usage every 2 to 3 hours.
 *
 * @since 0.1.0
 * @category models
 */
export interface UsageReport extends UsageRecord {
  readonly staleness: Duration.Duration | undefined
}

/**
 * Usage of any number of profiles: split into batches of 10 (the API's limit), sent through the shared rate
 * limiter with at most `concurrency` batches in flight (default 4), and returned in input order (duplicates
 * once; ids the API does not report are left out).
 *
 * @since 0.1.0
 * @category workflows
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Usage } from "effect-esim-access"
 *
 * const lowOnData = (esimTranNos: ReadonlyArray<string>) =>
 *   Usage.checkAll(esimTranNos).pipe(
 *     Effect.map((reports) => reports.filter((r) => r.totalData - r.dataUsage < 100 * 1024 * 1024))
 *   )
 * ```
 */
export const checkAll = (
  esimTranNos: Iterable<string>,
  options: { readonly concurrency?: number | undefined } = {}
): Effect.Effect<ReadonlyArray<UsageReport>, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> => {
  // read the input once, now: a one-shot iterator must give the same ids each time the effect runs
  const ids = [...new Set(esimTranNos)]
  return Effect.gen(function*() {
    const batches: Array<Array<string>> = []
    for (let i = 0; i < ids.length; i += 10) batches.push(ids.slice(i, i + 10))
    const results = yield* Effect.forEach(batches, check, { concurrency: options.concurrency ?? 4 })
    const now = yield* Clock.currentTimeMillis
    const byId = new Map<string, UsageRecord>()
    for (const batch of results) for (const record of batch) byId.set(record.esimTranNo, record)
    const reports: Array<UsageReport> = []
    for (const id of ids) {
      const record = byId.get(id)
      if (record === undefined) continue
      const updated = record.lastUpdateTime
      reports.push({
        ...record,
        staleness: updated == null ? undefined : Duration.millis(Math.max(0, now - DateTime.toEpochMillis(updated)))
      })
    }
    return reports
  })
}
