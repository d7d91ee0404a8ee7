/**
 * Deterministic pseudo-randomness for the simulator: every "random" value (catalogue prices, activation codes,
 * notifyIds) is a hash of the seed and a key, so one seed always gives the same catalogue and the same ids.
 *
 * @internal
 */

/** FNV-1a over the key, mixed with the seed through the murmur3 finaliser: a well-spread 32-bit value. */
export const hash32 = (seed: number, key: string): number => {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/** A float in [0, 1). */
export const unit = (seed: number, key: string): number => hash32(seed, key) / 0x1_0000_0000

/** An integer in [min, max]. */
export const int = (seed: number, key: string, min: number, max: number): number =>
  min + Math.floor(unit(seed, key) * (max - min + 1))

/** One element of a non-empty list. */
export const pick = <A>(seed: number, key: string, xs: ReadonlyArray<A>): A =>
  xs[Math.floor(unit(seed, key) * xs.length)] ?? (xs[0] as A)

/** `length` lower-case hex digits. */
export const hex = (seed: number, key: string, length: number): string => {
  let out = ""
  for (let i = 0; out.length < length; i++) out += hash32(seed, `${key}#${i}`).toString(16).padStart(8, "0")
  return out.slice(0, length)
}

const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

/** `length` characters of upper-case letters and digits, as in package codes like `PJCB7UMFE`. */
export const code = (seed: number, key: string, length: number): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[hash32(seed, `${key}@${i}`) % alphabet.length]
  return out
}
