/**
 * Helpers for the simulator tests: layers that wire our client to the in-process simulator, a recording webhook
 * receiver, running a workload under the TestClock, raw HTTP requests to the served simulator, and fixtures.
 */
import { Effect, Fiber, Layer } from "effect"
import type { Duration } from "effect"
import { EsimAccessConfig, Simulator, WebhookEvent } from "effect-esim-access"
import { SimulatorServer } from "effect-esim-access/node/SimulatorServer"
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

/** An answer of the served simulator, as `fetch` saw it. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** the parsed body; `undefined` when it is not JSON */
  readonly json: Record<string, unknown> | undefined
}

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/**
 * A raw request to the simulator served by `SimulatorServer.layer`: plain `fetch`, `POST <url>/api/v1/open/<path>`
 * with the server's `RT-AccessCode`; `body` is sent as is when a string, as JSON otherwise.
 */
export const call = (
  path: string,
  body: unknown = {},
  options: { readonly headers?: Record<string, string>; readonly method?: string } = {}
) =>
  Effect.gen(function*() {
    const { accessCode, url } = yield* SimulatorServer
    const response = yield* Effect.promise(() =>
      fetch(`${url}/api/v1/open/${path}`, {
        method: options.method ?? "POST",
        headers: { "content-type": "application/json", "RT-AccessCode": accessCode, ...options.headers },
        ...(options.method === "GET" ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
      })
    )
    const text = yield* Effect.promise(() => response.text())
    return { status: response.status, headers: response.headers, text, json: parse(text) } satisfies Answer
  })

/** The envelope's `errorCode`. */
export const errorCode = (answer: Answer) => answer.json?.["errorCode"]
