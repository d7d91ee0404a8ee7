/**
 * The quick start that `npm start` runs.
 *
 * Without ESIM_ACCESS_CODE it starts the eSIM Access simulator on 127.0.0.1 and a webhook receiver beside it, then
 * runs a reseller's whole flow through the real HTTP stack: balance, the Japan catalogue, an order (waiting out
 * ProfileNotReady, woken early by the ORDER_STATUS webhook), the activation code and QR code, an install on a
 * device, usage alerts, a top-up, usage, suspend and unsuspend, and a cancel with refund.
 *
 * With ESIM_ACCESS_CODE set it makes only read-only calls (balance, packages, locations) against the real API.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Deferred, Effect, Layer } from "effect"
import {
  Balance,
  DataVolume,
  EsimAccessConfig,
  Locations,
  Money,
  Orders,
  Packages,
  Profiles,
  Simulator,
  TopUp,
  TransactionId,
  Usage,
  Webhook,
  WebhookReceiver
} from "effect-esim-access"
import type { WebhookEvent } from "effect-esim-access"
import { layer as simulatorServer, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"

const line = (text: string) => Console.log(text)
const step = (text: string) => Console.log(`\n▸ ${text}`)

/** One line per webhook event, as it arrives. */
const describeEvent = (event: WebhookEvent.WebhookEvent): string => {
  switch (event._tag) {
    case "OrderStatus":
      return `ORDER_STATUS ${event.content.orderStatus} for ${event.content.orderNo}`
    case "EsimStatus":
      return `ESIM_STATUS ${event.content.esimStatus}/${event.content.smdpStatus} for ${event.content.iccid}`
    case "SmdpEvent":
      return `SMDP_EVENT ${event.content.smdpStatus} for ${event.content.iccid}`
    case "DataUsage":
      // remainThreshold is the alert's threshold (0.5, 0.2, 0.1), not the exact share left
      return `DATA_USAGE under ${Math.round(event.content.remainThreshold * 100)}% left: ${
        DataVolume.format(event.content.remain)
      } of ${DataVolume.format(event.content.totalVolume)} on ${event.content.iccid}`
    case "ValidityUsage":
      return `VALIDITY_USAGE ${event.content.remain} day left on ${event.content.iccid}`
    case "CheckHealth":
      return "CHECK_HEALTH (webhook URL verified)"
    case "Unknown":
      return `${event.notifyType} (unknown type)`
  }
}

/** Read-only calls against the real API. */
const live = Effect.gen(function*() {
  const baseUrl = process.env["ESIM_ACCESS_BASE_URL"] || "https://api.esimaccess.com"
  yield* line(`ESIM_ACCESS_CODE is set: read-only calls (balance, packages, locations) against ${baseUrl}`)
  const { balance } = yield* Balance.query()
  yield* line(`Balance: ${Money.format(balance)}`)
  const japan = yield* Packages.list({ locationCode: "JP" })
  yield* line(`Japan: ${japan.length} packages`)
  for (const p of japan.slice(0, 5)) {
    yield* line(`  ${p.packageCode.padEnd(12)} ${p.name.padEnd(28)} ${Money.format(p.price)}`)
  }
  const locations = yield* Locations.list()
  yield* line(`Locations: ${locations.length} (${locations.filter((l) => l.type === 2).length} regions)`)
}).pipe(Effect.provide(Layer.mergeAll(EsimAccessConfig.layerConfig(), FetchHttpClient.layer)))

/** The whole flow on the simulator; `allocated` completes when the ORDER_STATUS webhook arrives. */
const simulated = (allocated: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const simulator = yield* Simulator.Simulator
    const { accessCode, url } = yield* SimulatorServer
    const receiverUrl = `${HttpServer.formatAddress((yield* HttpServer.HttpServer).address)}/esim-access/webhook`
    yield* line(`eSIM Access simulator on ${url} (access code ${accessCode}); webhooks to ${receiverUrl}`)

    const client = Layer.mergeAll(EsimAccessConfig.layer({ accessCode, baseUrl: url }), FetchHttpClient.layer)
    yield* Effect.gen(function*() {
      yield* step("Webhook")
      yield* Webhook.save(receiverUrl)
      yield* simulator.flush

      yield* step("Balance")
      const before = (yield* Balance.query()).balance
      yield* line(`Balance: ${Money.format(before)}`)

      yield* step("Packages for Japan")
      const japan = yield* Packages.list({ locationCode: "JP" })
      const plan = japan.find((p) => p.supportTopUpType === 2) ?? japan[0]
      if (plan === undefined) return yield* line("no package for JP")
      yield* line(
        `${japan.length} packages; choosing ${plan.name} (${plan.packageCode}) for ${Money.format(plan.price)}`
      )

      yield* step("Order, waiting for allocation")
      // derived from a business key, so a re-run of this step could never buy twice
      const transactionId = yield* TransactionId.fromKey("traveller-42", { prefix: "quickstart" })
      const { order, profiles } = yield* Orders.createAndAwaitProfiles({
        transactionId,
        amount: plan.price,
        packageInfoList: [{ packageCode: plan.packageCode, count: 1, price: plan.price }]
      }, {
        interval: "3 seconds",
        orderStatus: () => Deferred.await(allocated),
        onPoll: (n) => line(`  checking for profiles (${n})`)
      })
      const profile = profiles[0]!
      yield* line(`Order ${order.orderNo} (transactionId ${order.transactionId})`)
      yield* line(`ICCID:           ${profile.iccid}`)
      yield* line(`Activation code: ${profile.ac}`)
      yield* line(`QR code:         ${profile.qrCodeUrl}`)

      yield* step("The traveller installs the eSIM and uses data")
      const ref = { esimTranNo: profile.esimTranNo }
      yield* simulator.install(ref)
      // in two sittings: 55 % of the plan (the 50 % alert), then 30 % more (the 80 % alert)
      yield* simulator.consume(ref, Math.round(profile.totalVolume * 0.55))
      yield* simulator.flush
      yield* simulator.consume(ref, Math.round(profile.totalVolume * 0.3))
      yield* simulator.flush

      yield* step("Top-up")
      const topUps = yield* Packages.list({ type: "TOPUP", iccid: profile.iccid })
      const topUp = topUps[0]
      if (topUp !== undefined) {
        const result = yield* TopUp.create({
          esimTranNo: profile.esimTranNo,
          packageCode: topUp.packageCode,
          transactionId: yield* TransactionId.fromKey("traveller-42", { prefix: "quickstart", purpose: "topup-1" })
        })
        yield* line(
          `${topUp.name} for ${Money.format(topUp.price)}: now ${
            DataVolume.format(result.totalVolume)
          }, ${result.totalDuration} days`
        )
      }

      yield* step("Usage")
      const [usage] = yield* Usage.check([profile.esimTranNo])
      if (usage !== undefined) {
        yield* line(
          `${DataVolume.toMegabytes(usage.dataUsage)} MB used of ${DataVolume.toMegabytes(usage.totalData)} MB`
        )
      }

      yield* step("Suspend and unsuspend")
      yield* Profiles.suspend(ref)
      yield* line(`suspended: ${(yield* Profiles.query(ref)).profiles[0]?.esimStatus}`)
      yield* Profiles.unsuspend(ref)
      yield* line(`unsuspended: ${(yield* Profiles.query(ref)).profiles[0]?.esimStatus}`)
      yield* simulator.flush

      yield* step("A second eSIM, cancelled before install (refunded)")
      const spare = yield* Orders.createAndAwaitProfiles({
        transactionId: yield* TransactionId.fromKey("traveller-43", { prefix: "quickstart" }),
        packageInfoList: [{ packageCode: plan.packageCode, count: 1 }]
      }, { interval: "1 second" })
      const beforeCancel = (yield* Balance.query()).balance
      yield* Profiles.cancel({ esimTranNo: spare.profiles[0]!.esimTranNo })
      const after = (yield* Balance.query()).balance
      yield* line(`cancelled ${spare.profiles[0]!.iccid}: refund ${Money.format(after - beforeCancel)}`)
      yield* simulator.flush

      yield* step("Balance")
      yield* line(`Balance: ${Money.format(after)} (spent ${Money.format(before - after)})`)
    }).pipe(Effect.provide(client))
  })

/** A webhook receiver on loopback that prints each event and wakes the order wait on ORDER_STATUS. */
const receiver = (allocatedSignal: Deferred.Deferred<void>) =>
  HttpRouter.serve(
    WebhookReceiver.layer((event) =>
      Effect.gen(function*() {
        yield* Console.log(`  ⚡ webhook: ${describeEvent(event)}`)
        if (event._tag === "OrderStatus") yield* Deferred.succeed(allocatedSignal, undefined)
      }), { handleCheckHealth: true }),
    { disableLogger: true, disableListenLog: true }
  ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))

const main: Effect.Effect<void, { readonly _tag: string; readonly message: string }> = process.env["ESIM_ACCESS_CODE"] ?
  live :
  Effect.gen(function*() {
    const allocated = yield* Deferred.make<void>()
    yield* simulated(allocated).pipe(
      Effect.provide(Layer.mergeAll(
        receiver(allocated),
        simulatorServer({ allocationDelay: "4 seconds", webhook: { redelivery: { times: 0 } } })
      ))
    )
  })

main.pipe(
  // one line for a typed failure, and a non-zero exit status
  Effect.catch((error) =>
    Console.error(`failed: ${error._tag}: ${error.message}`).pipe(
      Effect.andThen(Effect.sync(() => {
        process.exitCode = 1
      }))
    )
  ),
  NodeRuntime.runMain
)
