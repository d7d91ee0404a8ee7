/**
 * The pure state machine on its own: no Effect runtime, no clock; time is an argument.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Result } from "effect"
import type { WebhookEvent } from "effect-esim-access"
import * as Catalogue from "../src/internal/simulator/catalogue.ts"
import * as State from "../src/internal/simulator/state.ts"

const config: State.Config = {
  seed: 3,
  allocationDelay: 5_000,
  duplicateTransactionId: "replay",
  catalogue: Catalogue.make({ seed: 3, generate: false, packages: [] })
}
const day = 86_400_000

const at = (e: WebhookEvent.WebhookEvent) =>
  "eventGenerateTime" in e && e.eventGenerateTime !== undefined
    ? DateTime.toEpochMillis(e.eventGenerateTime)
    : undefined

const placed = (state: State.State, now: number, transactionId: string, count = 1) =>
  State.order(config, state, now, { transactionId, packageInfoList: [{ packageCode: "CKH491", count }] })

describe("Simulator state machine", () => {
  it("a failed operation leaves the state untouched and emits nothing", () => {
    const state = State.initial({ balance: 10_000, webhook: undefined })
    const outcome = placed(state, 0, "t")
    assert.strictEqual(outcome.state, state)
    assert.deepStrictEqual(outcome.events, [])
    assert.isTrue(Result.isFailure(outcome.result))
  })

  it("advance applies due rules in time order, each at its own time", () => {
    let state = State.initial({ balance: 1_000_000, webhook: undefined })
    state = placed(state, 0, "a").state
    state = placed(state, 2_000, "b").state
    assert.strictEqual(State.nextDue(state), 5_000)
    const allocated = State.advance(config, state, 10 * day)
    const times = allocated.events.map(at)
    assert.deepStrictEqual(allocated.events.map((e) => e.notifyType), ["ORDER_STATUS", "ORDER_STATUS"])
    assert.deepStrictEqual(times, [5_000, 7_000])
    // install one; jumping past its 7 days gives the warning at day 6 and the expiry at day 7
    const [first] = allocated.state.profiles.values()
    const installed = State.install(config, allocated.state, day, { esimTranNo: first!.esimTranNo }, undefined)
    assert.isTrue(Result.isSuccess(installed.result))
    const later = State.advance(config, installed.state, 30 * day)
    assert.deepStrictEqual(
      later.events.map((e) => [e.notifyType, at(e)]),
      [["VALIDITY_USAGE", 7 * day], ["ESIM_STATUS", 8 * day]]
    )
    assert.strictEqual(later.state.profiles.get(first!.esimTranNo)?.esimStatus, "USED_EXPIRED")
  })

  it("ids and activation codes are deterministic from the seed; another seed gives others", () => {
    const run = (seed: number) => {
      const seeded: State.Config = {
        ...config,
        seed,
        catalogue: Catalogue.make({ seed, generate: false, packages: [] })
      }
      const ordered = State.order(seeded, State.initial({ balance: 1_000_000, webhook: undefined }), 0, {
        transactionId: "a",
        packageInfoList: [{ packageCode: "CKH491", count: 3 }]
      })
      const allocated = State.advance(seeded, ordered.state, 5_000)
      return {
        acs: [...allocated.state.profiles.values()].map((p) => State.toWire(p).ac),
        notifyIds: allocated.events.map((e) => ("notifyId" in e ? e.notifyId : undefined))
      }
    }
    assert.deepStrictEqual(run(3), run(3))
    assert.strictEqual(new Set(run(3).acs).size, 3)
    // another seed: none of the activation codes or notifyIds repeats
    const other = run(4)
    assert.strictEqual(other.acs.length, 3)
    for (const ac of other.acs) assert.notInclude(run(3).acs, ac)
    assert.notDeepEqual(other.notifyIds, run(3).notifyIds)
  })

  it("the generated catalogue is deterministic from the seed; another seed prices and codes it differently", () => {
    const codesAndPrices = (seed: number) =>
      Catalogue.make({ seed, generate: true, packages: [] }).base.map((p) => `${p.packageCode}:${p.slug}:${p.price}`)
    const one = codesAndPrices(5)
    assert.deepStrictEqual(codesAndPrices(5), one)
    const other = codesAndPrices(6)
    // the fixture packages are the same in every catalogue; the generated ones differ
    assert.deepStrictEqual(other.slice(0, 3), one.slice(0, 3))
    const shared = new Set(one)
    assert.isBelow(other.filter((p) => shared.has(p)).length, 10, "almost every generated package differs")
  })
})
