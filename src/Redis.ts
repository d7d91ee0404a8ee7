/**
 * Running several replicas of one eSIM Access account: the account's rate limit and the webhook de-duplication
 * store, shared through Redis with Effect's own `effect/persistence` modules (`RateLimiter` with its Redis store,
 * and the `Redis` service).
 *
 * Platform-neutral: this module needs a `Redis` service (`effect/persistence/Redis`) and nothing else. On Node,
 * `effect-esim-access/node/Redis` provides one with the `redis` client (`@effect/platform-node` `NodeRedis`), and
 * the layers below with their connection bundled; any other implementation of the service works too. Not re-exported from the package root, so importing the root
 * never loads a Redis client.
 *
 * - {@link withRateLimit}: turns an `EsimAccessConfig` layer into one whose limiter is shared by every process of
 *   the account (keys derived from the access code, which never reaches Redis);
 * - {@link layerWebhookDedupeStore}: a `WebhookDedupeStore` shared by every receiver (atomic `SET NX PX` claims).
 *
 * @since 0.1.0
 */
import { Cause, Duration, Effect, Layer, Option, Redacted } from "effect"
import { RateLimiter, Redis } from "effect/persistence"
import { EsimAccessConfig } from "./EsimAccessConfig.ts"
import type { RateLimit } from "./EsimAccessConfig.ts"
import * as RateLimitInternal from "./internal/rateLimit.ts"
import { sha256, toHex } from "./internal/sha256.ts"
import { WebhookDedupeStore, WebhookDedupeStoreError } from "./WebhookReceiver.ts"
import type { Claim, DedupeStore } from "./WebhookReceiver.ts"

// ---------------------------------------------------------------------------------------------------------------
// rate limit
// ---------------------------------------------------------------------------------------------------------------

/**
 * The shared limiter's options. Starts of one account are spaced at least `(window + margin) / limit` apart across
 * every process that uses the same Redis: with the defaults 130 ms, so never more than 8 in any sliding second,
 * about 7.7 requests per second at full load.
 *
 * **Details**
 *
 * The limiter is `effect/persistence` `RateLimiter`, algorithm `fixed-window` with a limit of 1 per spacing
 * interval, in delay mode: each start books the next free slot in Redis and waits for it. Its schedule is kept
 * in Redis time (key TTLs), so the clocks of the replicas do not matter. A fixed window of 8 per second or a token
 * bucket of capacity 8 lets nearly twice the limit through within one sliding second across a window edge (15 of
 * 8, measured); one start per interval cannot.
 *
 * `margin` absorbs what happens between the booked slot and the API counting the request. Half of it is for a
 * start that comes late (its timer waited for a busy event loop): a start more than `margin / 2` after its slot
 * gives the slot up and books another (up to 5 times, then it starts anyway), so it never crowds the next slot,
 * which another replica may take on time. An answer from Redis that was read late costs nothing: every booking
 * tells when the key's run of slots began, to within its round trip, so the quickest recent round trip places all
 * the slots of the run. The other half is for the way to the API: raise `margin` if your replicas reach the API
 * over paths whose latency differs by more than about 20 ms. With no margin, nine starts 125 ms apart reach the API
 * within 1000 ms as soon as the first is a little late. Every replica of an account must use the same `limit`,
 * `window` and `margin` (the slots of a key are one spacing apart). A slot given up is logged at Debug level.
 *
 * @since 0.1.0
 * @category rate limit
 * @example
 * ```ts
 * import type * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * // four replicas: 2 per second each while Redis is down
 * const options: EsimAccessRedis.RateLimitOptions = { fallback: { limit: 2 } }
 * ```
 */
export interface RateLimitOptions {
  /** starts per `window` for the account, across all processes; default 8 (reference §6) */
  readonly limit?: number | undefined
  /** default 1 second */
  readonly window?: Duration.Input | undefined
  /** added to `window` before dividing it into slots; default 40 millis (the rate is then 96 % of the limit) */
  readonly margin?: Duration.Input | undefined
  /** the Redis key prefix, followed by the account key; default `esim-access:ratelimit:` */
  readonly prefix?: string | undefined
  /**
   * The per-process sliding-window limit used while Redis is unreachable; default 2 per second. Set it to the
   * account's limit divided by the number of replicas.
   */
  readonly fallback?: { readonly limit?: number | undefined; readonly window?: Duration.Input | undefined } | undefined
  /** how long booking a slot may take before Redis counts as unreachable; default 1 second */
  readonly timeout?: Duration.Input | undefined
  /** after a failure, how long every start uses the fallback before Redis is asked again; default 5 seconds */
  readonly retryAfter?: Duration.Input | undefined
}

/**
 * The default Redis key prefix of the shared limiter.
 *
 * @since 0.1.0
 * @category rate limit
 */
export const defaultRateLimitPrefix = "esim-access:ratelimit:"

const encoder = new TextEncoder()

/**
 * The account's part of every Redis key: the first 16 hex digits of the SHA-256 of the access code. Two accounts
 * never share a key; the access code cannot be read back from it.
 *
 * @since 0.1.0
 * @category rate limit
 * @example
 * ```ts
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * EsimAccessRedis.accountKey("my-access-code") // 16 hex digits
 * ```
 */
export const accountKey = (accessCode: string | Redacted.Redacted<string>): string =>
  toHex(sha256(encoder.encode(Redacted.isRedacted(accessCode) ? Redacted.value(accessCode) : accessCode))).slice(0, 16)

/**
 * A limiter shared through Redis by every process that uses the same account (and prefix). Use it as
 * `EsimAccessConfig` `rateLimit`, or let {@link withRateLimit} put it there.
 *
 * **When Redis is unreachable** (a command fails, or takes longer than `timeout`): the start goes through a
 * per-process sliding window of `fallback` (default 2 per second), one warning is logged for the outage, and Redis
 * is asked again after `retryAfter`; the first successful booking logs the recovery. Calls keep working at the
 * conservative rate; they never fail because of Redis. Should the replicas together still exceed the account's
 * limit, the API answers HTTP 429, which the client retries after `Retry-After`.
 *
 * @since 0.1.0
 * @category rate limit
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * const ConfigLive = Layer.effect(
 *   EsimAccessConfig.EsimAccessConfig,
 *   Effect.map(
 *     EsimAccessRedis.makeRateLimit({ accessCode: "…" }),
 *     (rateLimit) => EsimAccessConfig.make({ accessCode: "…", rateLimit })
 *   )
 * ) // Layer<EsimAccessConfig, never, Redis>
 * ```
 */
export const makeRateLimit = (
  options: RateLimitOptions & { readonly accessCode: string | Redacted.Redacted<string> }
): Effect.Effect<RateLimit, never, Redis.Redis> =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? defaultRateLimitPrefix
    const store = yield* RateLimiter.makeStoreRedis({ prefix })
    const limiter = yield* Effect.provideService(RateLimiter.make, RateLimiter.RateLimiterStore, store)
    const key = accountKey(options.accessCode)
    return RateLimitInternal.shared(limiter, key, { ...options, describe: `${prefix}${key}` })
  })

/**
 * Replaces the limiter of an `EsimAccessConfig` layer with one shared through Redis ({@link makeRateLimit}),
 * keyed by the configuration's access code. Endpoints still require only `EsimAccessConfig | HttpClient`; the
 * layer now also requires a `Redis` service. Whatever `rateLimit` the wrapped layer had (options, `false`) is
 * replaced.
 *
 * @since 0.1.0
 * @category rate limit
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 * import * as NodeRedis from "effect-esim-access/node/Redis"
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * const ConfigLive = EsimAccessConfig.layerConfig().pipe(
 *   EsimAccessRedis.withRateLimit({ fallback: { limit: 2 } }),
 *   Layer.provide(NodeRedis.layer({ url: "redis://redis.internal:6379" }))
 * )
 * ```
 */
export const withRateLimit = (options: RateLimitOptions = {}) =>
<E, R>(
  self: Layer.Layer<EsimAccessConfig, E, R>
): Layer.Layer<EsimAccessConfig, E, R | Redis.Redis> =>
  Layer.effect(
    EsimAccessConfig,
    Effect.gen(function*() {
      const config = yield* EsimAccessConfig
      const rateLimit = yield* makeRateLimit({ ...options, accessCode: config.accessCode })
      return { ...config, rateLimit }
    })
  ).pipe(Layer.provide(self))

// ---------------------------------------------------------------------------------------------------------------
// webhook de-duplication
// ---------------------------------------------------------------------------------------------------------------

/**
 * The Redis de-duplication store's options.
 *
 * @since 0.1.0
 * @category webhook de-duplication
 * @example
 * ```ts
 * import type * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * const options: EsimAccessRedis.WebhookStoreOptions = {
 *   accessCode: process.env.ESIM_ACCESS_CODE, // keys per account; the code never reaches Redis
 *   prefix: "shop-eu:webhook:",
 *   ttl: "2 days"
 * }
 * ```
 */
export interface WebhookStoreOptions {
  /**
   * The account whose webhooks this store de-duplicates: its access code, as for {@link makeRateLimit}. Keys then
   * carry the account key ({@link accountKey}, never the access code itself), so several accounts can share one
   * Redis and prefix without sharing de-duplication state. Without it, keys carry no account part: one namespace
   * for every receiver on that Redis and prefix, which is right for a single account (or give each account its
   * own `prefix`).
   */
  readonly accessCode?: string | Redacted.Redacted<string> | undefined
  /** the Redis key prefix, followed by the account key and the de-duplication key; default `esim-access:webhook:` */
  readonly prefix?: string | undefined
  /** how long a handled event is remembered; default 1 day */
  readonly ttl?: Duration.Input | undefined
  /**
   * How long a claim holds while its handler runs; default 5 minutes. A replica that dies mid-handler leaves its
   * claim behind: redeliveries are answered `409` until it expires, then handled. Keep it above your handler's
   * longest run.
   */
  readonly lockTtl?: Duration.Input | undefined
  /** how long a Redis command may take before it fails the operation; default 2 seconds */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The default Redis key prefix of the de-duplication store.
 *
 * @since 0.1.0
 * @category webhook de-duplication
 */
export const defaultWebhookPrefix = "esim-access:webhook:"

/** the part of every key before the de-duplication key: the prefix, then the account key when there is one */
const webhookKeyPrefix = (options: WebhookStoreOptions): string => {
  const prefix = options.prefix ?? defaultWebhookPrefix
  return options.accessCode === undefined ? prefix : `${prefix}${accountKey(options.accessCode)}:`
}

/**
 * A duration option in whole milliseconds for Redis (`PX` takes a positive integer): a duration that is not
 * positive and finite (`NaN`, `0`, negative, `Infinity`, an unparsable input) falls back to the default.
 */
const millisOption = (input: Duration.Input | undefined, fallback: number): number => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  if (Option.isNone(decoded)) return fallback
  const millis = Math.ceil(Duration.toMillis(decoded.value))
  return Number.isSafeInteger(millis) && millis > 0 ? millis : fallback
}

// one script: SET NX PX, or else what the key holds, in one atomic step
const claimScript = Redis.script(
  (key: string, token: string, lockMillis: number) => [key, token, lockMillis],
  {
    numberOfKeys: 1,
    lua: `
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return "claimed" end
if redis.call("GET", KEYS[1]) == "done" then return "duplicate" end
return "in-flight"
`
  }
).withReturnType<Claim>()

// deletes the key only while it still holds this claim: never another replica's claim, never "done"
const releaseScript = Redis.script(
  (key: string, token: string) => [key, token],
  {
    numberOfKeys: 1,
    lua: `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`
  }
).withReturnType<number>()

/**
 * A `WebhookReceiver.DedupeStore` on Redis, shared by every receiver that uses the same Redis, prefix and account.
 *
 * Keys are `<prefix><account key>:<de-duplication key>` with `accessCode` (e.g.
 * `esim-access:webhook:3f1c9a0b5d2e7f48:notifyId:…`), and `<prefix><de-duplication key>` without it. Durations
 * that are not positive and finite fall back to their defaults.
 *
 * - `claim`: `SET <key> <claim token> NX PX <lockTtl>` (atomically with reading the key when it exists): of
 *   concurrent claims across all replicas exactly one is `claimed`; others see `in-flight`, or `duplicate` once
 *   handled.
 * - `complete`: `SET <key> done PX <ttl>`.
 * - `release` (handler failed): deletes the key only if it still holds this replica's claim.
 *
 * **When Redis is unreachable** (a command fails or exceeds `timeout`): the operation fails with
 * `WebhookDedupeStoreError`; the receiver answers `500` to a failed claim, so eSIM Access delivers the event again
 * later. Events are never handled without a claim.
 *
 * @since 0.1.0
 * @category webhook de-duplication
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * Effect.gen(function*() {
 *   const store = yield* EsimAccessRedis.makeWebhookDedupeStore({ accessCode: "…", ttl: "2 days" })
 *   yield* store.claim("notifyId:abc") // "claimed" on exactly one replica
 * })
 * ```
 */
export const makeWebhookDedupeStore = (
  options: WebhookStoreOptions = {}
): Effect.Effect<DedupeStore, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const prefix = webhookKeyPrefix(options)
    const ttl = String(millisOption(options.ttl, 24 * 60 * 60 * 1000))
    const lockMillis = millisOption(options.lockTtl, 5 * 60 * 1000)
    const timeout = Duration.millis(millisOption(options.timeout, 2000))
    const claim = redis.eval(claimScript)
    const release = redis.eval(releaseScript)
    // this process's claims, so release touches only its own
    const tokens = new Map<string, string>()

    const run = <A>(operation: string, effect: Effect.Effect<A, Redis.RedisError>) =>
      effect.pipe(
        Effect.timeout(timeout),
        Effect.mapError((cause) =>
          new WebhookDedupeStoreError({
            message: `Redis ${operation} ${Cause.isTimeoutError(cause) ? "timed out" : "failed"}`,
            cause
          })
        )
      )

    return {
      claim: (key) =>
        Effect.suspend(() => {
          const token = `in-flight:${globalThis.crypto.randomUUID()}`
          return run("claim", claim(prefix + key, token, lockMillis)).pipe(
            Effect.tap((result) => Effect.sync(() => result === "claimed" && tokens.set(key, token)))
          )
        }),
      complete: (key) =>
        run("complete", redis.send("SET", prefix + key, "done", "PX", ttl)).pipe(
          Effect.ensuring(Effect.sync(() => tokens.delete(key))),
          Effect.asVoid
        ),
      release: (key) =>
        Effect.suspend(() => {
          const token = tokens.get(key)
          if (token === undefined) return Effect.void
          return run("release", release(prefix + key, token)).pipe(
            Effect.ensuring(Effect.sync(() => tokens.delete(key))),
            Effect.asVoid
          )
        })
    }
  })

/**
 * A layer providing `WebhookDedupeStore` with {@link makeWebhookDedupeStore}: every receiver with `dedupe` on, in
 * every replica, then handles each event once.
 *
 * @since 0.1.0
 * @category webhook de-duplication
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 * import * as NodeRedis from "effect-esim-access/node/Redis"
 * import * as EsimAccessRedis from "effect-esim-access/Redis"
 *
 * const Webhooks = WebhookReceiver.layer((event) => Effect.logInfo(event._tag), { dedupe: true }).pipe(
 *   Layer.provide(EsimAccessRedis.layerWebhookDedupeStore()),
 *   Layer.provide(NodeRedis.layer({ url: "redis://redis.internal:6379" }))
 * )
 * ```
 */
export const layerWebhookDedupeStore = (
  options?: WebhookStoreOptions
): Layer.Layer<WebhookDedupeStore, never, Redis.Redis> =>
  Layer.effect(WebhookDedupeStore, makeWebhookDedupeStore(options))
