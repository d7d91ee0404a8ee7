/**
 * A whole reseller day against the simulator, through our client with its rate limiter against the simulator's
 * (8 requests per second on both sides, no retries, so any 429 would fail the day): 50 orders across countries,
 * installs, data usage, top-ups, cancels, a revoke, a suspension and an SMS; then the balance is reconciled to the
 * cent against our own bookkeeping, the simulator's ledger and the webhooks received.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Balance, Money, Orders, Packages, Profiles, Simulator, Sms, TopUp, Usage } from "effect-esim-access"
import { receiver, simulated, withClock } from "./simulatorSupport.ts"

const start = 10_000_000 // $1,000.00

describe("Simulator scenario", () => {
  it.effect("a reseller day: 50 orders, installs, usage, top-ups, cancels, balance reconciled to the cent", () => {
    const hooks = receiver()
    return Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      let spent = 0
      let refunded = 0
      let toppedUp = 0

      // the catalogue, once (about 3 MB live); 45 countries' cheapest top-up-able plan and 5 day passes
      const catalogue = yield* Packages.list()
      const cheapest = new Map<string, Packages.Package>()
      for (const p of catalogue) {
        const country = p.locationCode ?? ""
        if (country.length !== 2 || p.dataType !== 1 || p.supportTopUpType !== 2) continue
        const best = cheapest.get(country)
        if (best === undefined || p.price < best.price) cheapest.set(country, p)
      }
      // the first 44 countries in catalogue order, and a 45th whose plan takes SMS (smsStatus 1 or 2, §2.12), so
      // the SMS step below always has a profile to send to
      const fixed = [...cheapest.values()].slice(0, 44)
      const taken = new Set(fixed.map((p) => p.locationCode))
      const smsPlan = catalogue.find((p) =>
        p.locationCode?.length === 2 && !taken.has(p.locationCode) && p.dataType === 1 && p.supportTopUpType === 2 &&
        (p.smsStatus === 1 || p.smsStatus === 2)
      )
      assert.isDefined(smsPlan, "an SMS-capable plan in the catalogue")
      const passes = catalogue.filter((p) => p.dataType === 2 && p.locationCode?.length === 2).slice(0, 5)
      const plans = [...fixed, smsPlan!, ...passes]
      assert.strictEqual(new Set(plans.map((p) => p.locationCode)).size >= 45, true)

      // 50 orders, ten at a time, each awaited until its profiles are allocated
      const orders = yield* Effect.forEach(
        plans,
        (pkg, i) => {
          const count = 1 + (i % 3)
          const periodNum = pkg.dataType === 2 ? 3 : undefined
          const unit = pkg.price * (periodNum ?? 1)
          spent += unit * count
          return Orders.createAndAwaitProfiles({
            transactionId: `shop-${String(i).padStart(3, "0")}`,
            amount: unit * count,
            packageInfoList: [{ packageCode: pkg.slug, count, price: pkg.price, periodNum }]
          }).pipe(Effect.map((result) => ({ ...result, pkg, unit })))
        },
        { concurrency: 10 }
      )
      assert.strictEqual(orders.length, 50)
      const profiles = orders.flatMap((o) => o.profiles.map((profile) => ({ profile, pkg: o.pkg, unit: o.unit })))
      assert.strictEqual(profiles.length, 17 * 1 + 17 * 2 + 16 * 3) // counts 1, 2, 3, 1, 2, 3, ...
      assert.strictEqual((yield* Balance.query()).balance, start - spent)

      // customers install four in five; the rest are cancelled and refunded
      const installed = profiles.filter((_, i) => i % 5 !== 0)
      const unused = profiles.filter((_, i) => i % 5 === 0)
      for (const { profile } of installed) yield* simulator.install({ esimTranNo: profile.esimTranNo })
      for (const { profile, unit } of unused) {
        yield* Profiles.cancel({ esimTranNo: profile.esimTranNo })
        refunded += unit
      }

      // usage: a third light (30 %), a third heavy (85 %), a third everything
      for (const [i, { profile }] of installed.entries()) {
        const share = [0.3, 0.85, 1][i % 3]!
        yield* simulator.consume({ esimTranNo: profile.esimTranNo }, Math.round(profile.totalVolume * share))
      }

      // the used-up ones are topped up with their cheapest fitting top-up
      const usedUp = installed.filter((_, i) => i % 3 === 2).slice(0, 12)
      for (const [i, { pkg, profile }] of usedUp.entries()) {
        const topUps = yield* Packages.list({ type: "TOPUP", iccid: profile.iccid })
        const topUp = topUps.reduce((best, p) => (p.price < best.price ? p : best))
        const periodNum = pkg.dataType === 2 ? 2 : undefined
        const cost = topUp.price * (periodNum ?? 1)
        const result = yield* TopUp.create({
          esimTranNo: profile.esimTranNo,
          packageCode: topUp.packageCode,
          transactionId: `topup-${i}`,
          amount: cost,
          periodNum
        })
        assert.strictEqual(result.totalVolume, profile.totalVolume + topUp.volume * (periodNum ?? 1))
        toppedUp += cost
        // a retry of the same top-up is not charged again
        yield* TopUp.create({
          esimTranNo: profile.esimTranNo,
          packageCode: topUp.packageCode,
          transactionId: `topup-${i}`
        })
      }

      // a lost phone is revoked (no refund), a suspicious one suspended and restored, an SMS sent
      yield* Profiles.revoke({ esimTranNo: installed[0]!.profile.esimTranNo })
      yield* Profiles.suspend({ esimTranNo: installed[1]!.profile.esimTranNo })
      yield* Profiles.unsuspend({ esimTranNo: installed[1]!.profile.esimTranNo })
      // not installed[0]: it was just revoked
      const smsCapable = installed.slice(1).find(({ pkg }) => pkg.smsStatus === 1 || pkg.smsStatus === 2)
      assert.isDefined(smsCapable, "an installed SMS-capable profile")
      yield* Sms.send({ esimTranNo: smsCapable!.profile.esimTranNo, message: "Welcome to your trip!" })
      assert.deepStrictEqual((yield* simulator.state).sms.map((m) => [m.esimTranNo, m.message]), [
        [smsCapable!.profile.esimTranNo, "Welcome to your trip!"]
      ])

      // usage as the API reports it, ten at a time
      const usage = yield* Effect.forEach(
        Array.from({ length: Math.ceil(installed.length / 10) }, (_, i) => installed.slice(i * 10, i * 10 + 10)),
        (batch) => Usage.check(batch.map(({ profile }) => profile.esimTranNo))
      ).pipe(Effect.map((xs) => xs.flat()))
      assert.strictEqual(usage.length, installed.length)

      // reconciliation, to the cent
      const { balance } = yield* Balance.query()
      const expected = start - spent + refunded - toppedUp
      assert.strictEqual(balance, expected)
      assert.strictEqual(Money.format(balance), Money.format(expected))
      assert.strictEqual(balance % 100, 0, "whole cents")
      const state = yield* simulator.state
      const ledger = state.ledger.reduce((sum, entry) => sum + entry.amount, 0)
      assert.strictEqual(start + ledger, balance)
      assert.strictEqual(state.ledger.filter((e) => e.kind === "order").length, 50)
      assert.strictEqual(state.ledger.filter((e) => e.kind === "refund").length, unused.length)
      assert.strictEqual(state.ledger.filter((e) => e.kind === "topUp").length, usedUp.length)
      assert.strictEqual(state.profiles.filter((p) => p.esimStatus === "CANCEL").length, unused.length)

      // every event reached the webhook, in the order it happened
      yield* simulator.flush
      const events = yield* hooks.events()
      assert.deepStrictEqual(events, yield* simulator.events)
      const count = (type: string) => events.filter((e) => e.notifyType === type).length
      assert.strictEqual(count("ORDER_STATUS"), 50)
      assert.strictEqual(count("SMDP_EVENT"), 3 * installed.length)
      assert.isTrue(count("DATA_USAGE") >= installed.length)
      assert.isTrue((yield* simulator.deliveries).every((d) => d.delivered))
      return { balance, events: events.length }
    }).pipe(
      (day) => withClock(day, "100 millis"),
      Effect.provide(simulated(
        {
          catalogue: "full",
          balance: start,
          rateLimit: { limit: 8 },
          webhook: { url: "https://hooks.example.com/esim", client: hooks.client }
        },
        { rateLimit: { limit: 8 }, retry: false }
      ))
    )
  })
})
