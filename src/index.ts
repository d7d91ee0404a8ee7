/**
 * effect-esim-access: the eSIM Access wholesale API for Effect.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as Balance from "./Balance.ts"

/**
 * @since 0.1.0
 */
export * as DataVolume from "./DataVolume.ts"

/**
 * @since 0.1.0
 */
export * as EsimAccessConfig from "./EsimAccessConfig.ts"

/**
 * @since 0.1.0
 */
export * as EsimAccessError from "./EsimAccessError.ts"

/**
 * @since 0.1.0
 */
export * as EsimAccessTest from "./EsimAccessTest.ts"

/**
 * @since 0.1.0
 */
export * as Locations from "./Locations.ts"

/**
 * @since 0.1.0
 */
export * as Money from "./Money.ts"

/**
 * @since 0.1.0
 */
export * as Orders from "./Orders.ts"

/**
 * @since 0.1.0
 */
export * as Packages from "./Packages.ts"

/**
 * @since 0.1.0
 */
export * as Profiles from "./Profiles.ts"

/**
 * @since 0.1.0
 */
export * as Sms from "./Sms.ts"

/**
 * @since 0.1.0
 */
export * as TopUp from "./TopUp.ts"

/**
 * @since 0.1.0
 */
export * as Usage from "./Usage.ts"

/**
 * @since 0.1.0
 */
export * as Webhook from "./Webhook.ts"

/**
 * @since 0.1.0
 */
export * as WebhookEvent from "./WebhookEvent.ts"

/**
 * @since 0.1.0
 */
export * as TransactionId from "./TransactionId.ts"

/**
 * @since 0.1.0
 */
export * as WebhookReceiver from "./WebhookReceiver.ts"

/**
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.ts"

/**
 * @since 0.1.0
 */
export * as CatalogueCache from "./CatalogueCache.ts"
