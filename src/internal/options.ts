/**
 * Numeric and duration options as users pass them: an unusable value (`NaN`, `Infinity`, a negative or zero where
 * that would switch a protection off) falls back to the default instead of throwing or disabling anything.
 *
 * @internal
 */
import { Duration, Option } from "effect"

/**
 * A duration option in milliseconds, or `undefined` when it cannot be used: not a duration, not finite (`NaN`,
 * `Infinity`, in any of the forms `Duration.Input` takes), or negative. `Duration` itself reads `NaN` as zero, which
 * would turn a window off, so the raw numbers are looked at first.
 */
const usableMillis = (input: Duration.Input | undefined): number | undefined => {
  if (input === undefined) return undefined
  if (typeof input === "number" && !Number.isFinite(input)) return undefined
  if (Array.isArray(input) && !input.every((n) => typeof n === "number" && Number.isFinite(n))) return undefined
  if (
    typeof input === "object" && !Duration.isDuration(input) && !Array.isArray(input) &&
    Object.values(input).some((n) => typeof n === "number" && !Number.isFinite(n))
  ) return undefined
  const duration = Duration.fromInput(input)
  if (Option.isNone(duration)) return undefined
  const millis = Duration.toMillis(duration.value)
  return Number.isFinite(millis) && millis >= 0 ? millis : undefined
}

/** A start count per window: a finite number of at least 1 (rounded down), else `fallback`. */
export const limitOr = (limit: number | undefined, fallback: number): number =>
  limit !== undefined && Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : fallback

/** A window: a finite, positive duration (a zero window limits nothing), else `fallback`. */
export const windowMillisOr = (window: Duration.Input | undefined, fallback: number): number => {
  const millis = usableMillis(window)
  return millis !== undefined && millis > 0 ? millis : fallback
}

/** A margin: a finite duration of at least zero, else `fallback`. */
export const marginMillisOr = (margin: Duration.Input | undefined, fallback: number): number =>
  usableMillis(margin) ?? fallback

/** A count of retries: a finite number of at least 0 (rounded down), else `fallback`. */
export const countOr = (count: number | undefined, fallback: number): number =>
  count !== undefined && Number.isFinite(count) && count >= 0 ? Math.floor(count) : fallback

/** A timeout or delay: a finite, positive duration, else `fallback` (same rule as a window). */
export const positiveDurationOr = (input: Duration.Input | undefined, fallbackMillis: number): Duration.Duration =>
  Duration.millis(windowMillisOr(input, fallbackMillis))
