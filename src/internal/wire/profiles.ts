/**
 * `esim/query` (reference §2.3) and the lifecycle calls that take one profile identifier: cancel, suspend,
 * unsuspend, revoke (§2.4 to §2.7) and sendSms (§2.12).
 *
 * @internal
 */
import { Schema } from "effect"
import { LooseInt, OpenEnum, RequestTime, UtcTime } from "./codecs.ts"
import * as Endpoint from "./endpoint.ts"

/** esimStatus (reference §5.2); other strings still decode. */
export const EsimStatus = OpenEnum([
  "CREATE",
  "PAYING",
  "PAID",
  "GETTING_RESOURCE",
  "GOT_RESOURCE",
  "IN_USE",
  "USED_UP",
  "UNUSED_EXPIRED",
  "USED_EXPIRED",
  "CANCEL",
  "SUSPENDED",
  // the docs table spells REVOKE, the webhook list REVOKED (§7.9): both are accepted
  "REVOKE",
  "REVOKED"
])
export type EsimStatus = typeof EsimStatus.Type

/** smdpStatus (reference §5.3); other strings still decode. */
export const SmdpStatus = OpenEnum(["RELEASED", "DOWNLOAD", "INSTALLATION", "ENABLED", "DISABLED", "DELETED"])
export type SmdpStatus = typeof SmdpStatus.Type

export const ProfilePackage = Schema.Struct({
  packageName: Schema.String,
  packageCode: Schema.String,
  slug: Schema.optionalKey(Schema.String),
  duration: Schema.optionalKey(LooseInt),
  volume: Schema.optionalKey(LooseInt),
  locationCode: Schema.optionalKey(Schema.String),
  createTime: Schema.optionalKey(Schema.NullOr(UtcTime))
})

export const Profile = Schema.Struct({
  esimTranNo: Schema.String,
  orderNo: Schema.String,
  transactionId: Schema.optionalKey(Schema.String),
  imsi: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** 19 to 20 digits; ICCIDs are reused, prefer esimTranNo */
  iccid: Schema.String,
  smsStatus: Schema.optionalKey(LooseInt),
  msisdn: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** the activation code `LPA:1$<SM-DP+ address>$<matching id>`: what the traveller needs */
  ac: Schema.String,
  /** PNG of the activation code */
  qrCodeUrl: Schema.String,
  shortUrl: Schema.optionalKey(Schema.String),
  smdpStatus: SmdpStatus,
  /** `""` until installed */
  eid: Schema.optionalKey(Schema.NullOr(Schema.String)),
  // documented as String, sent as an integer (§7.12): both decode
  activeType: Schema.optionalKey(LooseInt),
  // 0 appears in a vendor sample though the enumeration starts at 1 (§7.14)
  dataType: Schema.optionalKey(LooseInt),
  activateTime: Schema.optionalKey(Schema.NullOr(UtcTime)),
  expiredTime: Schema.optionalKey(Schema.NullOr(UtcTime)),
  /** bytes, including top-ups */
  totalVolume: LooseInt,
  /** including top-ups */
  totalDuration: LooseInt,
  durationUnit: Schema.optionalKey(OpenEnum(["DAY", "MONTH"])),
  /** bytes used; updated only every 2 to 3 hours */
  orderUsage: LooseInt,
  esimStatus: EsimStatus,
  pin: Schema.optionalKey(Schema.NullOr(Schema.String)),
  puk: Schema.optionalKey(Schema.NullOr(Schema.String)),
  apn: Schema.optionalKey(Schema.NullOr(Schema.String)),
  packageList: Schema.optionalKey(Schema.Array(ProfilePackage))
})
export type Profile = typeof Profile.Type

/** `pageNum` 1 to 10,000 and `pageSize` 5 to 500 (reference §2.3). */
export const PagerRequest = Schema.Struct({
  pageNum: LooseInt.check(Schema.makeFilter((n: number) => (n >= 1 && n <= 10_000) || "pageNum must be 1 to 10000")),
  pageSize: LooseInt.check(Schema.makeFilter((n: number) => (n >= 5 && n <= 500) || "pageSize must be 5 to 500"))
})

export const Pager = Schema.Struct({
  pageNum: LooseInt,
  pageSize: LooseInt,
  // the profile count over all pages; not trusted by `Profiles.stream`, which reads the pages themselves
  total: Schema.optionalKey(LooseInt)
})
export type Pager = typeof Pager.Type

const present = (s: string | undefined) => s !== undefined && s !== ""

/**
 * The body of `esim/query`: exactly one of orderNo, iccid or esimTranNo, or a time range; unused identifiers are
 * sent as `""` as in the reference's example.
 */
export const QueryRequest = Schema.Struct({
  orderNo: Schema.optionalKey(Schema.String),
  iccid: Schema.optionalKey(Schema.String),
  esimTranNo: Schema.optionalKey(Schema.String),
  startTime: Schema.optionalKey(RequestTime),
  endTime: Schema.optionalKey(RequestTime),
  pager: PagerRequest
}).check(
  Schema.makeFilter((r) => {
    const ids = [r.orderNo, r.iccid, r.esimTranNo].filter(present).length
    if (ids > 1) return "give only one of orderNo, iccid or esimTranNo"
    if (ids === 0 && r.startTime === undefined && r.endTime === undefined) {
      return "give one of orderNo, iccid or esimTranNo, or a startTime/endTime range"
    }
    return true
  })
)

export const QueryResponse = Schema.Struct({ esimList: Schema.Array(Profile), pager: Pager })

export const query = Endpoint.make({
  path: "esim/query",
  request: QueryRequest,
  response: QueryResponse,
  retry: "safe"
})

/** `{ esimTranNo }` or `{ iccid }`: exactly one, not empty. */
export const ProfileRef = Schema.Struct({
  esimTranNo: Schema.optionalKey(Schema.String),
  iccid: Schema.optionalKey(Schema.String)
}).check(
  Schema.makeFilter((r) =>
    present(r.esimTranNo) !== present(r.iccid) || "exactly one of esimTranNo or iccid is required"
  )
)

/** Mutations answer `obj: {}`; anything else is ignored. */
export const Empty = Schema.Unknown

const lifecycle = (path: string) => Endpoint.make({ path, request: ProfileRef, response: Empty, retry: "state-change" })

export const cancel = lifecycle("esim/cancel")
export const suspend = lifecycle("esim/suspend")
export const unsuspend = lifecycle("esim/unsuspend")
export const revoke = lifecycle("esim/revoke")

export const SmsRequest = Schema.Struct({
  esimTranNo: Schema.optionalKey(Schema.String),
  iccid: Schema.optionalKey(Schema.String),
  /** 1 to 500 characters; the field is `message`, not `content` (§2.12) */
  message: Schema.String.check(
    Schema.makeFilter((s: string) =>
      ([...s].length >= 1 && [...s].length <= 500) || "message must be 1 to 500 characters"
    )
  )
}).check(
  Schema.makeFilter((r) =>
    present(r.esimTranNo) !== present(r.iccid) || "exactly one of esimTranNo or iccid is required"
  )
)

export const sendSms = Endpoint.make({
  path: "esim/sendSms",
  request: SmsRequest,
  response: Empty,
  retry: "state-change"
})
