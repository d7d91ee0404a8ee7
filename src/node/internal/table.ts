/**
 * Plain-text tables and cell formatting for the command-line tool.
 *
 * @internal
 */
import { DateTime, Duration } from "effect"

/** Columns padded to their widest cell, a rule under the header. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

/** `2026-05-01` (UTC), empty for a missing date. */
export const date = (value: DateTime.DateTime | null | undefined): string =>
  value == null ? "" : DateTime.formatIsoDateUtc(value)

/** `2026-05-01 13:45 UTC`, empty for a missing time. */
export const dateTime = (value: DateTime.DateTime | null | undefined): string =>
  value == null ? "" : `${DateTime.formatIso(value).slice(0, 16).replace("T", " ")} UTC`

/** A coarse age: `just now`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export const age = (value: Duration.Duration | undefined): string => {
  if (value === undefined) return ""
  const minutes = Math.floor(Duration.toMillis(value) / 60_000)
  if (minutes < 1) return "just now"
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  const days = Math.floor(hours / 24)
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`
}

/** The first `max` items joined by commas, then `… (+n)`. */
export const list = (items: ReadonlyArray<string>, max: number): string =>
  items.length <= max ? items.join(",") : `${items.slice(0, max).join(",")},… (+${items.length - max})`
