/**
 * Every failure a call can meet, as tagged values in one union, {@link EsimAccessError}. Match it exhaustively
 * with `Effect.catchTags` or `Match.tags`.
 *
 * - API errors (the API answered `success: false`) carry the API's `code`, its `message` and the `endpoint`.
 * - {@link TransportError}: the call did not get a usable HTTP answer (connection, timeout, non-2xx status).
 * - {@link DecodeError}: the answer did not have the documented shape; names the endpoint and the field path.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { tagOf } from "./internal/errorCodes.ts"

const apiFields = {
  /** the API's six-digit `errorCode`, or `"client"` for input rejected before sending */
  code: Schema.String,
  message: Schema.String,
  /** the endpoint path, e.g. `esim/order` */
  endpoint: Schema.String,
  /** which attempt of the call got this answer (1 for the first), when it came from the API */
  attempt: Schema.optionalKey(Schema.Number)
}

/**
 * `200010`: the order's profiles are still being allocated. Pending, not failed: poll again after a few seconds
 * (reference §2.3, §6).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Profiles } from "effect-esim-access"
 *
 * Profiles.query({ orderNo: "B25010112340001" }).pipe(
 *   Effect.retry({ while: (e) => e._tag === "ProfileNotReady", schedule: Schedule.spaced("3 seconds") })
 * )
 * ```
 */
export class ProfileNotReady extends Schema.TaggedError<ProfileNotReady>()("ProfileNotReady", apiFields) {}

/**
 * `200007`: the prepaid balance does not cover the order.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance, Money, Orders } from "effect-esim-access"
 *
 * Orders.create({ transactionId: "shop-order-1042", packageInfoList: [{ packageCode: "CKH491", count: 1 }] }).pipe(
 *   Effect.catchTag("InsufficientBalance", () =>
 *     Effect.flatMap(Balance.query(), ({ balance }) => Effect.fail(`top up the account: ${Money.format(balance)} left`)))
 * )
 * ```
 */
export class InsufficientBalance extends Schema.TaggedError<InsufficientBalance>()("InsufficientBalance", apiFields) {}

/**
 * `200002`, `200009`: the profile's or order's status does not allow the operation (e.g. cancel after install).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Profiles } from "effect-esim-access"
 *
 * // an installed profile cannot be cancelled (refunded); revoke it instead
 * Profiles.cancel({ iccid: "89852245280001354019" }).pipe(
 *   Effect.catchTag("OperationNotAllowed", () => Profiles.revoke({ iccid: "89852245280001354019" }))
 * )
 * ```
 */
export class OperationNotAllowed extends Schema.TaggedError<OperationNotAllowed>()("OperationNotAllowed", apiFields) {}

/**
 * `200005` (a line's `price` is not the current price) or `200006` (`amount` is not Σ price × count). Refresh the
 * catalogue before ordering again.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Orders, Packages } from "effect-esim-access"
 *
 * // order at the current price: read it from the catalogue first
 * const order = Effect.gen(function*() {
 *   const [plan] = yield* Packages.list({ packageCode: "CKH491" })
 *   if (plan === undefined) return yield* Effect.fail("package withdrawn")
 *   return yield* Orders.create({
 *     transactionId: "shop-order-1042",
 *     amount: plan.price,
 *     packageInfoList: [{ packageCode: plan.packageCode, count: 1, price: plan.price }]
 *   })
 * }).pipe(Effect.catchTag("PriceMismatch", (e) => Effect.fail(`price changed: ${e.message}`)))
 * ```
 */
export class PriceMismatch extends Schema.TaggedError<PriceMismatch>()("PriceMismatch", apiFields) {}

/**
 * `200011`: not enough profiles in stock for the package.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Orders } from "effect-esim-access"
 *
 * Orders.create({ transactionId: "shop-order-1042", packageInfoList: [{ packageCode: "CKH491", count: 50 }] }).pipe(
 *   Effect.catchTag("ProfilesUnavailable", () => Effect.logWarning("out of stock: offer another package"))
 * )
 * ```
 */
export class ProfilesUnavailable extends Schema.TaggedError<ProfilesUnavailable>()("ProfilesUnavailable", apiFields) {}

/**
 * `310xxx`: the package, order or ICCID does not exist.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Profiles } from "effect-esim-access"
 *
 * // a profile that may not exist, as an Option
 * const profile = Profiles.query({ iccid: "89852245280001354019" }).pipe(
 *   Effect.map(({ profiles }) => Option.fromNullishOr(profiles[0])),
 *   Effect.catchTag("NotFound", () => Effect.succeedNone)
 * )
 * ```
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", apiFields) {}

/**
 * `0001xx`, `200008`, `400001`, or input this client rejected before sending anything (`code: "client"`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Usage } from "effect-esim-access"
 *
 * // more than 10 ids in one call is rejected before anything is sent (Usage.checkAll batches them)
 * Usage.check(Array.from({ length: 11 }, (_, i) => `2601010000000${i}`)).pipe(
 *   Effect.catchTag("InvalidRequest", (e) => Effect.logError(`${e.code}: ${e.message}`))
 * )
 * ```
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", apiFields) {}

/**
 * `101xxx`, `401001`: access code, signature, timestamp or IP rejected.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance } from "effect-esim-access"
 *
 * Balance.query().pipe(
 *   Effect.catchTag("Authentication", (e) => Effect.die(`check ESIM_ACCESS_CODE and the IP allow-list (${e.code})`))
 * )
 * ```
 */
export class Authentication extends Schema.TaggedError<Authentication>()("Authentication", apiFields) {}

/**
 * `310402`: an order or top-up with this `transactionId` already exists. It was placed: look it up rather than
 * ordering again (reference §6).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Profiles, TopUp } from "effect-esim-access"
 *
 * // Orders.create recovers from it by itself; a top-up with a used transactionId was already applied
 * TopUp.create({ iccid: "89852245280001354019", packageCode: "TOPUP_CKH491", transactionId: "shop-topup-77" }).pipe(
 *   Effect.catchTag("DuplicateTransaction", () => Profiles.query({ iccid: "89852245280001354019" }))
 * )
 * ```
 */
export class DuplicateTransaction
  extends Schema.TaggedError<DuplicateTransaction>()("DuplicateTransaction", apiFields)
{}

/**
 * `000001`, `900001`: the API is busy. Retried automatically with backoff.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance } from "effect-esim-access"
 *
 * // still busy after the configured retries: try again later
 * Balance.query().pipe(Effect.asSome, Effect.catchTag("ServerBusy", () => Effect.succeedNone))
 * ```
 */
export class ServerBusy extends Schema.TaggedError<ServerBusy>()("ServerBusy", apiFields) {}

/**
 * An error code no rule covers; keeps the raw code and message.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance } from "effect-esim-access"
 *
 * Balance.query().pipe(
 *   Effect.tapErrorTag("UnknownApiError", (e) => Effect.logError(`unexpected ${e.code} on ${e.endpoint}: ${e.message}`))
 * )
 * ```
 */
export class UnknownApiError extends Schema.TaggedError<UnknownApiError>()("UnknownApiError", apiFields) {}

/**
 * No usable HTTP answer: `Connection` (refused, reset, DNS), `Timeout`, or `Status` (a non-2xx answer, with the
 * status and a short excerpt of the body, e.g. a proxy's HTML page). HTTP 429 carries `retryAfter` in
 * milliseconds when the server sent `Retry-After`.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance } from "effect-esim-access"
 *
 * // transient transport failures were retried already; this is what is left
 * Balance.query().pipe(
 *   Effect.catchTag("TransportError", (e) =>
 *     e.reason === "Status" ?
 *       Effect.logError(`HTTP ${e.status} from ${e.endpoint}: ${e.bodyExcerpt ?? ""}`) :
 *       Effect.logError(`${e.reason} on ${e.endpoint}`))
 * )
 * ```
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  endpoint: Schema.String,
  reason: Schema.Literals(["Connection", "Timeout", "Status"]),
  status: Schema.optionalKey(Schema.Number),
  retryAfter: Schema.optionalKey(Schema.Number),
  bodyExcerpt: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * The answer was not the documented shape. `path` is the field that failed, e.g. `obj.packageList[12].price`;
 * `message` is short (the first problem only).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Packages } from "effect-esim-access"
 *
 * Packages.list({ locationCode: "JP" }).pipe(
 *   Effect.tapErrorTag("DecodeError", (e) => Effect.logError(`${e.endpoint}: ${e.path}: ${e.message}`))
 * )
 * ```
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  endpoint: Schema.String,
  path: Schema.String,
  message: Schema.String
}) {}

/**
 * `Orders.createAndAwaitProfiles` gave up waiting for allocation: its deadline passed, or its polling schedule
 * ended. The order exists and is paid for: resume with `Profiles.query({ orderNo })` later, or wait for its
 * `ORDER_STATUS` webhook.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Orders } from "effect-esim-access"
 *
 * Orders.createAndAwaitProfiles({
 *   transactionId: "shop-order-1042",
 *   packageInfoList: [{ packageCode: "CKH491", count: 1 }]
 * }, { deadline: "2 minutes" }).pipe(
 *   // paid for, not yet allocated: remember the orderNo and finish later, never order again
 *   Effect.catchTag("AllocationTimeout", (e) => Effect.succeed({ pending: e.orderNo }))
 * )
 * ```
 */
export class AllocationTimeout extends Schema.TaggedError<AllocationTimeout>()("AllocationTimeout", {
  orderNo: Schema.String,
  transactionId: Schema.String,
  /** profiles ordered */
  expected: Schema.Number,
  /** profiles allocated when the deadline passed */
  allocated: Schema.Number,
  message: Schema.String
}) {}

/**
 * The errors the API itself reports.
 *
 * @since 0.1.0
 * @category errors
 */
export type ApiError =
  | ProfileNotReady
  | InsufficientBalance
  | OperationNotAllowed
  | PriceMismatch
  | ProfilesUnavailable
  | NotFound
  | InvalidRequest
  | Authentication
  | DuplicateTransaction
  | ServerBusy
  | UnknownApiError

/**
 * Every failure of every call.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance } from "effect-esim-access"
 *
 * Balance.query().pipe(
 *   Effect.catchTags({
 *     TransportError: (e) => Effect.logWarning(`network: ${e.message}`),
 *     Authentication: (e) => Effect.logError(`check ESIM_ACCESS_CODE: ${e.code}`)
 *   })
 * )
 * ```
 */
export type EsimAccessError = ApiError | TransportError | DecodeError

/**
 * Schema of the union, for serialising errors (e.g. across an RPC boundary).
 *
 * @since 0.1.0
 * @category schemas
 */
export const EsimAccessError = Schema.Union([
  ProfileNotReady,
  InsufficientBalance,
  OperationNotAllowed,
  PriceMismatch,
  ProfilesUnavailable,
  NotFound,
  InvalidRequest,
  Authentication,
  DuplicateTransaction,
  ServerBusy,
  UnknownApiError,
  TransportError,
  DecodeError
])

const constructors = {
  ProfileNotReady,
  InsufficientBalance,
  OperationNotAllowed,
  PriceMismatch,
  ProfilesUnavailable,
  NotFound,
  InvalidRequest,
  Authentication,
  DuplicateTransaction,
  ServerBusy
} as const

/**
 * The tagged error for an API `errorCode` (reference §3).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { EsimAccessError } from "effect-esim-access"
 *
 * EsimAccessError.fromCode("200007", "the balance is insufficient", "esim/order")._tag // "InsufficientBalance"
 * ```
 */
export const fromCode = (code: string, message: string, endpoint: string, attempt?: number): ApiError => {
  const tag = tagOf(code, message)
  const props = attempt === undefined ? { code, message, endpoint } : { code, message, endpoint, attempt }
  return tag === undefined ? new UnknownApiError(props) : new constructors[tag](props)
}

/**
 * Whether a failure is transient: worth the same request again after a pause.
 *
 * @since 0.1.0
 * @category predicates
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Balance, EsimAccessError } from "effect-esim-access"
 *
 * // one more round of retries, on top of the configured ones, for transient failures only
 * Balance.query().pipe(Effect.retry({ while: EsimAccessError.isTransient, schedule: Schedule.spaced("1 minute"), times: 3 }))
 * ```
 */
export const isTransient = (error: EsimAccessError): boolean => {
  switch (error._tag) {
    case "ServerBusy":
      return true
    case "Authentication":
      // 101001: the timestamp expired; every attempt signs afresh (reference §3)
      return error.code === "101001"
    case "TransportError":
      return error.reason !== "Status" || error.status === 429 || (error.status !== undefined && error.status >= 500)
    default:
      return false
  }
}
