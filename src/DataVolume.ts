/**
 * Data volumes: the API counts bytes (reference §1.1); plans are sold in binary units (`3221225472` is 3 GB).
 *
 * @since 0.1.0
 */

const units = ["B", "KB", "MB", "GB", "TB"] as const

/**
 * Bytes in binary units with up to two decimals: `3221225472` → `"3 GB"`, `1453344832` → `"1.35 GB"`.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { DataVolume } from "effect-esim-access"
 *
 * DataVolume.format(524288000) // "500 MB"
 * ```
 */
export const format = (bytes: number): string => {
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  let rounded = Number(value.toFixed(2))
  // 1048575 bytes rounds to 1024 KB: show it as 1 MB
  if (Math.abs(rounded) >= 1024 && unit < units.length - 1) {
    rounded = Number((rounded / 1024).toFixed(2))
    unit++
  }
  return `${rounded} ${units[unit]}`
}

/**
 * Bytes to mebibytes ("MB" as plans use it), two decimals.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { DataVolume } from "effect-esim-access"
 *
 * DataVolume.toMegabytes(1572864) // 1.5
 * ```
 */
export const toMegabytes = (bytes: number): number => Number((bytes / 1_048_576).toFixed(2))

/**
 * Gigabytes (binary) to bytes: `gigabytes(3)` → `3221225472`.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { DataVolume } from "effect-esim-access"
 *
 * DataVolume.gigabytes(3) // 3221225472
 * ```
 */
export const gigabytes = (n: number): number => Math.round(n * 1_073_741_824)

/**
 * Megabytes (binary) to bytes.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { DataVolume } from "effect-esim-access"
 *
 * DataVolume.megabytes(500) // 524288000
 * ```
 */
export const megabytes = (n: number): number => Math.round(n * 1_048_576)
