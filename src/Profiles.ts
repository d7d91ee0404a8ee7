/**
 * `esim/query` and the profile lifecycle: cancel, suspend, unsuspend, revoke (reference §2.3 to §2.7).
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import type { DateTime } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/profiles.ts"

/**
 * An allocated eSIM profile. Hand `ac` (the LPA activation code) or `qrCodeUrl` to the traveller. Remaining data
 * is `totalVolume - orderUsage` bytes; `orderUsage` lags 2 to 3 hours.
 *
 * @since 0.1.0
 * @category models
 */
export type Profile = Wire.Profile

/**
 * Schema of a profile as the API sends it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Profile = Wire.Profile

/**
 * `esimStatus` values: the documented ones, and any other string.
 *
 * @since 0.1.0
 * @category models
 */
export type EsimStatus = Wire.EsimStatus

/**
 * `smdpStatus` values: the documented ones, and any other string.
 *
 * @since 0.1.0
 * @category models
 */
export type SmdpStatus = Wire.SmdpStatus

/**
 * A page of `esim/query`: `pageNum` (from 1), `pageSize` and, when the API sends it, the `total` number of
 * profiles matched (`Profiles.stream` does not rely on it).
 *
 * @since 0.1.0
 * @category models
 */
export type Pager = Wire.Pager

/**
 * One profile, by `esimTranNo` (recommended: ICCIDs are reused) or by `iccid`.
 *
 * @since 0.1.0
 * @category models
 */
export type ProfileRef =
  | { readonly esimTranNo: string; readonly iccid?: never }
  | { readonly iccid: string; readonly esimTranNo?: never }

interface NoIds {
  readonly orderNo?: never
  readonly esimTranNo?: never
  readonly iccid?: never
  readonly startTime?: never
  readonly endTime?: never
}

/**
 * Which profiles: exactly one of `orderNo`, `esimTranNo` or `iccid`, or a `startTime`/`endTime` range. Giving two
 * identifiers does not type-check.
 *
 * @since 0.1.0
 * @category models
 */
export type Selector =
  | (Omit<NoIds, "orderNo"> & { readonly orderNo: string })
  | (Omit<NoIds, "esimTranNo"> & { readonly esimTranNo: string })
  | (Omit<NoIds, "iccid"> & { readonly iccid: string })
  | (
    & Omit<NoIds, "startTime" | "endTime">
    & { readonly startTime: DateTime.Utc; readonly endTime?: DateTime.Utc | undefined }
  )
  | (
    & Omit<NoIds, "startTime" | "endTime">
    & { readonly endTime: DateTime.Utc; readonly startTime?: DateTime.Utc | undefined }
  )

/**
 * What to query: one of `orderNo`, `iccid`, `esimTranNo`, or a `startTime`/`endTime` range; and a page
 * (`pageNum` from 1, `pageSize` 5 to 500; default page 1 of 50).
 *
 * @since 0.1.0
 * @category models
 */
export type QueryParams =
  & Selector
  & { readonly pager?: { readonly pageNum: number; readonly pageSize: number } | undefined }

/**
 * One page of profiles.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryResult {
  readonly profiles: ReadonlyArray<Profile>
  readonly pager: Pager
}

const defaultPager = { pageNum: 1, pageSize: 50 }

/**
 * Profiles of an order, one profile, or a time range. Right after ordering, a query by `orderNo` fails with
 * `ProfileNotReady` (200010) until allocation finishes: poll again after a few seconds.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Profiles } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const { profiles } = yield* Profiles.query({ orderNo: "B25010112340001" })
 *   for (const p of profiles) yield* Effect.log(p.iccid, p.ac, p.qrCodeUrl)
 * })
 * ```
 */
export const query = (
  params: QueryParams
): Effect.Effect<QueryResult, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> => {
  const p = params as {
    readonly orderNo?: string
    readonly esimTranNo?: string
    readonly iccid?: string
    readonly startTime?: DateTime.Utc | undefined
    readonly endTime?: DateTime.Utc | undefined
    readonly pager?: { readonly pageNum: number; readonly pageSize: number } | undefined
  }
  return Request.execute(Wire.query, (): typeof Wire.query.request.Type => ({
    // unused identifiers go as "", as in the reference's example (§2.3)
    orderNo: p.orderNo ?? "",
    iccid: p.iccid ?? "",
    esimTranNo: p.esimTranNo ?? "",
    ...(p.startTime === undefined ? {} : { startTime: p.startTime }),
    ...(p.endTime === undefined ? {} : { endTime: p.endTime }),
    pager: p.pager ?? defaultPager
  })).pipe(Effect.map((obj): QueryResult => ({ profiles: obj.esimList, pager: obj.pager })))
}

const lifecycle = (endpoint: typeof Wire.cancel) =>
(
  ref: ProfileRef
): Effect.Effect<void, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(endpoint, ref).pipe(Effect.asVoid)

/**
 * Cancels a profile that was allocated but never installed, refunding its price. Allowed only while
 * `esimStatus` is `GOT_RESOURCE` and `smdpStatus` is `RELEASED`; otherwise `OperationNotAllowed`.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.cancel({ esimTranNo: "25010112340001" })
 * ```
 */
export const cancel = lifecycle(Wire.cancel)

/**
 * Pauses data service of an activated profile.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.suspend({ esimTranNo: "25010112340001" })
 * ```
 */
export const suspend = lifecycle(Wire.suspend)

/**
 * Resumes a suspended profile.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.unsuspend({ esimTranNo: "25010112340001" })
 * ```
 */
export const unsuspend = lifecycle(Wire.unsuspend)

/**
 * Closes and removes a profile and its plan. Not refunded.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.revoke({ iccid: "89000000000000000017" })
 * ```
 */
export const revoke = lifecycle(Wire.revoke)

/**
 * What to stream: one of `orderNo`, `iccid`, `esimTranNo`, or a time range, and the page size (5 to 500,
 * default 100).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamParams =
  & Selector
  & { readonly pageSize?: number | undefined }

/**
 * Every profile matching `params`, page after page, as a `Stream`. Pages are fetched one at a time as the stream
 * is consumed, so memory stays flat however many pages there are. It stops on an empty page or a short page
 * (fewer than `pageSize` profiles); `pager.total` is not trusted, so a wrong or missing `total` cannot make it
 * stop early or loop.
 *
 * @since 0.1.0
 * @category workflows
 * @example
 * ```ts
 * import { DateTime, Effect, Stream } from "effect"
 * import { Profiles } from "effect-esim-access"
 *
 * const inUse = Profiles.stream({ startTime: DateTime.makeUnsafe("2026-01-01T00:00:00Z"), pageSize: 500 }).pipe(
 *   Stream.filter((p) => p.esimStatus === "IN_USE"),
 *   Stream.runCount
 * )
 * ```
 */
export const stream = (
  params: StreamParams
): Stream.Stream<Profile, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> => {
  // `?? {}`: no parameters at all (from JavaScript) fail in the first query with an InvalidRequest, not here
  const { pageSize = 100, ...selector } = params ?? ({} as StreamParams)
  // the state: the next page number and the first esimTranNo of the page before it
  return Stream.paginate(
    { pageNum: 1, previousFirst: undefined as string | undefined },
    ({ pageNum, previousFirst }) =>
      query({ ...selector, pager: { pageNum, pageSize } } as QueryParams).pipe(
        Effect.map(({ pager, profiles }) => {
          const first = profiles[0]?.esimTranNo
          // a server that ignores pageNum sends the same page again: stop instead of repeating it
          if (pageNum > 1 && first !== undefined && first === previousFirst) {
            return [[], Option.none()] as const
          }
          // a full page means there may be more, whatever pager.total says (it can be wrong or missing); the page
          // size the server reports counts when it capped ours
          const served = pager.pageSize > 0 ? Math.min(pageSize, pager.pageSize) : pageSize
          const more = profiles.length > 0 && profiles.length >= served
          return [profiles, more ? Option.some({ pageNum: pageNum + 1, previousFirst: first }) : Option.none()] as const
        })
      )
  )
}

/**
 * {@link stream}, collected into an array.
 *
 * @since 0.1.0
 * @category workflows
 * @example
 * ```ts
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.queryAll({ orderNo: "B25010112340001" })
 * ```
 */
export const queryAll = (
  params: StreamParams
): Effect.Effect<ReadonlyArray<Profile>, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Stream.runCollect(stream(params))
