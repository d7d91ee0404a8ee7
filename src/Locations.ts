/**
 * `location/list`: the countries and regions plans cover (reference §2.14).
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
 * A country (`type` 1) or a multi-country region (`type` 2, e.g. `NA-3`) with its countries in
 * `subLocationList` (`[]` for a country). The API names that list `subLocationList` or `subLocation`; both
 * decode here.
 *
 * @since 0.1.0
 * @category models
 */
export type Location = Wire.Location

/**
 * Schema of a location.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Location = Wire.Location

/**
 * Every supported location.
 *
 * @since 0.1.0
 * @category endpoints
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Locations } from "effect-esim-access"
 *
 * const regions = Locations.list().pipe(Effect.map((all) => all.filter((l) => l.type === 2)))
 * ```
 */
export const list = (): Effect.Effect<
  ReadonlyArray<Location>,
  EsimAccessError,
  EsimAccessConfig | HttpClient.HttpClient
> => Request.execute(Wire.locations, {}).pipe(Effect.map((obj) => obj.locationList))
