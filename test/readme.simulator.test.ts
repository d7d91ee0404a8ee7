// The README's in-process simulator example, verbatim: it must compile and pass.
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Balance, EsimAccessConfig, Orders, Simulator } from "effect-esim-access"

const TestLive = Layer.merge(
  EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
  Simulator.layer({ balance: 1_000_000, allocationDelay: "0 millis" })
)

it.live("an order debits the balance", () =>
  Effect.gen(function*() {
    yield* Orders.create({ transactionId: "t-1", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
    assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 18_000)
    const simulator = yield* Simulator.Simulator
    assert.strictEqual((yield* simulator.state).orders.length, 1)
  }).pipe(Effect.provide(TestLive)))
