/**
 * An eSIM Access webhook receiver on a Node HTTP server.
 *
 *   ESIM_ACCESS_CODE=… npm run example -- examples/webhook-server.ts
 *   curl -X POST localhost:3000/esim-access/webhook -H 'content-type: application/json' \
 *     -d @test/fixtures/webhook.DATA_USAGE.json
 *
 * Then save the public URL with `Webhook.save(url)`: eSIM Access sends CHECK_HEALTH first and keeps the URL only if
 * it gets 200, which the receiver answers by itself.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { EsimAccessConfig, Profiles, WebhookReceiver } from "effect-esim-access"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { createServer } from "node:http"

// One case per event type you care about; the others are acknowledged and ignored.
const onEvent = WebhookReceiver.match({
  // the order's profiles are ready: fetch them (a failure answers 500, so eSIM Access redelivers)
  OrderStatus: (event) =>
    Effect.gen(function*() {
      if (event.content.orderStatus !== "GOT_RESOURCE") return
      const { profiles } = yield* Profiles.query({ orderNo: event.content.orderNo })
      for (const profile of profiles) {
        yield* Effect.logInfo("profile ready", profile.iccid, profile.qrCodeUrl)
      }
    }),
  // remainThreshold is the fraction of data left: 0.5, 0.2, 0.1
  DataUsage: (event) =>
    event.content.remainThreshold <= 0.1 ?
      Effect.logWarning("low data", event.content.iccid, `${event.content.remain} bytes left`) :
      Effect.void,
  // sent with one day of validity left
  ValidityUsage: (event) =>
    event.content.remain <= 1 ?
      Effect.logWarning("expires within a day", event.content.iccid, event.content.expiredTime) :
      Effect.void,
  EsimStatus: (event) => Effect.logInfo("eSIM status", event.content.iccid, event.content.esimStatus),
  Unknown: (event) => Effect.logInfo("unhandled event type", event.notifyType)
})

const Webhooks = WebhookReceiver.layer(onEvent, {
  path: "/esim-access/webhook",
  dedupe: true,
  // behind one reverse proxy (nginx, a load balancer): check the address it saw. The proxy must be the peer that
  // connects (by default loopback and the private ranges, `WebhookReceiver.defaultProxies`; set `proxies` to yours),
  // so a client that reaches this server directly cannot pass with a forged X-Forwarded-For
  verifyIp: process.env["VERIFY_IP"] === "1" ? { trustedProxies: 1 } : false
})

const Main = HttpRouter.serve(Webhooks).pipe(
  // what the handler needs: Profiles.query reads the config and an HttpClient
  Layer.provide(EsimAccessConfig.layerConfig()),
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(NodeHttpServer.layer(createServer, {
    port: Number(process.env["PORT"] ?? 3000),
    // loopback by default (behind a reverse proxy); HOST=0.0.0.0 to listen on every interface
    host: process.env["HOST"] ?? "127.0.0.1"
  }))
)

Layer.launch(Main).pipe(NodeRuntime.runMain)
