/**
 * The `Redis` service on Node for `effect-esim-access/Redis`: `@effect/platform-node` `NodeRedis` (the `redis`
 * client, an optional peer dependency: `npm install redis`) with settings that let the shared rate limiter notice
 * an outage at once.
 *
 * @since 0.1.0
 */
import { NodeRedis } from "@effect/platform-node"
import type { Layer } from "effect"
import type { Redis } from "effect/persistence"

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
