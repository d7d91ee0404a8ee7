/**
 * An opt-in cache for the catalogue calls (`package/list`, `location/list`): the full catalogue is about 3 MB and
 * changes rarely. Provide the layer and those calls are answered from memory until their time-to-live passes. The
 * key is the endpoint, the base URL and the exact request body, so every filter makes its own entry; a hit makes
 * no HTTP call; concurrent misses for one key make one call and share its answer; failures are not cached.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Context, Deferred, Duration, Effect, Exit, Layer } from "effect"

/**
 * Options of {@link make} and {@link layer}: how long each endpoint's answers are kept, and how many entries.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * time-to-live per endpoint path; default `package/list` 1 hour, `location/list` 24 hours (a path not given here
   * keeps its default)
   */
  readonly ttl?: Readonly<Record<string, Duration.Input>> | undefined
  /** most entries kept; the oldest is dropped first; default 500 */
  readonly capacity?: number | undefined
}

interface Entry {
  readonly expires: number
  readonly result: Deferred.Deferred<unknown, unknown>
}

/**
 * The cache service. The request pipeline consults it, when present, for the endpoints it has a time-to-live for.
 *
 * @since 0.1.0
 * @category services
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { CatalogueCache, EsimAccessConfig, Packages, Simulator } from "effect-esim-access"
 *
 * // download the catalogue again after a price change
 * const refresh = Effect.gen(function*() {
 *   const cache = yield* CatalogueCache.CatalogueCache
 *   yield* cache.invalidate
 *   return yield* Packages.list({ locationCode: "JP" })
 * }).pipe(
 *   Effect.provide(Layer.mergeAll(
 *     CatalogueCache.layer(),
 *     EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
 *     Simulator.layer()
 *   ))
 * )
 * ```
 */
export class CatalogueCache extends Context.Service<CatalogueCache, {
  /** the time-to-live for an endpoint path, `undefined` when it is not cached */
  readonly ttl: (path: string) => Duration.Duration | undefined
  /** answers from the entry for `key`, or runs `fetch` once and stores its success */
  readonly get: <A, E, R>(key: string, ttl: Duration.Duration, fetch: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** drops every entry */
  readonly invalidate: Effect.Effect<void>
}>()("effect-esim-access/CatalogueCache") {}

const defaultTtl: Readonly<Record<string, Duration.Input>> = {
  "package/list": "1 hour",
  "location/list": "24 hours"
}

/**
 * Builds a cache; {@link layer} wraps it. Use it directly to share one cache between layers you build yourself.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { CatalogueCache } from "effect-esim-access"
 *
 * const cache = CatalogueCache.make({ capacity: 100 })
 * const Cache = Layer.succeed(CatalogueCache.CatalogueCache, cache)
 * ```
 */
export const make = (options: Options = {}): CatalogueCache["Service"] => {
  const ttls = new Map(
    Object.entries({ ...defaultTtl, ...options.ttl }).map(([path, ttl]) =>
      [path, Duration.fromInputUnsafe(ttl)] as const
    )
  )
  const capacity = Math.max(1, options.capacity ?? 500)
  // insertion-ordered: the first key is the oldest entry
  const entries = new Map<string, Entry>()

  const get = <A, E, R>(key: string, ttl: Duration.Duration, fetch: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const hit = entries.get(key)
        if (hit !== undefined && hit.expires > now) {
          const exit = yield* Effect.exit(restore(Deferred.await(hit.result as Deferred.Deferred<A, E>)))
          // the caller that was fetching it got interrupted: that is no answer, so look again (and fetch anew)
          if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) return yield* restore(get(key, ttl, fetch))
          return yield* exit
        }
        const result = Deferred.makeUnsafe<A, E>()
        entries.delete(key)
        entries.set(key, {
          expires: now + Duration.toMillis(ttl),
          result: result as Deferred.Deferred<unknown, unknown>
        })
        while (entries.size > capacity) entries.delete(entries.keys().next().value!)
        const exit = yield* Effect.exit(restore(fetch))
        // a failure (or an interruption) is not kept: the next caller fetches again
        if (Exit.isFailure(exit) && entries.get(key)?.result === result) entries.delete(key)
        yield* Deferred.done(result, exit)
        return yield* exit
      })
    )

  return {
    ttl: (path) => ttls.get(path),
    get,
    invalidate: Effect.sync(() => entries.clear())
  }
}

/**
 * The cache as a layer. Provide it next to `EsimAccessConfig`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { CatalogueCache, EsimAccessConfig, Packages } from "effect-esim-access"
 *
 * const japan = Packages.list({ locationCode: "JP" }).pipe(
 *   Effect.provide(Layer.mergeAll(
 *     EsimAccessConfig.layerConfig(),
 *     CatalogueCache.layer({ ttl: { "package/list": "15 minutes" } }),
 *     FetchHttpClient.layer
 *   ))
 * )
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<CatalogueCache> =>
  Layer.sync(CatalogueCache, () => make(options))
