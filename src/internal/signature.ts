/**
 * HMAC request signing (reference §1.3):
 * `signature = lowercase hex( HMAC_SHA256(secretKey, timestamp + requestId + accessCode + body) )`.
 * Plain TypeScript hashing, so the package root runs on any runtime and signing needs no Promise.
 *
 * @internal
 */
import { hmacSha256, toHex } from "./sha256.ts"

const encoder = new TextEncoder()

/** Lower-case hex HMAC-SHA256; synchronous (see `sha256.ts`). */
export const hmacSha256Hex = (key: string, message: string): string =>
  toHex(hmacSha256(encoder.encode(key), encoder.encode(message)))

export interface SignatureInput {
  readonly timestamp: string
  readonly requestId: string
  readonly accessCode: string
  readonly body: string
}

export const sign = (secretKey: string, input: SignatureInput): string =>
  hmacSha256Hex(secretKey, input.timestamp + input.requestId + input.accessCode + input.body)

/** A fresh request id: a UUID v4 as 32 hex digits, as in the reference's example. */
export const requestId = (): string => globalThis.crypto.randomUUID().replaceAll("-", "")
