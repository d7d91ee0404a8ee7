/**
 * `balance/query`: the prepaid balance (reference §2.8).
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as Request from "./internal/request.ts"
import * as Wire from "./internal/wire/account.ts"

/**
 * The balance in API units (USD × 10,000: `940000` is $94.00; see `Money`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Balance {
  readonly balance: number
}

/**
 * The account's prepaid balance.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance, Money } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const { balance } = yield* Balance.query()
 *   yield* Effect.log(`balance ${Money.format(balance)}`)
 * })
 * ```
 */
export const query = (): Effect.Effect<Balance, EsimAccessError, EsimAccessConfig | HttpClient.HttpClient> =>
  Request.execute(Wire.balance, {})
