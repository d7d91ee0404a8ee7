/**
 * Order an eSIM and wait for it: the flow behind a shop's "buy" button.
 *
 * - the transactionId is derived from the shop's own order id, so running this again (a retry, a restarted
 *   process) returns the same order and never buys twice;
 * - the price is read from the catalogue and sent, so a price change fails the order (PriceMismatch) instead of
 *   charging a different amount;
 * - `Orders.createAndAwaitProfiles` polls every 3 seconds through `ProfileNotReady` (200010: still allocating);
 * - past the deadline it fails with `AllocationTimeout`: the order exists and is paid for, so the example keeps the
 *   orderNo and picks the profiles up later instead of ordering again.
 *
 *   npm run example -- examples/order-and-wait.ts              # on the in-process simulator
 *   ESIM_ACCESS_CODE=… npm run example -- examples/order-and-wait.ts --live <packageCode> <shopOrderId>  # real money
 *
 * (`npm run example` is `node --conditions=@effect-esim-access/source`: in this repository the package name
 * resolves to the TypeScript sources; where the package is installed, run it with plain `node`.)
 */
import { Console, Effect, Layer, Schedule } from "effect"
import {
  Balance,
  EsimAccessConfig,
  EsimAccessError,
  Money,
  Orders,
  Packages,
  Profiles,
  Simulator,
  TransactionId
} from "effect-esim-access"
import { FetchHttpClient } from "effect/http"

/** What the shop stores and emails to the traveller. */
export interface Delivery {
  readonly orderNo: string
  readonly transactionId: string
  readonly profiles: ReadonlyArray<{ readonly iccid: string; readonly ac: string; readonly qrCodeUrl: string }>
}

const delivery = (orderNo: string, transactionId: string, profiles: ReadonlyArray<Profiles.Profile>): Delivery => ({
  orderNo,
  transactionId,
  profiles: profiles.map((p) => ({ iccid: p.iccid, ac: p.ac, qrCodeUrl: p.qrCodeUrl }))
})

/** The package is not in the catalogue (withdrawn, or a typo). */
export class UnknownPackage extends EsimAccessError.NotFound {}

/**
 * Orders `count` profiles of `packageCode` for the shop order `shopOrderId` and waits for them.
 */
export const orderAndWait = (shopOrderId: string, packageCode: string, count = 1) =>
  Effect.gen(function*() {
    const [plan] = yield* Packages.list({ packageCode })
    if (plan === undefined) {
      return yield* new UnknownPackage({
        code: "client",
        endpoint: "package/list",
        message: `no package ${packageCode}`
      })
    }
    // the same shop order always gives the same transactionId
    const transactionId = yield* TransactionId.fromKey(shopOrderId, { prefix: "shop" })
    yield* Console.log(`ordering ${count} × ${plan.name} for ${Money.format(plan.price * count)} (${transactionId})`)
    return yield* Orders.createAndAwaitProfiles({
      transactionId,
      amount: plan.price * count,
      packageInfoList: [{ packageCode: plan.packageCode, count, price: plan.price }]
    }, {
      interval: "3 seconds",
      deadline: "90 seconds",
      onPoll: (n) => Console.log(`  allocating… (check ${n})`)
    }).pipe(
      Effect.map(({ order, profiles }) => delivery(order.orderNo, order.transactionId, profiles)),
      // paid for but not allocated yet: never order again; fetch the profiles later by orderNo
      Effect.catchTag("AllocationTimeout", (timeout) =>
        Console.log(`order ${timeout.orderNo} still allocating; picking it up later`).pipe(
          Effect.andThen(Profiles.query({ orderNo: timeout.orderNo })),
          Effect.retry({
            while: (e) =>
              e._tag === "ProfileNotReady",
            schedule: Schedule.spaced("30 seconds"),
            times: 20
          }),
          Effect.map(({ profiles }) => delivery(timeout.orderNo, timeout.transactionId, profiles))
        ))
    )
  })

/** On the simulator: order, then "restart" and order again with the same shop order id. */
const simulated = Effect.gen(function*() {
  const before = (yield* Balance.query()).balance
  const first = yield* orderAndWait("order-1042", "CKH491")
  for (const p of first.profiles) yield* Console.log(`ICCID ${p.iccid}\n  activation code ${p.ac}\n  QR ${p.qrCodeUrl}`)

  yield* Console.log("\nthe same shop order again (a retry, a restarted process):")
  const again = yield* orderAndWait("order-1042", "CKH491")
  const spent = before - (yield* Balance.query()).balance
  yield* Console.log(
    `same order: ${again.orderNo === first.orderNo}; charged once: ${Money.format(spent)} in total`
  )
}).pipe(
  Effect.provide(Layer.merge(
    EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
    // the live API allocates in 3 to 30 seconds
    Simulator.layer({ allocationDelay: "4 seconds" })
  ))
)

const live = (packageCode: string, shopOrderId: string) =>
  orderAndWait(shopOrderId, packageCode).pipe(
    Effect.flatMap((result) => Console.log(JSON.stringify(result, null, 2))),
    Effect.provide(Layer.mergeAll(EsimAccessConfig.layerConfig(), FetchHttpClient.layer))
  )

const [flag, packageCode, shopOrderId] = process.argv.slice(2)
const main = flag === "--live" && packageCode !== undefined && shopOrderId !== undefined ?
  live(packageCode, shopOrderId) :
  simulated

main.pipe(
  Effect.catch((error) =>
    Console.error(`failed: ${error._tag}: ${error.message}`).pipe(
      Effect.andThen(Effect.sync(() => {
        process.exitCode = 1
      }))
    )
  ),
  Effect.runPromise
)
