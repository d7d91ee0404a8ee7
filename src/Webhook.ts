/**
 * `webhook/save` and `webhook/query`: where eSIM Access sends events (reference §2.10, §2.11).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/account.ts"

/**
 * Saves the webhook URL. eSIM Access first POSTs a `CHECK_HEALTH` event to it and saves the URL only if that
 * delivery is answered with HTTP 200.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Webhook } from "effect-esim-access"
 *
 * Webhook.save("https://example.com/esim-access/webhook")
 * ```
 */
export const save = (url: string): Effect.Effect<void, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.webhookSave, { webhook: url }).pipe(Effect.asVoid)

/**
 * The saved webhook URL, `null` when none is set. The API's key is `webhook` (some sources say `webhookUrl`;
 * both decode).
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Webhook } from "effect-esim-access"
 *
 * Webhook.query() // Effect<{ webhook: string | null }, …>
 * ```
 */
export const query = (): Effect.Effect<
  { readonly webhook: string | null },
  EsimAccessError,
  EsimAccessConfig | HttpClient.HttpClient
> => Request.execute(Wire.webhookQuery, {})
