/**
 * The events eSIM Access POSTs to your webhook (reference §4), as one `Schema` union discriminated on
 * `notifyType`. Both envelopes decode: the current one (`notifyType`, `notifyId`, `eventGenerateTime`, `content`)
 * and the legacy one (`notifyType`, `content`); a `null` `notifyId` or `eventGenerateTime` reads as absent. Unknown
 * fields are ignored, unknown status values decode as strings, and an unknown `notifyType` decodes to
 * {@link Unknown}, keeping the raw body.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { LooseInt, LooseNumber, OpenEnum, UtcTime } from "./internal/wire/codecs.ts"
import { EsimStatus as EsimStatusValue, SmdpStatus } from "./internal/wire/profiles.ts"

/**
 * An optional key that may also be `null` on the wire: `null` decodes as an absent key, so the decoded type has no
 * `null` in it; encoding writes the key only when present.
 */
const optionalNullAsAbsent = <S extends Schema.Top>(schema: S) =>
  Schema.optionalKey(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(
      Schema.optionalKey(Schema.toType(schema)),
      SchemaTransformation.transformOptional<S["Type"], S["Type"] | null>({
        decode: Option.filter((value): value is S["Type"] => value !== null),
        encode: (value) => value
      })
    )
  )

const envelope = {
  /** 32-hex unique event id, for de-duplication; absent in the legacy envelope (`null` counts as absent) */
  notifyId: optionalNullAsAbsent(Schema.String),
  /** when eSIM Access generated the event; absent in the legacy envelope (`null` counts as absent) */
  eventGenerateTime: optionalNullAsAbsent(UtcTime)
}

/**
 * `remainThreshold`: the fraction of data left (0.5, 0.2, 0.1; reference §4.2). A number or numeric string in
 * [0, 1] is kept; one in (1, 100] is read as a percentage and divided by 100, so a sender that switches to
 * percentages still yields a fraction; anything else fails decoding. Encodes the fraction.
 */
const Fraction: Schema.Codec<number, number | string> = LooseNumber.pipe(
  Schema.decodeTo(
    Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
    SchemaTransformation.transformEffect({
      decode: (n) =>
        n >= 0 && n <= 1 ?
          Effect.succeed(n) :
          n > 1 && n <= 100 ?
          Effect.succeed(n / 100) :
          Effect.fail(new SchemaIssue.InvalidValue({ message: `expected a fraction between 0 and 1, got ${n}` }, n)),
      encode: (n) => Effect.succeed(n)
    })
  )
)

/** ids every profile event carries */
const profileIds = {
  iccid: Schema.String,
  orderNo: Schema.String,
  esimTranNo: Schema.String,
  transactionId: Schema.String
}

/**
 * `ORDER_STATUS`: an order's profiles are allocated and can be fetched with `Profiles.query({ orderNo })`. Carries
 * no ICCID. `transactionId` is missing in the oldest payloads. Not sent for top-ups.
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Profiles, WebhookEvent } from "effect-esim-access"
 *
 * const onOrderStatus = (event: WebhookEvent.OrderStatus) =>
 *   event.content.orderStatus === "GOT_RESOURCE" ?
 *     Effect.map(Profiles.query({ orderNo: event.content.orderNo }), ({ profiles }) => profiles) :
 *     Effect.succeed([])
 * ```
 */
export const OrderStatus = Schema.Struct({
  _tag: Schema.tagDefaultOmit("OrderStatus"),
  notifyType: Schema.Literal("ORDER_STATUS"),
  ...envelope,
  content: Schema.Struct({
    orderNo: Schema.String,
    /** `GOT_RESOURCE` is the only documented value; some receivers also see `FAILED` */
    orderStatus: OpenEnum(["GOT_RESOURCE", "FAILED"]),
    transactionId: Schema.optionalKey(Schema.String),
    esimTranNo: Schema.optionalKey(Schema.String)
  })
})

/**
 * @since 0.1.0
 * @category events
 */
export type OrderStatus = typeof OrderStatus.Type

/**
 * `ESIM_STATUS`: a profile's lifecycle status changed (e.g. `IN_USE`, `USED_UP`, `CANCEL`, `USED_EXPIRED`).
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { WebhookEvent } from "effect-esim-access"
 *
 * const event = Schema.decodeUnknownSync(WebhookEvent.EsimStatusEvent)({
 *   notifyType: "ESIM_STATUS",
 *   content: {
 *     iccid: "89852245280001354019",
 *     orderNo: "B25010112340001",
 *     esimTranNo: "25010112340001",
 *     transactionId: "shop-order-1042",
 *     esimStatus: "IN_USE",
 *     smdpStatus: "ENABLED"
 *   }
 * })
 * event._tag // "EsimStatus"
 * ```
 */
export const EsimStatusEvent = Schema.Struct({
  _tag: Schema.tagDefaultOmit("EsimStatus"),
  notifyType: Schema.Literal("ESIM_STATUS"),
  ...envelope,
  content: Schema.Struct({
    ...profileIds,
    esimStatus: EsimStatusValue,
    smdpStatus: SmdpStatus,
    /** bytes; sometimes present */
    totalVolume: Schema.optionalKey(LooseInt),
    /** bytes; sometimes present */
    orderUsage: Schema.optionalKey(LooseInt),
    /** bytes; sometimes present */
    remainVolume: Schema.optionalKey(LooseInt),
    /** rarely present */
    orderStatus: Schema.optionalKey(Schema.String)
  })
})

/**
 * An `ESIM_STATUS` event, as decoded by {@link EsimStatusEvent} (`_tag: "EsimStatus"`).
 *
 * @since 0.1.0
 * @category events
 */
export type EsimStatus = typeof EsimStatusEvent.Type

/**
 * `SMDP_EVENT`: every SM-DP+ state transition (download, installation, enable, delete…).
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * // the traveller installed the profile
 * const onEvent = WebhookReceiver.match({
 *   SmdpEvent: (event) =>
 *     event.content.smdpStatus === "ENABLED" ? Effect.log("installed", event.content.iccid, event.content.eid) : Effect.void
 * })
 * ```
 */
export const SmdpEvent = Schema.Struct({
  _tag: Schema.tagDefaultOmit("SmdpEvent"),
  notifyType: Schema.Literal("SMDP_EVENT"),
  ...envelope,
  content: Schema.Struct({
    ...profileIds,
    eid: Schema.optionalKey(Schema.NullOr(Schema.String)),
    esimStatus: EsimStatusValue,
    smdpStatus: SmdpStatus,
    timestamp: Schema.optionalKey(Schema.NullOr(UtcTime)),
    seqNumber: Schema.optionalKey(Schema.NullOr(LooseNumber)),
    /** absent or null while in progress, `Executed-Success` when done */
    notifyStatus: Schema.optionalKey(Schema.NullOr(Schema.String))
  })
})

/**
 * @since 0.1.0
 * @category events
 */
export type SmdpEvent = typeof SmdpEvent.Type

/**
 * `DATA_USAGE`: usage crossed a threshold. `remainThreshold` is the fraction of data left (0.5, 0.2, 0.1); the
 * byte counts lag the network by 1 to 3 hours.
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DataVolume, WebhookReceiver } from "effect-esim-access"
 *
 * const onEvent = WebhookReceiver.match({
 *   DataUsage: (event) =>
 *     event.content.remainThreshold <= 0.2 ?
 *       Effect.logWarning(`offer a top-up: ${DataVolume.format(event.content.remain)} left on ${event.content.iccid}`) :
 *       Effect.void
 * })
 * ```
 */
export const DataUsage = Schema.Struct({
  _tag: Schema.tagDefaultOmit("DataUsage"),
  notifyType: Schema.Literal("DATA_USAGE"),
  ...envelope,
  content: Schema.Struct({
    ...profileIds,
    /** bytes */
    totalVolume: LooseInt,
    /** bytes used */
    orderUsage: LooseInt,
    /** bytes left */
    remain: LooseInt,
    /** fraction of data left, e.g. 0.1 (a percentage such as `10` decodes to 0.1) */
    remainThreshold: Fraction,
    lastUpdateTime: Schema.optionalKey(Schema.NullOr(UtcTime))
  })
})

/**
 * @since 0.1.0
 * @category events
 */
export type DataUsage = typeof DataUsage.Type

/**
 * `VALIDITY_USAGE`: one day of validity left (`remain` is in days).
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { DateTime, Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const onEvent = WebhookReceiver.match({
 *   ValidityUsage: (event) =>
 *     Effect.log(`${event.content.iccid} expires ${DateTime.formatIso(event.content.expiredTime)}`)
 * })
 * ```
 */
export const ValidityUsage = Schema.Struct({
  _tag: Schema.tagDefaultOmit("ValidityUsage"),
  notifyType: Schema.Literal("VALIDITY_USAGE"),
  ...envelope,
  content: Schema.Struct({
    ...profileIds,
    /** days left */
    remain: LooseInt,
    totalDuration: LooseInt,
    durationUnit: OpenEnum(["DAY", "MONTH"]),
    expiredTime: UtcTime
  })
})

/**
 * @since 0.1.0
 * @category events
 */
export type ValidityUsage = typeof ValidityUsage.Type

/**
 * `CHECK_HEALTH`: sent once when a webhook URL is saved (`orderNo` `"1234567890"`, `orderStatus` `"Test"`).
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * // the receiver answers CHECK_HEALTH by itself; to see it too, pass handleCheckHealth
 * const Webhooks = WebhookReceiver.layer(
 *   WebhookReceiver.match({ CheckHealth: () => Effect.log("eSIM Access accepted the webhook URL") }),
 *   { handleCheckHealth: true }
 * )
 * ```
 */
export const CheckHealth = Schema.Struct({
  _tag: Schema.tagDefaultOmit("CheckHealth"),
  notifyType: Schema.Literal("CHECK_HEALTH"),
  ...envelope,
  content: Schema.Struct({
    orderNo: Schema.optionalKey(Schema.String),
    orderStatus: Schema.optionalKey(Schema.String)
  })
})

/**
 * @since 0.1.0
 * @category events
 */
export type CheckHealth = typeof CheckHealth.Type

/** The known notifyTypes. */
const knownTypes: ReadonlySet<string> = new Set([
  "ORDER_STATUS",
  "ESIM_STATUS",
  "SMDP_EVENT",
  "DATA_USAGE",
  "VALIDITY_USAGE",
  "CHECK_HEALTH"
])

const badNotifyType = "expected a non-empty string"

const UnknownType = Schema.Struct({
  _tag: Schema.Literal("Unknown"),
  notifyType: Schema.String,
  notifyId: Schema.optionalKey(Schema.String),
  raw: Schema.Record(Schema.String, Schema.Unknown)
})

/**
 * An event whose `notifyType` this version does not know. `raw` is the whole body as received.
 *
 * @since 0.1.0
 * @category events
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookEvent } from "effect-esim-access"
 *
 * WebhookEvent.decode({ notifyType: "PAYMENT_RECEIVED", content: { amount: 10 } }).pipe(
 *   Effect.map((event) => (event._tag === "Unknown" ? event.raw["content"] : undefined)) // { amount: 10 }
 * )
 * ```
 */
export const Unknown = Schema.Record(Schema.String, Schema.Unknown).pipe(
  Schema.decodeTo(
    UnknownType,
    SchemaTransformation.transformEffect({
      decode: (raw) => {
        const notifyType = raw["notifyType"]
        if (typeof notifyType !== "string" || notifyType === "") {
          return Effect.fail(new SchemaIssue.InvalidValue({ message: badNotifyType }, raw))
        }
        if (knownTypes.has(notifyType)) {
          return Effect.fail(new SchemaIssue.InvalidValue({ message: `not a valid ${notifyType} event` }, raw))
        }
        const notifyId = raw["notifyId"]
        return Effect.succeed({
          _tag: "Unknown" as const,
          notifyType,
          ...(typeof notifyId === "string" ? { notifyId } : {}),
          raw
        })
      },
      encode: (event) => Effect.succeed(event.raw)
    })
  )
)

/**
 * @since 0.1.0
 * @category events
 */
export type Unknown = typeof Unknown.Type

/**
 * Any webhook event. Match on `_tag`.
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookEvent = OrderStatus | EsimStatus | SmdpEvent | DataUsage | ValidityUsage | CheckHealth | Unknown

/**
 * The union schema. Decoding picks the member by `notifyType`; encoding writes the current envelope.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WebhookEvent = Schema.Union([
  OrderStatus,
  EsimStatusEvent,
  SmdpEvent,
  DataUsage,
  ValidityUsage,
  CheckHealth,
  Unknown
])

/**
 * A body that is not a valid event: `path` names the field (e.g. `content.remainThreshold`), `message` says why.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookEvent } from "effect-esim-access"
 *
 * WebhookEvent.decode({ notifyType: "DATA_USAGE", content: { iccid: "8985" } }).pipe(
 *   Effect.catchTag("WebhookDecodeError", (e) => Effect.logWarning(`rejected at ${e.path}: ${e.message}`))
 * )
 * ```
 */
export class WebhookDecodeError extends Schema.TaggedError<WebhookDecodeError>()("WebhookDecodeError", {
  path: Schema.String,
  message: Schema.String
}) {}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const toDecodeError = (error: Schema.SchemaError) => {
  // the union reports one issue per candidate member; the first is from the member notifyType selected
  const first = formatter(error.issue).issues[0]
  const segments = (first?.path ?? [])
    .map((s) => (typeof s === "object" && s !== null ? s.key : s))
    .map(String)
  // the catch-all member reports a bad notifyType on the whole body; name the field
  const path = segments.length === 0 && first?.message === badNotifyType ? "notifyType" : segments.join(".")
  const message = (first?.message ?? "invalid event").slice(0, 200)
  return new WebhookDecodeError({ path, message: path === "" ? message : `${path}: ${message}` })
}

const decodeUnknown = Schema.decodeUnknownEffect(WebhookEvent)

/**
 * Decodes a parsed body.
 *
 * @since 0.1.0
 * @category decoding
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookEvent } from "effect-esim-access"
 *
 * WebhookEvent.decode({ notifyType: "ORDER_STATUS", content: { orderNo: "B1", orderStatus: "GOT_RESOURCE" } }).pipe(
 *   Effect.map((event) => event._tag) // "OrderStatus"
 * )
 * ```
 */
export const decode = (body: unknown): Effect.Effect<WebhookEvent, WebhookDecodeError> =>
  typeof body !== "object" || body === null || Array.isArray(body) ?
    Effect.fail(new WebhookDecodeError({ path: "", message: "expected a JSON object with a notifyType" })) :
    decodeUnknown(body).pipe(Effect.mapError(toDecodeError))

/**
 * Decodes a body's text: malformed JSON is a `WebhookDecodeError` too.
 *
 * @since 0.1.0
 * @category decoding
 * @example
 * ```ts
 * import { WebhookEvent } from "effect-esim-access"
 *
 * WebhookEvent.decodeJson('{"notifyType":"CHECK_HEALTH","content":{"orderNo":"1234567890","orderStatus":"Test"}}')
 * ```
 */
export const decodeJson = (text: string): Effect.Effect<WebhookEvent, WebhookDecodeError> =>
  Effect.suspend(() => {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return Effect.fail(
        new WebhookDecodeError({ path: "", message: text.trim() === "" ? "empty body" : "malformed JSON" })
      )
    }
    return decode(body)
  })

/**
 * Encodes an event as eSIM Access sends it (what the simulator POSTs).
 *
 * @since 0.1.0
 * @category encoding
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookEvent } from "effect-esim-access"
 *
 * // a recorded event, re-encoded as the request body of a test
 * const body = WebhookEvent.decode({
 *   notifyType: "ORDER_STATUS",
 *   content: { orderNo: "B25010112340001", orderStatus: "GOT_RESOURCE" }
 * }).pipe(Effect.flatMap(WebhookEvent.encode), Effect.map((json) => JSON.stringify(json)))
 * ```
 */
export const encode: (event: WebhookEvent) => Effect.Effect<unknown, Schema.SchemaError> = Schema.encodeEffect(
  WebhookEvent
)
