/**
 * `package/list` (reference §2.1).
 *
 * @internal
 */
import { Schema } from "effect"
import { LooseInt, OpenEnum } from "./codecs.ts"
import * as Endpoint from "./endpoint.ts"

export const Operator = Schema.Struct({
  operatorName: Schema.String,
  networkType: Schema.optionalKey(Schema.String)
})

export const LocationNetwork = Schema.Struct({
  locationName: Schema.String,
  locationLogo: Schema.optionalKey(Schema.NullOr(Schema.String)),
  // present in newer payloads only (reference §2.1)
  locationCode: Schema.optionalKey(Schema.String),
  operatorList: Schema.optionalKey(Schema.NullOr(Schema.Array(Operator)))
})

export const Package = Schema.Struct({
  packageCode: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  /** wholesale price, USD × 10,000 */
  price: LooseInt,
  currencyCode: Schema.String,
  /** bytes; for day passes the daily allowance */
  volume: LooseInt,
  /** 0 no SMS, 1 API and phone, 2 API only */
  smsStatus: Schema.optionalKey(LooseInt),
  /** 1 total, 2 daily (reduced speed), 3 daily (cut off), 4 daily unlimited */
  dataType: Schema.optionalKey(LooseInt),
  unusedValidTime: Schema.optionalKey(LooseInt),
  duration: LooseInt,
  durationUnit: OpenEnum(["DAY", "MONTH"]),
  /** comma-separated ISO codes covered */
  location: Schema.String,
  /** single country (`ES`) or region (`NA-3`); undocumented but present live */
  locationCode: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** 1 validity starts at installation, 2 at first network connection */
  activeType: Schema.optionalKey(LooseInt),
  favorite: Schema.optionalKey(Schema.Boolean),
  /** suggested retail price, USD × 10,000 */
  retailPrice: Schema.optionalKey(LooseInt),
  speed: Schema.optionalKey(Schema.String),
  ipExport: Schema.optionalKey(Schema.String),
  /** 1 no top-up, 2 top-up, 3 top-up with periodNum (documented as Boolean, sent as an integer: §7.10) */
  supportTopUpType: Schema.optionalKey(LooseInt),
  fupPolicy: Schema.optionalKey(Schema.NullOr(Schema.String)),
  locationNetworkList: Schema.optionalKey(Schema.NullOr(Schema.Array(LocationNetwork)))
})
export type Package = typeof Package.Type

export const PackageType = Schema.Literals(["BASE", "TOPUP"])

/**
 * The body of `package/list`. Every filter is optional; the client sends the unused ones as `""` as the vendor's
 * own scripts do (reference §1.2), and the simulator reads `""` as absent.
 */
export const ListRequest = Schema.Struct({
  locationCode: Schema.optionalKey(Schema.String),
  type: Schema.optionalKey(Schema.Union([PackageType, Schema.Literal("")])),
  packageCode: Schema.optionalKey(Schema.String),
  slug: Schema.optionalKey(Schema.String),
  iccid: Schema.optionalKey(Schema.String),
  dataType: Schema.optionalKey(Schema.Literals(["", "1", "2"]))
})

export const ListResponse = Schema.Struct({ packageList: Schema.Array(Package) })

export const list = Endpoint.make({
  path: "package/list",
  request: ListRequest,
  response: ListResponse,
  retry: "safe",
  slow: true
})
