/**
 * Type-level tests for `effect-esim-access/Redis` and `effect-esim-access/node/Redis`, and the examples of the
 * README's "Running several replicas": compiled by `tsc --noEmit` (part of `npm test`), never run.
 */
import { Effect, Layer } from "effect"
import type { Config, Redacted } from "effect"
import { Balance, EsimAccessConfig, WebhookReceiver } from "effect-esim-access"
import type { EsimAccessError } from "effect-esim-access"
import * as NodeRedis from "effect-esim-access/node/Redis"
import * as EsimAccessRedis from "effect-esim-access/Redis"
import type { HttpClient, HttpRouter } from "effect/http"
import type { Redis } from "effect/persistence"

const RedisLive = NodeRedis.layer({ url: "redis://127.0.0.1:6379" })

// the config layer needs a Redis service; endpoints still need only EsimAccessConfig | HttpClient
export const shared: Layer.Layer<EsimAccessConfig.EsimAccessConfig, never, Redis.Redis> = EsimAccessConfig.layer({
  accessCode: "code"
}).pipe(EsimAccessRedis.withRateLimit())

export const fromEnv: Layer.Layer<
  EsimAccessConfig.EsimAccessConfig,
  Redis.RedisError | Config.ConfigError
> = EsimAccessConfig.layerConfig().pipe(
  EsimAccessRedis.withRateLimit({ fallback: { limit: 2 } }),
  Layer.provide(RedisLive)
)

export const call: Effect.Effect<
  Balance.Balance,
  EsimAccessError.EsimAccessError | Redis.RedisError,
  HttpClient.HttpClient
> = Balance.query().pipe(Effect.provide(
  EsimAccessConfig.layer({ accessCode: "code" }).pipe(
    EsimAccessRedis.withRateLimit(),
    Layer.provide(RedisLive)
  )
))

// README "Running several replicas": start on per-process limits when Redis is down at startup
const options: EsimAccessConfig.Options = { accessCode: "code" }
export const recovered: Layer.Layer<EsimAccessConfig.EsimAccessConfig> = EsimAccessConfig.layer(options).pipe(
  EsimAccessRedis.withRateLimit(),
  Layer.provide(RedisLive),
  Layer.catch(() => EsimAccessConfig.layer({ ...options, rateLimit: { limit: 2 } }))
)

// the limiter as a value, for EsimAccessConfig's rateLimit option
export const asValue: Layer.Layer<EsimAccessConfig.EsimAccessConfig, never, Redis.Redis> = Layer.effect(
  EsimAccessConfig.EsimAccessConfig,
  Effect.map(
    EsimAccessRedis.makeRateLimit({ accessCode: "code", margin: "60 millis" }),
    (rateLimit) => EsimAccessConfig.make({ accessCode: "code", rateLimit })
  )
)

// any { take } is a limiter
export const custom = EsimAccessConfig.layer({ accessCode: "code", rateLimit: { take: Effect.void } })

// the webhook store
declare const onEvent: WebhookReceiver.Handler
export const webhooks = WebhookReceiver.layer(onEvent, { dedupe: true }).pipe(
  Layer.provide(EsimAccessRedis.layerWebhookDedupeStore({ ttl: "2 days", lockTtl: "1 minute" })),
  Layer.provide(RedisLive)
)
export const store: Effect.Effect<WebhookReceiver.DedupeStore, never, Redis.Redis> = EsimAccessRedis
  .makeWebhookDedupeStore()

declare const code: Redacted.Redacted<string>
export const key: string = EsimAccessRedis.accountKey(code)

// @ts-expect-error the account is required
EsimAccessRedis.makeRateLimit({})

// one layer away: the connection bundled (node/Redis)
export const oneLineConfig: Layer.Layer<
  EsimAccessConfig.EsimAccessConfig,
  Redis.RedisError | Config.ConfigError
> = EsimAccessConfig.layerConfig().pipe(NodeRedis.withRateLimit({ url: "redis://127.0.0.1:6379", limit: 8 }))
export const oneLineStore: Layer.Layer<WebhookReceiver.WebhookDedupeStore, Redis.RedisError> = NodeRedis
  .layerWebhookDedupeStore({ url: process.env["REDIS_URL"], accessCode: code, ttl: "2 days" })
export const oneLineWebhooks: Layer.Layer<never, Redis.RedisError, HttpRouter.HttpRouter> = WebhookReceiver.layer(
  onEvent,
  { dedupe: true }
).pipe(Layer.provide(NodeRedis.layerWebhookDedupeStore({ redis: { url: "redis://127.0.0.1:6379", database: 1 } })))

// the webhook store per account, the access code as a string or Redacted
export const perAccount = EsimAccessRedis.layerWebhookDedupeStore({ accessCode: code, prefix: "shop:webhook:" })

// @ts-expect-error the connection options are not the store's
NodeRedis.layerWebhookDedupeStore({ database: 1 })
