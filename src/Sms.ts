/**
 * `esim/sendSms`: a free SMS to an installed profile whose plan supports SMS (reference §2.12).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/profiles.ts"
import type { ProfileRef } from "./Profiles.ts"

/**
 * Sends `message` (1 to 500 characters) to the profile named by `esimTranNo` or `iccid`.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Sms } from "effect-esim-access"
 *
 * Sms.send({ esimTranNo: "25010112340001", message: "Welcome! Your data plan is active." })
 * ```
 */
export const send = (
  params: ProfileRef & { readonly message: string }
): Effect.Effect<void, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.sendSms, params).pipe(Effect.asVoid)
