/**
 * The receiver as a web-standard `(Request) => Promise<Response>` function, for hosts that do not run Effect:
 * Bun, Deno, Cloudflare Workers, Next.js route handlers… Here it is served by Node's own HTTP server through a
 * tiny adapter so the example runs anywhere:
 *
 *   ESIM_ACCESS_CODE=… npm run example -- examples/webhook-web-handler.ts
 */
import { Effect, Layer } from "effect"
import { EsimAccessConfig, Profiles, WebhookReceiver } from "effect-esim-access"
import { FetchHttpClient } from "effect/http"
import { createServer } from "node:http"
import { Readable } from "node:stream"

// A handler without requirements: toWebHandler.
export const simple = WebhookReceiver.toWebHandler(
  WebhookReceiver.match({
    DataUsage: (event) =>
      event.content.remainThreshold <= 0.1 ? Effect.logWarning("low data", event.content.iccid) : Effect.void,
    ValidityUsage: (event) =>
      event.content.remain <= 1 ? Effect.logWarning("expires within a day", event.content.iccid) : Effect.void
  })
)

// A handler with requirements: toWebHandlerLayer builds the layer once; call dispose on shutdown.
export const { dispose, handler } = WebhookReceiver.toWebHandlerLayer(
  WebhookReceiver.match({
    OrderStatus: (event) =>
      event.content.orderStatus === "GOT_RESOURCE" ?
        Effect.flatMap(
          Profiles.query({ orderNo: event.content.orderNo }),
          ({ profiles }) => Effect.logInfo("profiles ready", profiles.map((p) => p.iccid))
        ) :
        Effect.void
  }),
  Layer.mergeAll(EsimAccessConfig.layerConfig(), FetchHttpClient.layer),
  { dedupe: true, verifyIp: process.env["VERIFY_IP"] === "1" }
)

// Bun:      Bun.serve({ fetch: (req, server) => handler(req, { remoteAddress: server.requestIP(req)?.address }) })
// Deno:     Deno.serve((req, info) => handler(req, { remoteAddress: info.remoteAddr.hostname }))
// Next.js:  export const POST = (req: Request) => handler(req)
// Workers:  export default { fetch: (req: Request) => handler(req, { remoteAddress: req.headers.get("cf-connecting-ip") ?? undefined }) }

// Node, through a minimal adapter from node:http to web Request/Response. The body is streamed, not buffered, so
// the receiver's size limit applies while reading.
const server = createServer(async (req, res) => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value)
  }
  const request = new Request(`http://localhost${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
    ...(req.method === "POST" ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {})
  } as RequestInit)
  const response = await handler(request, { remoteAddress: req.socket.remoteAddress })
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(await response.text())
})

server.listen(Number(process.env["PORT"] ?? 3000), process.env["HOST"] ?? "127.0.0.1", () => {
  const address = server.address()
  if (address !== null && typeof address === "object") {
    console.log(`Listening on http://${address.address}:${address.port}/esim-access/webhook`)
  }
})
process.on("SIGINT", () => {
  server.close()
  void dispose()
})
