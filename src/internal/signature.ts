/**
 * HMAC request signing (reference §1.3):
 * `signature = lowercase hex( HMAC_SHA256(secretKey, timestamp + requestId + accessCode + body) )`.
 * Web Crypto only, so the package root runs on any runtime with `crypto.subtle` (Node 22, Deno, Bun, browsers).
 *
 * @internal
 */
import { Effect } from "effect"

const encoder = new TextEncoder()

const toHex = (bytes: ArrayBuffer): string => {
  const view = new Uint8Array(bytes)
  let out = ""
  for (let i = 0; i < view.length; i++) out += view[i]!.toString(16).padStart(2, "0")
  return out
}

export const hmacSha256Hex = (key: string, message: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const cryptoKey = await globalThis.crypto.subtle.importKey(
      "raw",
      encoder.encode(key),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"]
    )
    return toHex(await globalThis.crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)))
  })

export interface SignatureInput {
  readonly timestamp: string
  readonly requestId: string
  readonly accessCode: string
  readonly body: string
}

export const sign = (secretKey: string, input: SignatureInput): Effect.Effect<string> =>
  hmacSha256Hex(secretKey, input.timestamp + input.requestId + input.accessCode + input.body)

/** A fresh request id: a UUID v4 as 32 hex digits, as in the reference's example. */
export const requestId = (): string => globalThis.crypto.randomUUID().replaceAll("-", "")
