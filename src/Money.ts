/**
 * Money in API units: integer USD × 10,000 (`10000` is $1.00, reference §1.1). Conversions are exact: they work on
 * the decimal digits, never through floating point.
 *
 * @since 0.1.0
 */
import { Option } from "effect"

/**
 * API units per US dollar.
 *
 * @since 0.1.0
 * @category constants
 */
export const unitsPerDollar = 10_000

/**
 * Exact decimal dollars, trailing zeros trimmed to cents: `18000` → `"1.80"`, `12345` → `"1.2345"`,
 * `-5000` → `"-0.50"`.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { Money } from "effect-esim-access"
 *
 * Money.toDecimalString(940000) // "94.00"
 * ```
 */
export const toDecimalString = (units: number): string => {
  if (!Number.isFinite(units)) return String(units)
  const sign = units < 0 ? "-" : ""
  // BigInt keeps every digit of integers beyond 2^53 (String(1e21) would be "1e+21")
  const digits = BigInt(Math.abs(Math.trunc(units))).toString().padStart(5, "0")
  const whole = digits.slice(0, -4)
  let fraction = digits.slice(-4)
  while (fraction.length > 2 && fraction.endsWith("0")) fraction = fraction.slice(0, -1)
  return `${sign}${whole}.${fraction}`
}

/**
 * `"$1.80"`.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { Money } from "effect-esim-access"
 *
 * Money.format(18000) // "$1.80"
 * ```
 */
export const format = (units: number): string => {
  const s = toDecimalString(units)
  return s.startsWith("-") ? `-$${s.slice(1)}` : `$${s}`
}

/**
 * Parses decimal dollars (`"1.80"`, `"94"`, `"-0.5"`, up to 4 decimals) into API units; `None` for anything else.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { Money } from "effect-esim-access"
 *
 * Money.fromDecimalString("1.80") // Option.some(18000)
 * ```
 */
export const fromDecimalString = (text: string): Option.Option<number> => {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(text.trim())
  if (m === null) return Option.none()
  const units = Number(m[2]) * unitsPerDollar + Number((m[3] ?? "").padEnd(4, "0"))
  return Number.isSafeInteger(units) ? Option.some(m[1] === "-" && units !== 0 ? -units : units) : Option.none()
}
