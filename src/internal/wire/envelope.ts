/**
 * The response envelope `{ success, errorCode, errorMsg, obj }` (reference §1.4), read loosely: `success` as a
 * boolean or `"true"`/`"false"`, `errorCode` as null, a string or a number, the message under `errorMsg` or
 * `errorMessage` (§7.2, §7.3). `obj` is left undecoded here; each endpoint decodes it with its own schema.
 *
 * @internal
 */
import { Schema } from "effect"
import { ErrorCode, SuccessFlag } from "./codecs.ts"

export const Envelope = Schema.Struct({
  success: SuccessFlag,
  errorCode: Schema.optional(ErrorCode),
  errorMsg: Schema.optional(Schema.NullOr(Schema.String)),
  errorMessage: Schema.optional(Schema.NullOr(Schema.String)),
  obj: Schema.optional(Schema.Unknown)
})

export type Envelope = typeof Envelope.Type

/** The envelope as the simulator writes it: the live spelling (boolean, `errorMsg`). */
export interface WireEnvelope {
  readonly success: boolean
  readonly errorCode: string | null
  readonly errorMsg: string | null
  readonly obj: unknown
}

export const success = (obj: unknown): WireEnvelope => ({ success: true, errorCode: "0", errorMsg: null, obj })

export const failure = (errorCode: string, errorMsg: string): WireEnvelope => ({
  success: false,
  errorCode,
  errorMsg,
  obj: null
})
