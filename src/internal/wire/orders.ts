/**
 * `esim/order` (reference §2.2) and `esim/topup` (§2.9): the two calls that spend money. Both carry a
 * caller-supplied `transactionId` that the API de-duplicates (§6).
 *
 * @internal
 */
import { Schema } from "effect"
import { IntAsString, LooseInt, UtcTime } from "./codecs.ts"
import * as Endpoint from "./endpoint.ts"

/** 1 to 50 characters (reference §2.2). */
export const transactionIdMaxLength = 50

const controlCharacters = /\p{Cc}/u

/**
 * What is wrong with a transactionId, or `undefined`: 1 to 50 characters counted as the API counts them (code points,
 * utf8mb4), no control characters, no surrounding whitespace. `TransactionId.validate` and every request use this.
 */
export const transactionIdProblem = (id: string): string | undefined => {
  const length = [...id].length
  if (length === 0) return "transactionId must not be empty"
  if (length > transactionIdMaxLength) {
    return `transactionId must be at most ${transactionIdMaxLength} characters, got ${length}`
  }
  if (controlCharacters.test(id)) return "transactionId must not contain control characters"
  if (id.trim() !== id) return "transactionId must not start or end with whitespace"
  return undefined
}

export const TransactionId = Schema.String.check(
  Schema.makeFilter((s: string) => transactionIdProblem(s) ?? true)
)

const PositiveInt = LooseInt.check(Schema.makeFilter((n: number) => n >= 1 || "must be at least 1"))
const Money = LooseInt.check(Schema.makeFilter((n: number) => n >= 0 || "must not be negative"))

export const PackageInfo = Schema.Struct({
  /** packageCode or slug */
  packageCode: Schema.String.check(Schema.makeFilter((s: string) => s.length > 0 || "packageCode must not be empty")),
  /** up to 30 profiles per batch (reference §2.2) */
  count: PositiveInt,
  /** unit price, USD × 10,000; verified by the API when sent (200005) */
  price: Schema.optionalKey(Money),
  /** days, 1 to 365, for day-pass plans */
  periodNum: Schema.optionalKey(
    LooseInt.check(Schema.makeFilter((n: number) => (n >= 1 && n <= 365) || "periodNum must be 1 to 365"))
  )
})

export const OrderRequest = Schema.Struct({
  transactionId: TransactionId,
  /** total, USD × 10,000; verified by the API when sent (200006) */
  amount: Schema.optionalKey(Money),
  packageInfoList: Schema.Array(PackageInfo).check(
    Schema.makeFilter((xs: ReadonlyArray<unknown>) => xs.length > 0 || "packageInfoList must not be empty")
  )
})

export const OrderResponse = Schema.Struct({ orderNo: Schema.String, transactionId: Schema.String })

export const order = Endpoint.make({
  path: "esim/order",
  request: OrderRequest,
  response: OrderResponse,
  retry: "transactionId"
})

export const TopUpRequest = Schema.Struct({
  esimTranNo: Schema.optionalKey(Schema.String),
  /** deprecated by the API in favour of esimTranNo */
  iccid: Schema.optionalKey(Schema.String),
  packageCode: Schema.String.check(Schema.makeFilter((s: string) => s.length > 0 || "packageCode must not be empty")),
  transactionId: TransactionId,
  /** USD × 10,000, sent as a numeric string as documented (§2.9) */
  amount: Schema.optionalKey(IntAsString),
  periodNum: Schema.optionalKey(LooseInt)
}).check(
  Schema.makeFilter((r: { readonly esimTranNo?: string; readonly iccid?: string }) =>
    ((r.esimTranNo ?? "") !== "") !== ((r.iccid ?? "") !== "") || "exactly one of esimTranNo or iccid is required"
  )
)

export const TopUpResponse = Schema.Struct({
  transactionId: Schema.String,
  iccid: Schema.String,
  /** the new expiry */
  expiredTime: UtcTime,
  /** bytes, cumulative with the base plan and earlier top-ups */
  totalVolume: LooseInt,
  /** days, cumulative */
  totalDuration: LooseInt,
  /** bytes used so far */
  orderUsage: LooseInt,
  /** the top-up's own id (added 2026) */
  topUpEsimTranNo: Schema.optionalKey(Schema.String)
})

export const topUp = Endpoint.make({
  path: "esim/topup",
  request: TopUpRequest,
  response: TopUpResponse,
  retry: "transactionId"
})
