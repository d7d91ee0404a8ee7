/**
 * The account-level calls: `balance/query` (§2.8), `esim/usage/query` (§2.13), `location/list` (§2.14),
 * `webhook/save` (§2.10) and `webhook/query` (§2.11).
 *
 * @internal
 */
import { Schema, SchemaTransformation } from "effect"
import { LooseInt, UtcTime } from "./codecs.ts"
import * as Endpoint from "./endpoint.ts"

/** Calls without parameters send `{}` (the official curl sends an empty body; both are accepted, §1.2). */
export const NoParams = Schema.Struct({})

export const BalanceResponse = Schema.Struct({
  /** USD × 10,000 */
  balance: LooseInt
})

export const balance = Endpoint.make({
  path: "balance/query",
  request: NoParams,
  response: BalanceResponse,
  retry: "safe"
})

export const UsageRecord = Schema.Struct({
  esimTranNo: Schema.String,
  /** bytes used */
  dataUsage: LooseInt,
  /** bytes in the plan, top-ups included */
  totalData: LooseInt,
  /** when the carrier last settled usage: data lags 2 to 3 hours (§2.13) */
  lastUpdateTime: Schema.optionalKey(Schema.NullOr(UtcTime))
})
export type UsageRecord = typeof UsageRecord.Type

export const UsageRequest = Schema.Struct({
  esimTranNoList: Schema.Array(Schema.String).check(
    Schema.makeFilter((xs: ReadonlyArray<string>) =>
      (xs.length >= 1 && xs.length <= 10) || "esimTranNoList must hold 1 to 10 esimTranNos"
    ),
    Schema.makeFilter((xs: ReadonlyArray<string>) => xs.every((x) => x !== "") || "esimTranNo must not be empty")
  )
})

/**
 * `obj.esimUsageList[]` (the official JSON sample) or `obj` as a bare array (a markdown copy of the docs);
 * both decode to the list (reference §7.4).
 */
const UsageList = Schema.Struct({ esimUsageList: Schema.Array(UsageRecord) })

export const UsageResponse = Schema.Union([
  UsageList,
  Schema.Array(UsageRecord).pipe(
    Schema.decodeTo(
      Schema.toType(UsageList),
      SchemaTransformation.transform({
        decode: (esimUsageList) => ({ esimUsageList }),
        encode: ({ esimUsageList }) => esimUsageList
      })
    )
  )
])

export const usage = Endpoint.make({
  path: "esim/usage/query",
  request: UsageRequest,
  response: UsageResponse,
  retry: "safe"
})

export const SubLocation = Schema.Struct({ code: Schema.String, name: Schema.String })

const LocationWire = Schema.Struct({
  code: Schema.String,
  name: Schema.String,
  /** 1 single country, 2 multi-country */
  type: LooseInt,
  subLocationList: Schema.optionalKey(Schema.NullOr(Schema.Array(SubLocation))),
  subLocation: Schema.optionalKey(Schema.NullOr(Schema.Array(SubLocation)))
})

/**
 * A location. The sub-country list arrives as `subLocationList` (the JSON sample) or `subLocation` (the field
 * table, §7.5); both decode to `subLocationList`, `[]` for single countries.
 */
export const Location = LocationWire.pipe(
  Schema.decodeTo(
    Schema.Struct({
      code: Schema.String,
      name: Schema.String,
      type: Schema.Number,
      subLocationList: Schema.Array(SubLocation)
    }),
    SchemaTransformation.transform({
      decode: (w) => ({
        code: w.code,
        name: w.name,
        type: w.type,
        subLocationList: w.subLocationList ?? w.subLocation ?? []
      }),
      encode: (l) => ({
        code: l.code,
        name: l.name,
        type: l.type,
        subLocationList: l.type === 1 && l.subLocationList.length === 0 ? null : l.subLocationList
      })
    })
  )
)
export type Location = typeof Location.Type

export const LocationResponse = Schema.Struct({ locationList: Schema.Array(Location) })

export const locations = Endpoint.make({
  path: "location/list",
  request: NoParams,
  response: LocationResponse,
  retry: "safe"
})

/** The body key is `webhook` (Postman docs and every client); the vendor skill says `webhookUrl` (§7.6). */
export const WebhookSaveRequest = Schema.Struct({
  webhook: Schema.String.check(
    Schema.makeFilter((s: string) => /^https?:\/\/\S+$/i.test(s) || "webhook must be an http(s) URL")
  )
})

export const webhookSave = Endpoint.make({
  path: "webhook/save",
  request: WebhookSaveRequest,
  response: Schema.Unknown,
  retry: "state-change"
})

export const WebhookQueryResponse = Schema.Struct({
  webhook: Schema.optional(Schema.NullOr(Schema.String)),
  webhookUrl: Schema.optional(Schema.NullOr(Schema.String))
}).pipe(
  Schema.decodeTo(
    Schema.Struct({ webhook: Schema.NullOr(Schema.String) }),
    SchemaTransformation.transform({
      decode: (w) => ({ webhook: w.webhook ?? w.webhookUrl ?? null }),
      encode: (w) => ({ webhook: w.webhook })
    })
  )
)

export const webhookQuery = Endpoint.make({
  path: "webhook/query",
  request: NoParams,
  response: WebhookQueryResponse,
  retry: "safe"
})
