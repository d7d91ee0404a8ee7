/**
 * The webhook sender: POSTs each event, encoded with the `WebhookEvent` schema in the current envelope (notifyType,
 * notifyId, eventGenerateTime, content; reference §4.1), to the account's webhook URL through an `HttpClient`.
 * Events go out one at a time in the order they happened. A delivery counts when the URL answers HTTP 200; any
 * other answer or a connection failure is retried with exponential backoff, on Effect's `Clock` (the live retry
 * policy is undocumented, §4.1 [?]). Every attempt is written to the delivery log.
 *
 * @internal
 */
import { Clock, DateTime, Duration, Effect, Latch, Queue, type Scope } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type { Delivery } from "../../Simulator.ts"
import type * as WebhookEvent from "../../WebhookEvent.ts"
import { encode } from "../../WebhookEvent.ts"
import * as Prng from "./prng.ts"

export interface Redelivery {
  /** retries after the first attempt */
  readonly times: number
  /** the first delay, doubled for each further retry */
  readonly base: Duration.Duration
  /** how long one attempt may take */
  readonly timeout: Duration.Duration
}

export interface Sender {
  /** Queues events for `url` (nothing when there is no URL). */
  readonly send: (url: string | undefined, events: ReadonlyArray<WebhookEvent.WebhookEvent>) => Effect.Effect<void>
  /** One CHECK_HEALTH POST (no retry): true when the URL answered 200 (reference §2.10). */
  readonly checkHealth: (url: string) => Effect.Effect<boolean>
  readonly deliveries: Effect.Effect<ReadonlyArray<Delivery>>
  /** Waits until every queued event had its first attempt. */
  readonly flush: Effect.Effect<void>
}

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ?
    error.message :
    String(error)

export const make = (options: {
  readonly client: HttpClient.HttpClient
  readonly redelivery: Redelivery
  readonly seed: number
}): Effect.Effect<Sender, never, Scope.Scope> =>
  Effect.gen(function*() {
    const log: Array<Delivery> = []
    const queue = yield* Queue.unbounded<{ readonly url: string; readonly event: WebhookEvent.WebhookEvent }>()
    const idle = yield* Latch.make(true)
    let pending = 0
    let healthChecks = 0

    const attempt = (url: string, event: WebhookEvent.WebhookEvent, body: string, n: number) =>
      Effect.gen(function*() {
        const time = yield* Clock.currentTimeMillis
        const base = {
          notifyId: event.notifyId ?? "",
          notifyType: event.notifyType,
          url,
          attempt: n,
          time,
          body
        }
        const request = HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText(body, "application/json"))
        const delivery = yield* options.client.execute(request).pipe(
          Effect.flatMap((response) =>
            response.text.pipe(
              Effect.ignore,
              Effect.as<Delivery>({ ...base, status: response.status, delivered: response.status === 200 })
            )
          ),
          Effect.timeoutOrElse({
            duration: options.redelivery.timeout,
            orElse: () => Effect.succeed<Delivery>({ ...base, error: "timed out", delivered: false })
          }),
          Effect.catch((error) => Effect.succeed<Delivery>({ ...base, error: describe(error), delivered: false }))
        )
        log.push(delivery)
        return delivery.delivered
      })

    const encodeEvent = (event: WebhookEvent.WebhookEvent) =>
      encode(event).pipe(Effect.map((json) => JSON.stringify(json)), Effect.option)

    // retries after the first attempt run on their own fibers, so a dead URL does not hold up later events
    const redeliver = (url: string, event: WebhookEvent.WebhookEvent, body: string) =>
      Effect.gen(function*() {
        let delay = options.redelivery.base
        for (let n = 2; n <= options.redelivery.times + 1; n++) {
          yield* Effect.sleep(delay)
          if (yield* attempt(url, event, body, n)) return
          delay = Duration.times(delay, 2)
        }
      })

    const worker = Effect.gen(function*() {
      for (;;) {
        const { event, url } = yield* Queue.take(queue)
        const body = yield* encodeEvent(event)
        if (body._tag === "Some" && !(yield* attempt(url, event, body.value, 1)) && options.redelivery.times > 0) {
          yield* Effect.forkChild(redeliver(url, event, body.value))
        }
        pending--
        if (pending === 0) yield* idle.open
      }
    })
    yield* Effect.forkScoped(worker)

    const send = (url: string | undefined, events: ReadonlyArray<WebhookEvent.WebhookEvent>) =>
      url === undefined || events.length === 0 ? Effect.void : Effect.gen(function*() {
        pending += events.length
        yield* idle.close
        for (const event of events) yield* Queue.offer(queue, { url, event })
      })

    const checkHealth = (url: string) =>
      Effect.gen(function*() {
        healthChecks++
        const event: WebhookEvent.CheckHealth = {
          _tag: "CheckHealth",
          notifyType: "CHECK_HEALTH",
          notifyId: Prng.hex(options.seed, `health:${healthChecks}`, 32),
          eventGenerateTime: DateTime.makeUnsafe(yield* Clock.currentTimeMillis),
          // always "1234567890" / "Test" (§4.2)
          content: { orderNo: "1234567890", orderStatus: "Test" }
        }
        const body = yield* encodeEvent(event)
        return body._tag === "Some" ? yield* attempt(url, event, body.value, 1) : false
      })

    return {
      send,
      checkHealth,
      deliveries: Effect.sync(() => [...log]),
      flush: idle.await
    } satisfies Sender
  })

/** The default client: the global `fetch`. */
export const defaultClient: Effect.Effect<HttpClient.HttpClient> = Effect.gen(function*() {
  return yield* HttpClient.HttpClient
}).pipe(Effect.provide(FetchHttpClient.layer))
