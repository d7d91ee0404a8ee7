/**
 * Helpers for the simulator tests: layers that wire our client to the in-process simulator, a recording webhook
 * receiver, running a workload under the TestClock, and fixtures.
 */
import { Effect, Fiber, Layer } from "effect"
import type { Duration } from "effect"
import { EsimAccessConfig, Simulator, WebhookEvent } from "effect-esim-access"
import { HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"

const fixtureDir = new URL("./fixtures/", import.meta.url)

/** A fixture from `test/fixtures`, parsed. */
export const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixtureDir), "utf8"))

/** The client configuration for the in-process simulator: no client-side limiter or retries unless asked. */
export const clientLayer = (options: Partial<EsimAccessConfig.Options> = {}) =>
  EsimAccessConfig.layer({
    accessCode: Simulator.defaultAccessCode,
    baseUrl: Simulator.baseUrl,
    retry: false,
    rateLimit: false,
    ...options
  })

/** Our client against an in-process simulator. Defaults: fixture catalogue, no rate limit. */
export const simulated = (
  options: Simulator.Options = {},
  client: Partial<EsimAccessConfig.Options> = {}
) =>
  Layer.merge(
    clientLayer(client),
    Simulator.layer({ catalogue: "fixtures", rateLimit: false, ...options })
  )

/** A webhook receiver that answers in process: records every body and answers `status(n)` to the n-th POST. */
export const receiver = (status: (n: number) => number = () => 200) => {
  const received: Array<{ readonly body: unknown; readonly url: string }> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const text = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      received.push({ body: JSON.parse(text), url: url.toString() })
      return HttpClientResponse.fromWeb(request, new Response("ok", { status: status(received.length) }))
    })
  )
  return {
    client,
    received,
    /** the received bodies decoded as events */
    events: () => Effect.forEach(received, (r) => WebhookEvent.decode(r.body))
  }
}

/** Runs `effect` on its own fiber while moving the TestClock forward `step` at a time until it is done. */
export const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>, step: Duration.Input = "100 millis") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; fiber.pollUnsafe() === undefined; i++) {
      if (i > 100_000) return yield* Effect.die(new Error("the effect did not finish"))
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.join(fiber)
  })

/** The simulator's events of one type. */
export const eventsOf = <T extends WebhookEvent.WebhookEvent["notifyType"]>(
  events: ReadonlyArray<WebhookEvent.WebhookEvent>,
  notifyType: T
) =>
  events.filter((e): e is Extract<WebhookEvent.WebhookEvent, { readonly notifyType: T }> => e.notifyType === notifyType)
