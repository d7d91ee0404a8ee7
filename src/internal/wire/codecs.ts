/**
 * Field codecs shared by every wire schema: numbers that may arrive as strings, UTC times in the three
 * offset spellings the API uses, and the loose envelope scalars (reference §1.4, §7).
 *
 * @internal
 */
import { DateTime, Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import * as FastDecode from "./fastDecode.ts"

// Each transformation below has a fast twin registered with `FastDecode.register`: both call the same parse
// function, so the fast path decodes exactly as Schema does (test/fastDecode.test.ts compares them).

const numericPattern = /^-?\d+(\.\d+)?$/

/** `"12.5"` → 12.5; `undefined` for anything but a plain decimal (`""`, `"12abc"`, `"NaN"`, `"1e3"`). */
const parseNumeric = (s: string): number | undefined => numericPattern.test(s) ? Number(s) : undefined

/** a numeric string, decoded to a number (the `Finite` filter then rejects digits beyond the double range) */
const NumericString = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Finite,
    SchemaTransformation.transformEffect({
      decode: (s) => {
        const n = parseNumeric(s)
        return n === undefined ?
          Effect.fail(new SchemaIssue.InvalidValue({ message: `expected a number, got ${JSON.stringify(s)}` }, s)) :
          Effect.succeed(n)
      },
      encode: (n) => Effect.succeed(String(n))
    })
  )
)
FastDecode.register(NumericString, (input) => {
  const n = typeof input === "string" ? parseNumeric(input) : undefined
  return n === undefined ? FastDecode.invalid : n
}, { complete: true })

/**
 * A finite number that the API may send as a JSON number or as a numeric string (`7` or `"7"`).
 * Malformed strings (`""`, `"12abc"`, `"NaN"`) are decode errors, never `0` or `NaN`.
 * Encodes as a JSON number.
 */
export const LooseNumber: Schema.Codec<number, number | string> = Schema.Union([Schema.Finite, NumericString])
// the union in one step: the catalogue has nine of these per package
FastDecode.register(LooseNumber, (input) => {
  const n = typeof input === "number" ? input : typeof input === "string" ? parseNumeric(input) : undefined
  return n !== undefined && Number.isFinite(n) ? n : FastDecode.invalid
}, { complete: true })

/**
 * A safe integer (bytes, money in API units, counts), as a JSON number or a numeric string. Byte volumes
 * beyond 2^32 stay exact: every integer up to 2^53 is represented exactly.
 */
export const LooseInt: Schema.Codec<number, number | string> = LooseNumber.check(
  Schema.makeFilter((n: number) => Number.isSafeInteger(n) || "expected a safe integer")
)

const parseInteger = (s: string): number | undefined => /^-?\d+$/.test(s) ? Number(s) : undefined

const IntegerString = Schema.String.pipe(
  Schema.decodeTo(
    Schema.Finite,
    SchemaTransformation.transformEffect({
      decode: (s) => {
        const n = parseInteger(s)
        return n === undefined ?
          Effect.fail(new SchemaIssue.InvalidValue({ message: `expected an integer, got ${JSON.stringify(s)}` }, s)) :
          Effect.succeed(n)
      },
      encode: (n) => Effect.succeed(String(n))
    })
  )
)
FastDecode.register(IntegerString, (input) => {
  const n = typeof input === "string" ? parseInteger(input) : undefined
  return n === undefined ? FastDecode.invalid : n
}, { complete: true })

/** An integer the API sends as a string (top-up `amount`, reference §2.9); accepts numbers on decode. */
export const IntAsString: Schema.Codec<number, string | number> = Schema.Union([IntegerString, Schema.Int]).check(
  Schema.makeFilter((n: number) => Number.isSafeInteger(n) || "expected a safe integer")
)

// `2025-01-02T08:00:00+0000`, `…Z`, `…+00:00`, optional seconds and fraction (reference §7.16)
const timePattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/** Parses every time spelling the API uses into epoch milliseconds, or `undefined`. */
export const parseWireTime = (s: string): number | undefined => {
  const m = timePattern.exec(s.trim())
  if (m === null) return undefined
  const [, date, hm, sec, , zone] = m
  let offset = "Z"
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    offset = zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  }
  const millis = Date.parse(`${date}T${hm}${sec ?? ":00"}${offset}`)
  return Number.isNaN(millis) ? undefined : millis
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Formats a UTC instant the way the API writes it: `2025-01-02T08:00:00+0000`. */
export const formatWireTime = (dt: DateTime.Utc): string => {
  const d = new Date(DateTime.toEpochMillis(dt))
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}+0000`
}

/**
 * A UTC time on the wire. Decodes `+0000`, `Z` and `+00:00` offsets (and a missing offset, read as UTC) to
 * a `DateTime.Utc`; encodes as `yyyy-MM-ddTHH:mm:ss+0000`.
 */
export const UtcTime: Schema.Codec<DateTime.Utc, string> = Schema.String.pipe(
  Schema.decodeTo(
    Schema.DateTimeUtc,
    SchemaTransformation.transformEffect({
      decode: (s) => {
        const millis = parseWireTime(s)
        return millis === undefined ?
          Effect.fail(new SchemaIssue.InvalidValue({ message: `expected a UTC time, got ${JSON.stringify(s)}` }, s)) :
          Effect.succeed(DateTime.makeUnsafe(millis))
      },
      encode: (dt) => Effect.succeed(formatWireTime(dt))
    })
  )
)
FastDecode.register(UtcTime, (input) => {
  const millis = typeof input === "string" ? parseWireTime(input) : undefined
  return millis === undefined ? FastDecode.invalid : DateTime.makeUnsafe(millis)
}, { complete: true })

const BooleanString = Schema.Literals(["true", "false"]).pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform({ decode: (s) => s === "true", encode: (b) => (b ? "true" : "false") })
  )
)
FastDecode.register(
  BooleanString,
  (input) => input === "true" ? true : input === "false" ? false : FastDecode.invalid,
  { complete: true }
)

/** `success` as a boolean or as `"true"` / `"false"` (reference §1.4, §7.2). */
export const SuccessFlag: Schema.Codec<boolean, boolean | string> = Schema.Union([Schema.Boolean, BooleanString])

const padCode = (n: number): string => String(n).padStart(6, "0")

const NumericCode = Schema.Finite.pipe(
  Schema.decodeTo(Schema.String, SchemaTransformation.transform({ decode: padCode, encode: (s) => Number(s) }))
)
FastDecode.register(
  NumericCode,
  (input) => typeof input === "number" && Number.isFinite(input) ? padCode(input) : FastDecode.invalid,
  { complete: true }
)

/** `errorCode` as a string, a number or null (reference §1.4). Numbers are padded back to six digits. */
export const ErrorCode: Schema.Codec<string | null, string | number | null> = Schema.Union([
  Schema.NullOr(Schema.String),
  NumericCode
])

/** A string that may be missing or null on the wire; decodes to `undefined` when absent. */
export const OptionalString = Schema.optional(Schema.NullOr(Schema.String))

/**
 * An open enumeration: the documented values autocomplete, any other string still decodes, so a value the
 * API adds later never fails decoding.
 */
export const OpenEnum = <const L extends ReadonlyArray<string>>(literals: L) =>
  Schema.Union([Schema.Literals(literals), Schema.StringForLiteralAutocomplete])

/**
 * A UTC time in a request body. Encodes as `yyyy-MM-ddTHH:mm:ss+00:00`, the form of the reference's request
 * examples (§2.3); decodes every spelling `UtcTime` decodes.
 */
export const RequestTime: Schema.Codec<DateTime.Utc, string> = Schema.String.pipe(
  Schema.decodeTo(
    Schema.DateTimeUtc,
    SchemaTransformation.transformEffect({
      decode: (s) => {
        const millis = parseWireTime(s)
        return millis === undefined ?
          Effect.fail(new SchemaIssue.InvalidValue({ message: `expected a UTC time, got ${JSON.stringify(s)}` }, s)) :
          Effect.succeed(DateTime.makeUnsafe(millis))
      },
      encode: (dt) => Effect.succeed(formatWireTime(dt).replace(/\+0000$/, "+00:00"))
    })
  )
)
