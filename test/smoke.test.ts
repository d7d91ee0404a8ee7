import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Balance, EsimAccessTest, Orders, Packages } from "effect-esim-access"
import pkgList from "./fixtures/package_list.response.json" with { type: "json" }

describe("smoke", () => {
  it.effect("balance", () =>
    Effect.gen(function*() {
      const { balance } = yield* Balance.query()
      assert.strictEqual(balance, 940000)
      const [req] = yield* EsimAccessTest.requests
      assert.strictEqual(req?.path, "balance/query")
      assert.strictEqual(req?.headers["rt-accesscode"], "test-access-code")
      const pkgs = yield* Packages.list({ locationCode: "JP" })
      assert.strictEqual(pkgs.length, 3)
      const e = yield* Orders.create({ transactionId: "", packageInfoList: [] }).pipe(Effect.flip)
      assert.strictEqual(e._tag, "InvalidRequest")
      console.log(e.message)
      const e2 = yield* Orders.create({ transactionId: "x", packageInfoList: [{ packageCode: "A", count: 1 }] }).pipe(
        Effect.flip
      )
      console.log(e2._tag, e2.message)
    }).pipe(Effect.provide(EsimAccessTest.layer({
      "balance/query": () => EsimAccessTest.ok({ balance: 940000 }),
      "package/list": () => EsimAccessTest.envelope(pkgList),
      "esim/order": () => EsimAccessTest.apiError("200007")
    }))))
})
