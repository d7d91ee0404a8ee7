/**
 * The shared limiter: at most `limit` request starts in any sliding window of `window` (8 per second for an
 * eSIM Access account, reference §6). A log of the last `limit` start times; a start waits until the oldest of
 * them leaves the window. Fixed windows and token buckets both allow bursts of up to 2 × limit across a window
 * edge, which the API would reject, so neither is used here.
 *
 * Starts are granted in arrival order. Interrupting a waiting fiber releases its place; a start that was granted
 * stays counted, as the API counts it.
 *
 * @internal
 */
import { Clock, Duration, Effect, Semaphore } from "effect"

export interface RateLimit {
  /** Waits for a start slot and takes it. */
  readonly take: Effect.Effect<void>
}

export const unlimited: RateLimit = { take: Effect.void }

export const slidingWindow = (options: { readonly limit: number; readonly window: Duration.Input }): RateLimit => {
  const limit = Math.max(1, Math.floor(options.limit))
  const windowMillis = Duration.toMillis(Duration.fromInputUnsafe(options.window))
  const lock = Semaphore.makeUnsafe(1)
  // ring buffer of the last `limit` start times
  const starts: Array<number> = []
  let next = 0
  const take = lock.withPermits(1)(
    Effect.gen(function*() {
      if (starts.length === limit) {
        const oldest = starts[next]!
        const wait = oldest + windowMillis - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      }
      const now = yield* Clock.currentTimeMillis
      if (starts.length < limit) starts.push(now)
      else starts[next] = now
      next = (next + 1) % limit
    })
  )
  return { take }
}
