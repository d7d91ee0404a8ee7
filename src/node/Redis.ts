/**
 * The `Redis` service on Node for `effect-esim-access/Redis`: `@effect/platform-node` `NodeRedis` (the `redis`
 * client, an optional peer dependency: `npm install redis`) with settings that let the shared rate limiter notice
 * an outage at once.
 *
 * - {@link withRateLimit} and {@link layerWebhookDedupeStore}: the shared rate limit and the shared webhook
 *   de-duplication store with their Redis connection, one line each;
 * - {@link layer}: the connection alone, to provide to `effect-esim-access/Redis` (one connection for both).
 *
 * @since 0.1.0
 */
import { NodeRedis } from "@effect/platform-node"
import { Layer } from "effect"
import type { Redis } from "effect/persistence"
import type { EsimAccessConfig } from "../EsimAccessConfig.ts"
import * as EsimAccessRedis from "../Redis.ts"
import type { WebhookDedupeStore } from "../WebhookReceiver.ts"

/**
 * The options of `NodeRedis.layer`: the `redis` client's `createClient` options (`url`, `socket`, `password`,
 * `database`, …) plus the pool options of `Redis.reserve`.
 *
 * @since 0.1.0
 * @category models
 */
export type Options = NonNullable<Parameters<typeof NodeRedis.layer>[0]>

/**
 * `NodeRedis.layer` with two defaults changed, both overridable:
 *
 * - `disableOfflineQueue: true`: while the connection is down, commands fail at once instead of waiting for the
 *   reconnection, so the shared limiter switches to its fallback immediately and a webhook claim answers `500`
 *   (redelivered later) instead of hanging;
 * - `socket.connectTimeout: 5000` (milliseconds).
 *
 * After the first connection the client reconnects by itself (exponential backoff up to about 2 seconds).
 *
 * **At startup** the layer fails with `RedisError` when Redis cannot be reached: a replica that cannot reach Redis
 * when it starts is usually misconfigured, and failing lets the orchestrator report and restart it. To start
 * anyway with per-process limits, recover the config layer, e.g.
 * `Layer.catch(() => EsimAccessConfig.layer({ ...options, rateLimit: { limit: 2 } }))`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 * import * as NodeRedis from "effect-esim-access/node/Redis"
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * const RedisLive = NodeRedis.layer({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" })
 *
 * const ConfigLive = EsimAccessConfig.layerConfig().pipe(
 *   EsimAccessRedis.withRateLimit(),
 *   Layer.provide(RedisLive)
 * )
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<Redis.Redis | NodeRedis.NodeRedis, Redis.RedisError> =>
  NodeRedis.layer({
    disableOfflineQueue: true,
    ...options,
    socket: { connectTimeout: 5000, ...options.socket } as NonNullable<Options["socket"]>
  })

/**
 * Where {@link withRateLimit} and {@link layerWebhookDedupeStore} connect: `url` (default
 * `redis://localhost:6379`) and any other `createClient` options as `redis`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * ```ts
 * import type * as NodeRedis from "effect-esim-access/node/Redis"
 *
 * const connection: NodeRedis.ConnectionOptions = {
 *   url: "rediss://redis.internal:6380",
 *   redis: { password: process.env.REDIS_PASSWORD ?? "", database: 2 }
 * }
 * ```
 */
export interface ConnectionOptions {
  /** `redis[s]://[[username][:password]@][host][:port][/db-number]`; overrides `redis.url` */
  readonly url?: string | undefined
  /** the other options of {@link layer} */
  readonly redis?: Options | undefined
}

const connect = (options: ConnectionOptions) =>
  layer(options.url === undefined ? options.redis : { ...options.redis, url: options.url })

/**
 * `EsimAccessRedis.withRateLimit` with its Redis connection: the configuration's limiter becomes one shared by
 * every process of the account, through the Redis at `url`. The layer fails with `RedisError` when Redis cannot be
 * reached at startup (see {@link layer}).
 *
 * Each call opens its own connection. To share one between the limiter and the webhook store, provide one
 * {@link layer} to `EsimAccessRedis.withRateLimit` and `EsimAccessRedis.layerWebhookDedupeStore` instead.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { EsimAccessConfig } from "effect-esim-access"
 * import * as NodeRedis from "effect-esim-access/node/Redis"
 *
 * const ConfigLive = EsimAccessConfig.layerConfig().pipe(
 *   NodeRedis.withRateLimit({ url: process.env.REDIS_URL, fallback: { limit: 2 } })
 * ) // Layer<EsimAccessConfig, ConfigError | RedisError>
 * ```
 */
export const withRateLimit = (options: EsimAccessRedis.RateLimitOptions & ConnectionOptions = {}) =>
<E, R>(
  self: Layer.Layer<EsimAccessConfig, E, R>
): Layer.Layer<EsimAccessConfig, E | Redis.RedisError, R> => {
  const { redis, url, ...rateLimit } = options
  return self.pipe(EsimAccessRedis.withRateLimit(rateLimit), Layer.provide(connect({ redis, url })))
}

/**
 * `EsimAccessRedis.layerWebhookDedupeStore` with its Redis connection: a `WebhookDedupeStore` shared by every
 * receiver, in every replica, through the Redis at `url`. The layer fails with `RedisError` when Redis cannot be
 * reached at startup (see {@link layer}).
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 * import * as NodeRedis from "effect-esim-access/node/Redis"
 *
 * const Webhooks = WebhookReceiver.layer((event) => Effect.logInfo(event._tag), { dedupe: true }).pipe(
 *   Layer.provide(
 *     NodeRedis.layerWebhookDedupeStore({ url: process.env.REDIS_URL, accessCode: process.env.ESIM_ACCESS_CODE })
 *   )
 * )
 * ```
 */
export const layerWebhookDedupeStore = (
  options: EsimAccessRedis.WebhookStoreOptions & ConnectionOptions = {}
): Layer.Layer<WebhookDedupeStore, Redis.RedisError> => {
  const { redis, url, ...store } = options
  return EsimAccessRedis.layerWebhookDedupeStore(store).pipe(Layer.provide(connect({ redis, url })))
}
