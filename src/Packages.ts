/**
 * `package/list`: the catalogue of data plans and top-ups (reference §2.1).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/packages.ts"

/**
 * A data plan. `price` and `retailPrice` are API units (USD × 10,000), `volume` is bytes (the daily allowance for
 * day passes), `duration` is in `durationUnit`.
 *
 * @since 0.1.0
 * @category models
 */
export type Package = Wire.Package

/**
 * Schema of a package as the API sends it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Package = Wire.Package

/**
 * Filters of `package/list`; all optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListParams {
  /** ISO alpha-2 (`JP`), a region code (`NA-3`), `!RG` for regional plans or `!GL` for global plans */
  readonly locationCode?: string | undefined
  /** `BASE` (default catalogue) or `TOPUP` (top-ups, with `packageCode` or `iccid`) */
  readonly type?: "BASE" | "TOPUP" | undefined
  readonly packageCode?: string | undefined
  /** alias of packageCode, e.g. `ES_3_30` */
  readonly slug?: string | undefined
  /** with `type: "TOPUP"`: the top-ups this eSIM can take */
  readonly iccid?: string | undefined
  /** `"1"` fixed plans, `"2"` day passes */
  readonly dataType?: "1" | "2" | undefined
}

/**
 * The catalogue, filtered. The full catalogue is about 3 MB, so this call has a longer timeout
 * (`catalogueTimeout`, 120 seconds by default).
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Packages } from "effect-esim-access"
 *
 * const japan = Packages.list({ locationCode: "JP" })
 * const topUps = Packages.list({ type: "TOPUP", iccid: "89000000000000000017" })
 * ```
 */
export const list = (
  params: ListParams = {}
): Effect.Effect<ReadonlyArray<Package>, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.list, (): typeof Wire.list.request.Type => ({
    // unused filters go as "", as the vendor's own scripts send them (reference §1.2)
    locationCode: params.locationCode ?? "",
    type: params.type ?? "",
    slug: params.slug ?? "",
    packageCode: params.packageCode ?? "",
    iccid: params.iccid ?? "",
    ...(params.dataType === undefined ? {} : { dataType: params.dataType })
  })).pipe(Effect.map((obj) => obj.packageList))
