/**
 * Testing your own service with the simulator, in vitest with `@effect/vitest`.
 *
 * `Shop` below is the kind of code a reseller writes on top of this package: sell the cheapest plan of a country
 * for a shop order, and refund an unused eSIM. The tests run it against `Simulator.layer`, an in-process eSIM
 * Access (no socket, no money) that keeps an account, a catalogue, orders and profiles, and that a test can steer:
 * fund the account, inject faults, install a profile, read its whole state.
 *
 * - `it.effect` installs `TestClock`: the simulator's allocation delay waits for `TestClock.adjust`, so a test of
 *   the 200010 wait takes no real time (fork the call, move the clock, join);
 * - `it.live` runs on the real clock, for flows where no wait matters (allocation delay `0 millis`).
 *
 *   npx vitest run examples/testing-with-the-simulator.test.ts
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, type Duration, Effect, Fiber, Layer } from "effect"
import {
  Balance,
  EsimAccessConfig,
  EsimAccessError,
  Orders,
  Packages,
  Profiles,
  Simulator,
  TransactionId
} from "effect-esim-access"
import type { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"

// ---------------------------------------------------------------------------------------------------------------
// the user's code

/** A sale: what the shop emails to the traveller. */
interface Sale {
  readonly orderNo: string
  readonly esimTranNo: string
  readonly activationCode: string
  readonly price: number
}

class NoPlan extends EsimAccessError.NotFound {}

class Shop extends Context.Service<Shop, {
  readonly sell: (
    shopOrderId: string,
    country: string
  ) => Effect.Effect<Sale, EsimAccessError.EsimAccessError | EsimAccessError.AllocationTimeout>
  readonly refund: (sale: Sale) => Effect.Effect<void, EsimAccessError.EsimAccessError>
}>()("my-shop/Shop") {
  /** `pollInterval`: how often a sale checks whether its eSIM is allocated; default 3 seconds, as the vendor advises */
  static readonly layer = (
    options: { readonly pollInterval?: Duration.Input | undefined } = {}
  ): Layer.Layer<Shop, never, EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient> =>
    Layer.effect(
      Shop,
      Effect.gen(function*() {
        // the service's methods need nothing: they use the config and HttpClient of the layer's context
        const context = yield* Effect.context<EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient>()
        return {
          sell: (shopOrderId, country) =>
            Effect.gen(function*() {
              const plans = yield* Packages.list({ locationCode: country })
              const plan = [...plans].sort((a, b) => a.price - b.price)[0]
              if (plan === undefined) {
                return yield* new NoPlan({
                  code: "client",
                  endpoint: "package/list",
                  message: `no plan for ${country}`
                })
              }
              const { order, profiles } = yield* Orders.createAndAwaitProfiles({
                transactionId: yield* TransactionId.fromKey(shopOrderId, { prefix: "shop" }),
                amount: plan.price,
                packageInfoList: [{ packageCode: plan.packageCode, count: 1, price: plan.price }]
              }, { interval: options.pollInterval ?? "3 seconds", deadline: "60 seconds" })
              const profile = profiles[0]!
              return {
                orderNo: order.orderNo,
                esimTranNo: profile.esimTranNo,
                activationCode: profile.ac,
                price: plan.price
              }
            }).pipe(Effect.provide(context)),
          refund: (sale) => Profiles.cancel({ esimTranNo: sale.esimTranNo }).pipe(Effect.provide(context))
        }
      })
    )
}

// ---------------------------------------------------------------------------------------------------------------
// the tests

/**
 * The shop on a fresh simulator; `Simulator.Simulator` stays available to the test. On the real clock (`it.live`)
 * the shop polls every 50 ms; under `it.effect` at its default 3 seconds of `TestClock` time.
 */
const TestShop = (options: Simulator.Options = {}, pollInterval: Duration.Input = "50 millis") =>
  Shop.layer({ pollInterval }).pipe(
    Layer.provideMerge(Layer.merge(
      EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
      Simulator.layer({ catalogue: "fixtures", ...options })
    ))
  )

describe("Shop", () => {
  it.live("sells the cheapest plan of a country and charges exactly its price", () =>
    Effect.gen(function*() {
      const shop = yield* Shop
      const before = (yield* Balance.query()).balance
      const sale = yield* shop.sell("order-1", "ES")
      assert.match(sale.activationCode, /^LPA:1\$/)
      assert.strictEqual(before - (yield* Balance.query()).balance, sale.price)
    }).pipe(Effect.provide(TestShop({ allocationDelay: "0 millis" }))))

  it.live("a retried sale does not buy twice", () =>
    Effect.gen(function*() {
      const shop = yield* Shop
      const first = yield* shop.sell("order-2", "ES")
      const again = yield* shop.sell("order-2", "ES")
      assert.strictEqual(again.orderNo, first.orderNo)
      const { orders } = yield* (yield* Simulator.Simulator).state
      assert.strictEqual(orders.length, 1)
    }).pipe(Effect.provide(TestShop({ allocationDelay: "0 millis" }))))

  it.live("a lost answer to the order (the order went through) is recovered, and charged once", () =>
    Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      // the next esim/order is carried out and paid for, then the connection drops before the answer
      yield* simulator.injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
      const sale = yield* (yield* Shop).sell("order-3", "ES")
      const { ledger, orders } = yield* simulator.state
      assert.deepStrictEqual(orders.map((o) => o.orderNo), [sale.orderNo])
      assert.strictEqual(ledger.filter((entry) => entry.kind === "order").length, 1)
    }).pipe(Effect.provide(TestShop({ allocationDelay: "0 millis" }))))

  it.effect("waits out the allocation (200010) without real waiting: TestClock", () =>
    Effect.gen(function*() {
      const fiber = yield* (yield* Shop).sell("order-4", "ES").pipe(Effect.forkChild)
      // the simulator allocates after 10 seconds; the shop polls every 3
      yield* TestClock.adjust("12 seconds")
      const sale = yield* Fiber.join(fiber)
      assert.match(sale.activationCode, /^LPA:1\$/)
    }).pipe(Effect.provide(TestShop({ allocationDelay: "10 seconds" }, "3 seconds"))))

  it.live("an unaffordable plan fails with InsufficientBalance, and nothing is ordered", () =>
    Effect.gen(function*() {
      const error = yield* (yield* Shop).sell("order-5", "ES").pipe(Effect.flip)
      assert.strictEqual(error._tag, "InsufficientBalance")
      assert.strictEqual((yield* (yield* Simulator.Simulator).state).orders.length, 0)
    }).pipe(Effect.provide(TestShop({ balance: 100, allocationDelay: "0 millis" }))))

  it.live("a country without plans is a typed error", () =>
    Effect.gen(function*() {
      const error = yield* (yield* Shop).sell("order-6", "JP").pipe(Effect.flip)
      assert.strictEqual(error._tag, "NotFound")
    }).pipe(Effect.provide(TestShop({ allocationDelay: "0 millis" }))))

  it.live("refunds an unused eSIM, but not one the traveller installed", () =>
    Effect.gen(function*() {
      const shop = yield* Shop
      const simulator = yield* Simulator.Simulator
      const before = (yield* Balance.query()).balance
      const unused = yield* shop.refund(yield* shop.sell("order-7", "ES")).pipe(Effect.as("refunded"))
      assert.strictEqual(unused, "refunded")
      assert.strictEqual((yield* Balance.query()).balance, before)

      const installed = yield* shop.sell("order-8", "ES")
      yield* simulator.install({ esimTranNo: installed.esimTranNo })
      const error = yield* shop.refund(installed).pipe(Effect.flip)
      assert.strictEqual(error._tag, "OperationNotAllowed")
    }).pipe(Effect.provide(TestShop({ allocationDelay: "0 millis" }))))
})
