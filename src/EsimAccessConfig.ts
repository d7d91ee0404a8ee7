/**
 * The configuration every call reads: credentials, base URL, timeouts, retry policy and the rate limiter that all
 * calls made with one configuration share.
 *
 * @since 0.1.0
 */
import { Config, Context, Duration, Effect, Layer, Redacted, Schedule } from "effect"
import type { EsimAccessError } from "./EsimAccessError.ts"
import * as OptionsInternal from "./internal/options.ts"
import * as RateLimitInternal from "./internal/rateLimit.ts"

/**
 * The production API host (reference §1.1).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.esimaccess.com"

/**
 * Retry policy: exponential backoff from `base`, doubled each time up to `maxDelay`, jittered, at most `times`
 * retries. Only transient failures are retried (see `EsimAccessError.isTransient`). An unusable value (`NaN`, a
 * negative count, a delay that is not a finite positive duration) falls back to its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** retries after the first attempt; default 3 */
  readonly times?: number
  /** first delay; default 250 millis */
  readonly base?: Duration.Input
  /** longest delay; default 5 seconds */
  readonly maxDelay?: Duration.Input
  /** randomise each delay between 80 % and 120 %; default true */
  readonly jitter?: boolean
}

/**
 * The in-memory limiter: at most `limit` request starts in any sliding `window + margin`. Default 8 per second, the
 * account's limit (reference §6), with a 40 ms margin: never more than 8 starts in any 1040 ms, about 7.7 requests
 * per second at full load (96 % of the limit), in bursts of 8.
 *
 * **Details**
 *
 * The margin is for the way to the API, which counts a request when it arrives, not when it starts. Eight requests
 * that start together at a window's edge arrive a few milliseconds apart (event loop, connections, network), and
 * those of the next window as well: with no margin, one of the first eight that arrives late and one of the next that
 * arrives early put nine into one of the API's seconds, and the ninth is answered HTTP 429. Raise it when your
 * latency to the API varies by more than about 30 ms.
 *
 * An option that cannot limit anything never turns the limiter off; it falls back to its default, the account's
 * limit being the safe choice: a `limit` that is not a finite number of at least 1 (`NaN`, `0`, `-1`, `Infinity`)
 * is 8 (a fraction is rounded down), a `window` that is not a finite, positive duration (`NaN`, `0`, negative,
 * `Infinity`) is 1 second, and a `margin` that is not a finite duration of at least zero is 40 millis. Turn the
 * limiter off with `rateLimit: false`, never with options.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitOptions {
  /** starts per window, a finite number of at least 1; default (and for anything else) 8 */
  readonly limit?: number
  /** a finite, positive duration; default (and for anything else) 1 second */
  readonly window?: Duration.Input
  /** added to `window`, a finite duration of at least zero; default (and for anything else) 40 millis */
  readonly margin?: Duration.Input
}

/**
 * A ready limiter: every attempt of every call waits on `take` before it is sent. The default is an in-memory
 * sliding window private to the configuration ({@link RateLimitOptions}); pass another to share a budget beyond it,
 * e.g. across replicas with `makeRateLimit` from `effect-esim-access/Redis`. Whatever it is, it should never let
 * more than 8 requests of one account start in any sliding second (reference §6).
 *
 * @since 0.1.0
 * @category models
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 *
 * // one in-memory budget shared by two configurations of the same account
 * const shared: EsimAccessConfig.RateLimit = EsimAccessConfig.make({ accessCode: "…" }).rateLimit
 * const other = EsimAccessConfig.layer({ accessCode: "…", rateLimit: shared, timeout: "5 seconds" })
 *
 * // a limiter that never waits (as `rateLimit: false`)
 * const none: EsimAccessConfig.RateLimit = { take: Effect.void }
 * ```
 */
export interface RateLimit extends RateLimitInternal.RateLimit {}

/**
 * What {@link layer} and {@link make} take: the account's credentials and, all optional, the base URL, timeouts,
 * retries and the rate limiter.
 *
 * @since 0.1.0
 * @category models
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { EsimAccessConfig } from "effect-esim-access"
 *
 * const options: EsimAccessConfig.Options = {
 *   accessCode: Redacted.make("…"),
 *   timeout: "10 seconds",
 *   retry: { times: 5, maxDelay: "10 seconds" },
 *   rateLimit: { limit: 8, margin: "80 millis" } // a slow or jittery link to the API
 * }
 * ```
 */
export interface Options {
  /** the account's access code, sent as `RT-AccessCode` */
  readonly accessCode: string | Redacted.Redacted<string>
  /** with a secret key every request is signed (`RT-Timestamp`, `RT-RequestID`, `RT-Signature`, reference §1.3) */
  readonly secretKey?: string | Redacted.Redacted<string> | undefined
  /** default `https://api.esimaccess.com` */
  readonly baseUrl?: string | undefined
  /** per attempt; default 30 seconds (also when not a finite positive duration), `catalogueTimeout` for `package/list` */
  readonly timeout?: Duration.Input | undefined
  /** per attempt for `package/list` (the full catalogue is about 3 MB); default 120 seconds */
  readonly catalogueTimeout?: Duration.Input | undefined
  /** `false` turns retries off */
  readonly retry?: RetryOptions | false | undefined
  /**
   * the in-memory limiter's options (default 8 starts in any sliding 1040 ms, {@link RateLimitOptions}), a ready
   * {@link RateLimit} (e.g. one shared through Redis), or `false` to turn the limiter off (tests that want it off)
   */
  readonly rateLimit?: RateLimitOptions | RateLimit | false | undefined
}

/**
 * The resolved configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly accessCode: Redacted.Redacted<string>
  readonly secretKey: Redacted.Redacted<string> | undefined
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly catalogueTimeout: Duration.Duration
  /** `undefined` when retries are off */
  readonly retry: Schedule.Schedule<unknown, EsimAccessError> | undefined
  /** shared by every call made with this configuration */
  readonly rateLimit: RateLimit
}

/**
 * The configuration service. Every endpoint requires it (and an `HttpClient`).
 *
 * @since 0.1.0
 * @category services
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Balance, EsimAccessConfig } from "effect-esim-access"
 *
 * Balance.query().pipe(
 *   Effect.provide(EsimAccessConfig.layer({ accessCode: "…" })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 */
export class EsimAccessConfig extends Context.Service<EsimAccessConfig, Service>()(
  "effect-esim-access/EsimAccessConfig"
) {}

const redact = (value: string | Redacted.Redacted<string>) => Redacted.isRedacted(value) ? value : Redacted.make(value)

const reveal = (value: string | Redacted.Redacted<string>) => Redacted.isRedacted(value) ? Redacted.value(value) : value

const retrySchedule = (options: RetryOptions): Schedule.Schedule<unknown, EsimAccessError> => {
  const maxDelay = OptionsInternal.positiveDurationOr(options.maxDelay, 5_000)
  const backoff = Schedule.exponential(OptionsInternal.positiveDurationOr(options.base, 250))
  // jitter first, then the cap, so no delay exceeds maxDelay
  const delays = (options.jitter === false ? backoff : Schedule.jittered(backoff)).pipe(
    // whole milliseconds keep request times exact (jitter makes fractions)
    Schedule.modifyDelay(({ duration }) =>
      Effect.succeed(Duration.millis(Math.round(Duration.toMillis(Duration.min(duration, maxDelay)))))
    )
  )
  return Schedule.max([delays, Schedule.recurs(OptionsInternal.countOr(options.times, 3))])
}

/**
 * Resolves options to the service, building the shared limiter (or using the one given). {@link layer} wraps it;
 * use it directly to share one limiter between configurations or to build the service inside your own layer.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 *
 * const service = EsimAccessConfig.make({ accessCode: "…", retry: false })
 * const Config = Layer.succeed(EsimAccessConfig.EsimAccessConfig, service)
 * ```
 */
export const make = (options: Options): Service => ({
  accessCode: redact(options.accessCode),
  secretKey: options.secretKey === undefined || reveal(options.secretKey) === ""
    ? undefined
    : redact(options.secretKey),
  baseUrl: (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, ""),
  timeout: OptionsInternal.positiveDurationOr(options.timeout, 30_000),
  catalogueTimeout: OptionsInternal.positiveDurationOr(options.catalogueTimeout, 120_000),
  retry: options.retry === false ? undefined : retrySchedule(options.retry ?? {}),
  rateLimit: makeRateLimit(options.rateLimit)
})

/**
 * The default `margin` of the in-memory limiter ({@link RateLimitOptions}): 40 ms.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { EsimAccessConfig } from "effect-esim-access"
 *
 * // twice the default margin
 * const layer = EsimAccessConfig.layer({
 *   accessCode: "…",
 *   rateLimit: { margin: Duration.times(EsimAccessConfig.defaultRateLimitMargin, 2) }
 * })
 * ```
 */
export const defaultRateLimitMargin: Duration.Duration = Duration.millis(40)

const isRateLimit = (option: RateLimitOptions | RateLimit): option is RateLimit => "take" in option

const makeRateLimit = (option: RateLimitOptions | RateLimit | false | undefined): RateLimit => {
  if (option === false) return RateLimitInternal.unlimited
  if (option !== undefined && isRateLimit(option)) return option
  return RateLimitInternal.slidingWindow({
    limit: option?.limit ?? 8,
    window: option?.window ?? "1 second",
    margin: option?.margin ?? defaultRateLimitMargin
  })
}

/**
 * A layer from plain options. Each time the layer is built it makes one limiter, shared by every call that uses
 * it.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { EsimAccessConfig } from "effect-esim-access"
 *
 * const ConfigLive = EsimAccessConfig.layer({ accessCode: process.env.ESIM_ACCESS_CODE ?? "", retry: { times: 5 } })
 * ```
 */
export const layer = (options: Options): Layer.Layer<EsimAccessConfig> =>
  Layer.sync(EsimAccessConfig, () => make(options))

/**
 * A layer that reads `ESIM_ACCESS_CODE`, `ESIM_ACCESS_SECRET_KEY` (optional) and `ESIM_ACCESS_BASE_URL` (optional)
 * through Effect `Config`; other options as in {@link layer}.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { EsimAccessConfig } from "effect-esim-access"
 *
 * const ConfigLive = EsimAccessConfig.layerConfig({ rateLimit: { limit: 5 } })
 * ```
 */
export const layerConfig = (
  options: Omit<Options, "accessCode" | "secretKey" | "baseUrl"> = {}
): Layer.Layer<EsimAccessConfig, Config.ConfigError> =>
  Layer.effect(
    EsimAccessConfig,
    Effect.gen(function*() {
      // an empty access code is a configuration error, not a request the API would reject later
      const accessCode = yield* Config.NonEmptyString("ESIM_ACCESS_CODE").pipe(Config.map(Redacted.make))
      const secretKey = yield* Config.option(Config.Redacted("ESIM_ACCESS_SECRET_KEY"))
      // an empty variable (`ESIM_ACCESS_BASE_URL=` in a .env file) means unset, as for the secret key
      const configured = yield* Config.String("ESIM_ACCESS_BASE_URL").pipe(Config.withDefault(""))
      const baseUrl = configured.trim() === "" ? defaultBaseUrl : configured.trim()
      return make({
        ...options,
        accessCode,
        secretKey: secretKey._tag === "Some" ? secretKey.value : undefined,
        baseUrl
      })
    })
  )
