/**
 * Shared helpers for the webhook receiver tests: a receiver served by a real Node HTTP server on 127.0.0.1
 * (ephemeral port) with a fetch client pointed at it, and the fixtures.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Array as Arr, Effect, Layer, Order } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpRouter, HttpServer } from "effect/http"
import * as fs from "node:fs"
import { createServer } from "node:http"
import * as path from "node:path"

const fixturesDir = path.join(import.meta.dirname, "fixtures")

/** every `webhook.*.json` fixture: file name and exact text */
export const fixtures: ReadonlyArray<{ readonly name: string; readonly text: string }> = Arr.sort(
  fs.readdirSync(fixturesDir).filter((name) => name.startsWith("webhook.") && name.endsWith(".json")),
  Order.String
).map((name) => ({ name, text: fs.readFileSync(path.join(fixturesDir, name), "utf8") }))

/** the text of `webhook.<name>.json` */
export const fixture = (name: string): string => {
  const found = fixtures.find((f) => f.name === `webhook.${name}.json`)
  if (found === undefined) throw new Error(`no fixture webhook.${name}.json`)
  return found.text
}

/** the parsed `webhook.<name>.json` */
export const fixtureJson = (name: string): Record<string, unknown> => JSON.parse(fixture(name))

/** A Node HTTP server on 127.0.0.1:0 serving `routes`, plus an `HttpClient` that targets it. */
export const serve = <E, R>(routes: Layer.Layer<never, E, R>) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(
      HttpServer.layerTestClient.pipe(
        Layer.provide(Layer.fresh(FetchHttpClient.layer)),
        Layer.provide(Layer.succeed(FetchHttpClient.RequestInit)({ keepalive: false })),
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
      )
    )
  )

export interface Reply {
  readonly status: number
  readonly text: string
  readonly headers: Readonly<Record<string, string>>
}

/** Sends a request through the test client. */
export const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(request)
    return { status: response.status, text: yield* response.text, headers: response.headers } satisfies Reply
  })

/** POSTs `body` as `application/json` (or `contentType`) with extra `headers`. */
export const post = (
  url: string,
  body: string,
  options: { readonly headers?: Record<string, string>; readonly contentType?: string } = {}
) =>
  send(
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders(options.headers ?? {}),
      HttpClientRequest.bodyText(body, options.contentType ?? "application/json")
    )
  )

/** The default route path. */
export const hook = "/esim-access/webhook"
