/**
 * The simulator through our client: `EsimAccessConfig.layer` + `Simulator.layer` (in process, no socket), with
 * the TestClock driving allocation, expiry and webhook redelivery.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, DateTime, Effect, Schema } from "effect"
import {
  Balance,
  Locations,
  Orders,
  Packages,
  Profiles,
  Simulator,
  Sms,
  TopUp,
  Usage,
  Webhook,
  WebhookEvent
} from "effect-esim-access"
import { TestClock } from "effect/testing"
import * as PackagesWire from "../src/internal/wire/packages.ts"
import { eventsOf, fixture, receiver, simulated, withClock } from "./simulatorSupport.ts"

const GiB = 1_073_741_824
const day = 86_400_000

const sim = Simulator.Simulator

const codes = (ps: ReadonlyArray<Packages.Package>) => ps.map((p) => p.packageCode)

/** An error's API code, or its tag for errors without one. */
const code = (e: { readonly _tag: string }) => ("code" in e ? String(e.code) : e._tag)

/** Orders `count` of a package and lets the allocation delay pass. */
const orderAndAllocate = (packageCode: string, count = 1, transactionId = `tx-${packageCode}-${count}`) =>
  Effect.gen(function*() {
    const order = yield* Orders.create({ transactionId, packageInfoList: [{ packageCode, count }] })
    yield* TestClock.adjust("5 seconds")
    const { profiles } = yield* Profiles.query({ orderNo: order.orderNo })
    return { order, profiles }
  })

describe("Simulator through the client", () => {
  describe("account and catalogue", () => {
    it.effect("balance/query answers the starting balance and follows fund", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* Balance.query()).balance, 250_000)
        assert.strictEqual(yield* (yield* sim).fund(10_000), 260_000)
        assert.strictEqual((yield* Balance.query()).balance, 260_000)
        const error = yield* (yield* sim).fund(-1).pipe(Effect.flip)
        assert.strictEqual(error._tag, "SimulatorError")
      }).pipe(Effect.provide(simulated({ balance: 250_000 }))))

    it.effect("package/list answers the fixture packages exactly as the fixture encodes them", () =>
      Effect.gen(function*() {
        const packages = yield* Packages.list()
        const expected = Schema.decodeUnknownSync(PackagesWire.ListResponse)(
          (fixture("package_list.response.json") as { obj: unknown }).obj
        )
        assert.deepStrictEqual(packages, expected.packageList)
      }).pipe(Effect.provide(simulated())))

    it.effect("package/list filters: locationCode, !RG, !GL, slug, packageCode, dataType", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(codes(yield* Packages.list({ locationCode: "ES" })), ["CKH002"])
        assert.deepStrictEqual(codes(yield* Packages.list({ locationCode: "NA-3" })), ["CKH491"])
        assert.deepStrictEqual(codes(yield* Packages.list({ locationCode: "!RG" })), ["CKH491"])
        assert.deepStrictEqual(codes(yield* Packages.list({ locationCode: "!GL" })), [])
        assert.deepStrictEqual(codes(yield* Packages.list({ slug: "GE_500M_1" })), ["PJCB7UMFE"])
        assert.deepStrictEqual(codes(yield* Packages.list({ packageCode: "CKH491" })), ["CKH491"])
        assert.deepStrictEqual(codes(yield* Packages.list({ dataType: "2" })), ["PJCB7UMFE"])
        assert.deepStrictEqual(codes(yield* Packages.list({ dataType: "1" })), ["CKH002", "CKH491"])
        assert.deepStrictEqual(codes(yield* Packages.list({ locationCode: "JP" })), [])
      }).pipe(Effect.provide(simulated())))

    it.effect("package/list type TOPUP: by base packageCode, by slug, by iccid, area-matched", () =>
      Effect.gen(function*() {
        const topUps = yield* Packages.list({ type: "TOPUP", packageCode: "CKH002" })
        const expected = Schema.decodeUnknownSync(PackagesWire.ListResponse)(
          (fixture("package_list.topup.response.json") as { obj: unknown }).obj
        )
        assert.deepStrictEqual(topUps, expected.packageList)
        assert.deepStrictEqual(
          (yield* Packages.list({ type: "TOPUP", slug: "NA-3_1_7" })).map((p) => p.packageCode),
          ["TOPUP_CKH491"]
        )
        const order = yield* Orders.create({
          transactionId: "day-pass",
          packageInfoList: [{ packageCode: "PJCB7UMFE", count: 1, periodNum: 3 }]
        })
        yield* TestClock.adjust("5 seconds")
        const { profiles } = yield* Profiles.query({ orderNo: order.orderNo })
        const forProfile = yield* Packages.list({ type: "TOPUP", iccid: profiles[0]!.iccid })
        assert.deepStrictEqual(forProfile.map((p) => p.packageCode), ["TOPUP_PJCB7UMFE"])
        assert.deepStrictEqual(yield* Packages.list({ type: "TOPUP", iccid: "89000000000000009999" }), [])
      }).pipe(Effect.provide(simulated())))

    it.effect("the generated catalogue: about 3,000 packages over 150+ locations, deterministic from the seed", () =>
      Effect.gen(function*() {
        const one = yield* Simulator.make({ seed: 7 })
        const again = yield* Simulator.make({ seed: 7 })
        const other = yield* Simulator.make({ seed: 8 })
        const catalogue = one.catalogue
        assert.isTrue(catalogue.length >= 2_800 && catalogue.length <= 3_300, `${catalogue.length} packages`)
        assert.deepStrictEqual(catalogue, again.catalogue)
        assert.notDeepEqual(catalogue.map((p) => p.price), other.catalogue.map((p) => p.price))
        const locations = new Set(catalogue.map((p) => p.locationCode))
        assert.isTrue(locations.size >= 150, `${locations.size} locations`)
        assert.isTrue(catalogue.some((p) => p.locationCode?.startsWith("GL-")))
        assert.isTrue(catalogue.filter((p) => p.dataType !== 1).length > 300, "day passes")
        assert.strictEqual(new Set(catalogue.map((p) => p.packageCode)).size, catalogue.length)
        assert.strictEqual(new Set(catalogue.map((p) => p.slug)).size, catalogue.length)
        // every fixture package is in it
        for (const code of ["CKH002", "CKH491", "PJCB7UMFE"]) {
          assert.isTrue(catalogue.some((p) => p.packageCode === code))
        }
      }))

    it.effect("package/list over the full catalogue, location/list with its regions", () =>
      Effect.gen(function*() {
        const all = yield* Packages.list()
        assert.isTrue(all.length > 2_800)
        const global = yield* Packages.list({ locationCode: "!GL" })
        assert.isTrue(global.length > 0 && global.every((p) => p.locationCode?.startsWith("GL-")))
        const regional = yield* Packages.list({ locationCode: "!RG" })
        assert.isTrue(regional.length > 0 && regional.every((p) => p.location.includes(",")))
        const topUps = yield* Packages.list({ type: "TOPUP" })
        assert.isTrue(topUps.length > 1_000 && topUps.every((p) => p.packageCode.startsWith("TOPUP_")))
        const locations = yield* Locations.list()
        assert.isTrue(locations.length >= 150)
        const na = locations.find((l) => l.code === "NA-3")
        assert.strictEqual(na?.type, 2)
        assert.deepStrictEqual(na?.subLocationList.map((s) => s.code), ["US", "CA", "MX"])
        assert.deepStrictEqual(locations.find((l) => l.code === "ES"), {
          code: "ES",
          name: "Spain",
          type: 1,
          subLocationList: []
        })
      }).pipe(Effect.provide(simulated({ catalogue: "full" }))))
  })

  describe("esim/order", () => {
    it.effect("debits the balance, answers 200010 while allocating, then ORDER_STATUS and the profiles", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const order = yield* Orders.create({
          transactionId: "txn_demo_0001",
          amount: 36_000,
          packageInfoList: [{ packageCode: "CKH002", count: 2, price: 18_000 }]
        })
        assert.match(order.orderNo, /^B\d{14}$/)
        assert.strictEqual(order.transactionId, "txn_demo_0001")
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 36_000)
        const pending = yield* Profiles.query({ orderNo: order.orderNo }).pipe(Effect.flip)
        assert.strictEqual(pending._tag, "ProfileNotReady")
        // the live message, as in the fixture
        assert.strictEqual(
          "code" in pending ? pending.message : "",
          (fixture("esim_query.not_ready.error.json") as { errorMsg: string }).errorMsg
        )
        assert.deepStrictEqual(yield* simulator.events, [])
        yield* TestClock.adjust("4999 millis")
        assert.strictEqual(
          (yield* Profiles.query({ orderNo: order.orderNo }).pipe(Effect.flip))._tag,
          "ProfileNotReady"
        )
        yield* TestClock.adjust("1 millis")
        const [orderStatus, ...rest] = yield* simulator.events
        assert.strictEqual(rest.length, 0)
        assert.strictEqual(orderStatus?._tag, "OrderStatus")
        if (orderStatus?._tag === "OrderStatus") {
          assert.deepStrictEqual(orderStatus.content, {
            orderNo: order.orderNo,
            orderStatus: "GOT_RESOURCE",
            transactionId: "txn_demo_0001"
          })
          assert.match(orderStatus.notifyId ?? "", /^[0-9a-f]{32}$/)
          assert.strictEqual(DateTime.toEpochMillis(orderStatus.eventGenerateTime!), 5_000)
        }
        const { pager, profiles } = yield* Profiles.query({ orderNo: order.orderNo })
        assert.deepStrictEqual(pager, { pageNum: 1, pageSize: 50, total: 2 })
        for (const p of profiles) {
          assert.match(p.esimTranNo, /^\d{14}$/)
          assert.match(p.iccid, /^89\d{18}$/)
          assert.match(p.ac, /^LPA:1\$[^$]+\$[0-9A-F]{32}$/)
          assert.strictEqual(p.esimStatus, "GOT_RESOURCE")
          assert.strictEqual(p.smdpStatus, "RELEASED")
          assert.strictEqual(p.eid, "")
          assert.strictEqual(p.orderUsage, 0)
          assert.strictEqual(p.totalVolume, 3 * GiB)
          assert.strictEqual(p.totalDuration, 30)
          assert.strictEqual(p.activateTime, null)
          assert.strictEqual(p.transactionId, "txn_demo_0001")
          // installable for unusedValidTime (180) days
          assert.strictEqual(DateTime.toEpochMillis(p.expiredTime!), 5_000 + 180 * day)
        }
        // by esimTranNo and by iccid
        const one = profiles[1]!
        assert.deepStrictEqual((yield* Profiles.query({ esimTranNo: one.esimTranNo })).profiles, [one])
        assert.deepStrictEqual((yield* Profiles.query({ iccid: one.iccid })).profiles, [one])
        assert.deepStrictEqual((yield* Profiles.query({ esimTranNo: "99999999999999" })).profiles, [])
        const unknown = yield* Profiles.query({ orderNo: "B00000000000000" }).pipe(Effect.flip)
        assert.strictEqual(unknown._tag, "NotFound")
        assert.strictEqual("code" in unknown ? unknown.code : "", "310272")
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("the allocation delay is an option", () =>
      Effect.gen(function*() {
        const order = yield* Orders.create({
          transactionId: "t",
          packageInfoList: [{ packageCode: "CKH002", count: 1 }]
        })
        yield* TestClock.adjust("29 seconds")
        assert.strictEqual(
          (yield* Profiles.query({ orderNo: order.orderNo }).pipe(Effect.flip))._tag,
          "ProfileNotReady"
        )
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* Profiles.query({ orderNo: order.orderNo })).profiles.length, 1)
      }).pipe(Effect.provide(simulated({ allocationDelay: "30 seconds" }))))

    it.effect("createAndAwaitProfiles polls through the pending state", () =>
      withClock(Orders.createAndAwaitProfiles({
        transactionId: "await-1",
        packageInfoList: [{ packageCode: "ES_3_30", count: 3 }]
      })).pipe(
        Effect.map(({ profiles }) => assert.strictEqual(profiles.length, 3)),
        Effect.provide(simulated())
      ))

    it.effect("price (200005), amount (200006), balance (200007), unknown package (310241), batch over 30", () =>
      Effect.gen(function*() {
        const attempt = (packageInfoList: Orders.CreateParams["packageInfoList"], amount?: number) =>
          Orders.create({ transactionId: `t-${Math.random()}`, amount, packageInfoList }).pipe(
            Effect.flip,
            Effect.map((e) => [e._tag, "code" in e ? e.code : ""])
          )
        assert.deepStrictEqual(yield* attempt([{ packageCode: "CKH002", count: 1, price: 17_999 }]), [
          "PriceMismatch",
          "200005"
        ])
        assert.deepStrictEqual(yield* attempt([{ packageCode: "CKH002", count: 2, price: 18_000 }], 18_000), [
          "PriceMismatch",
          "200006"
        ])
        assert.deepStrictEqual(yield* attempt([{ packageCode: "CKH491", count: 2 }]), [
          "InsufficientBalance",
          "200007"
        ])
        assert.deepStrictEqual(yield* attempt([{ packageCode: "NOPE", count: 1 }]), ["NotFound", "310241"])
        assert.deepStrictEqual(yield* attempt([{ packageCode: "TOPUP_CKH002", count: 1 }]), ["NotFound", "310241"])
        assert.deepStrictEqual(
          yield* attempt([{ packageCode: "CKH002", count: 20 }, { packageCode: "ES_3_30", count: 11 }]),
          ["InvalidRequest", "200008"]
        )
        // nothing was charged
        assert.strictEqual((yield* Balance.query()).balance, 100_000)
        // 30 in one batch is fine, paid exactly
        const simulator = yield* sim
        yield* simulator.fund(1_000_000)
        yield* Orders.create({
          transactionId: "thirty",
          amount: 30 * 18_000,
          packageInfoList: [{ packageCode: "CKH002", count: 10 }, { packageCode: "ES_3_30", count: 20, price: 18_000 }]
        })
        assert.strictEqual((yield* Balance.query()).balance, 1_100_000 - 540_000)
        yield* TestClock.adjust("5 seconds")
        assert.strictEqual((yield* simulator.profiles).length, 30)
      }).pipe(Effect.provide(simulated({ balance: 100_000 }))))

    it.effect("day passes: periodNum is required, multiplies price, volume and duration", () =>
      Effect.gen(function*() {
        const missing = yield* Orders.create({
          transactionId: "dp-0",
          packageInfoList: [{ packageCode: "GE_500M_1", count: 1 }]
        }).pipe(Effect.flip)
        assert.strictEqual("code" in missing ? missing.code : "", "000105")
        const request = fixture("esim_order.daypass.request.json") as Orders.CreateParams
        const order = yield* Orders.create({ ...request, amount: 9_000 * 7 })
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 63_000)
        yield* TestClock.adjust("5 seconds")
        const [profile] = (yield* Profiles.query({ orderNo: order.orderNo })).profiles
        assert.strictEqual(profile?.totalVolume, 524_288_000 * 7)
        assert.strictEqual(profile?.totalDuration, 7)
        assert.strictEqual(profile?.dataType, 2)
        // its packageList entry holds the same: 7 daily allowances, 7 days
        assert.deepStrictEqual(
          profile?.packageList?.map((p) => [p.packageCode, p.volume, p.duration]),
          [["PJCB7UMFE", 524_288_000 * 7, 7]]
        )
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("the same transactionId replays the original order and charges once", () =>
      Effect.gen(function*() {
        const params = { transactionId: "same", packageInfoList: [{ packageCode: "CKH002", count: 1 }] }
        const first = yield* Orders.create(params)
        const second = yield* Orders.create(params)
        assert.deepStrictEqual(second, first)
        yield* TestClock.adjust("5 seconds")
        const third = yield* Orders.create({ ...params, packageInfoList: [{ packageCode: "CKH491", count: 1 }] })
        assert.deepStrictEqual(third, first)
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 18_000)
        assert.strictEqual((yield* (yield* sim).state).orders.length, 1)
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("duplicateTransactionId \"error\" answers 310402", () =>
      Effect.gen(function*() {
        const params = { transactionId: "same", packageInfoList: [{ packageCode: "CKH002", count: 1 }] }
        yield* Orders.create(params)
        const error = yield* Orders.create(params).pipe(Effect.flip)
        assert.strictEqual(error._tag, "DuplicateTransaction")
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 18_000)
      }).pipe(Effect.provide(simulated({ balance: 1_000_000, duplicateTransactionId: "error" }))))

    it.effect("a response lost after the order was placed: the client's retry gets the same order (replay)", () =>
      Effect.gen(function*() {
        yield* (yield* sim).injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
        const order = yield* withClock(Orders.create({
          transactionId: "lost-1",
          packageInfoList: [{ packageCode: "CKH002", count: 1 }]
        }))
        const state = yield* (yield* sim).state
        assert.strictEqual(state.orders.length, 1)
        assert.strictEqual(state.orders[0]?.orderNo, order.orderNo)
        assert.strictEqual(state.balance, 1_000_000 - 18_000)
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }, { retry: { times: 3 } }))))

    it.effect("a response lost after the order was placed: with 310402 the client finds the original order", () =>
      Effect.gen(function*() {
        yield* (yield* sim).injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
        const order = yield* withClock(Orders.create({
          transactionId: "lost-2",
          packageInfoList: [{ packageCode: "CKH002", count: 1 }]
        }))
        const state = yield* (yield* sim).state
        assert.strictEqual(state.orders.length, 1)
        assert.strictEqual(state.orders[0]?.orderNo, order.orderNo)
        assert.strictEqual(state.balance, 1_000_000 - 18_000)
      }).pipe(Effect.provide(
        simulated(
          { balance: 1_000_000, duplicateTransactionId: "error", allocationDelay: "0 millis" },
          { retry: { times: 3 } }
        )
      )))
    it.effect("with 310402 and a slow allocation the client keeps looking until the profiles appear", () =>
      Effect.gen(function*() {
        yield* (yield* sim).injectFault({ _tag: "LostResponse" }, { path: "esim/order" })
        const order = yield* withClock(Orders.create({
          transactionId: "lost-3",
          packageInfoList: [{ packageCode: "CKH002", count: 1 }]
        }))
        const state = yield* (yield* sim).state
        assert.strictEqual(state.orders.length, 1)
        assert.strictEqual(state.orders[0]?.orderNo, order.orderNo)
        assert.strictEqual(state.balance, 1_000_000 - 18_000)
      }).pipe(Effect.provide(
        simulated(
          { balance: 1_000_000, duplicateTransactionId: "error", allocationDelay: "8 seconds" },
          { retry: { times: 3 } }
        )
      )))
  })

  describe("lifecycle", () => {
    it.effect("cancel: only New profiles, refunds the price, ESIM_STATUS CANCEL/RELEASED", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002", 2)
        const [a, b] = profiles
        yield* Profiles.cancel({ esimTranNo: a!.esimTranNo })
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 18_000)
        assert.strictEqual((yield* simulator.profile({ esimTranNo: a!.esimTranNo })).esimStatus, "CANCEL")
        const again = yield* Profiles.cancel({ iccid: a!.iccid }).pipe(Effect.flip)
        assert.strictEqual("code" in again ? again.code : "", "200002")
        yield* simulator.install({ esimTranNo: b!.esimTranNo })
        const installed = yield* Profiles.cancel({ esimTranNo: b!.esimTranNo }).pipe(Effect.flip)
        assert.strictEqual(installed._tag, "OperationNotAllowed")
        const unknown = yield* Profiles.cancel({ esimTranNo: "12345678901234" }).pipe(Effect.flip)
        assert.strictEqual(unknown._tag, "NotFound")
        const cancels = eventsOf(yield* simulator.events, "ESIM_STATUS").filter((e) =>
          e.content.esimStatus === "CANCEL"
        )
        assert.strictEqual(cancels.length, 1)
        assert.strictEqual(cancels[0]?.content.smdpStatus, "RELEASED")
        assert.strictEqual(cancels[0]?.content.esimTranNo, a!.esimTranNo)
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("suspend only in use; unsuspend restores the previous status", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002")
        const ref = { esimTranNo: profiles[0]!.esimTranNo }
        assert.strictEqual((yield* Profiles.suspend(ref).pipe(Effect.flip))._tag, "OperationNotAllowed")
        yield* simulator.install(ref)
        yield* Profiles.suspend(ref)
        assert.strictEqual((yield* simulator.profile(ref)).esimStatus, "SUSPENDED")
        assert.strictEqual((yield* Profiles.suspend(ref).pipe(Effect.flip))._tag, "OperationNotAllowed")
        // no data while suspended
        assert.strictEqual((yield* simulator.consume(ref, 1).pipe(Effect.flip))._tag, "SimulatorError")
        yield* Profiles.unsuspend(ref)
        assert.strictEqual((yield* simulator.profile(ref)).esimStatus, "IN_USE")
        assert.strictEqual((yield* Profiles.unsuspend(ref).pipe(Effect.flip))._tag, "OperationNotAllowed")
        const statuses = eventsOf(yield* simulator.events, "ESIM_STATUS").map((e) => e.content.esimStatus)
        assert.deepStrictEqual(statuses, ["IN_USE", "SUSPENDED", "IN_USE"])
      }).pipe(Effect.provide(simulated())))

    it.effect("revoke: no refund, then nothing else is allowed", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002")
        const ref = { esimTranNo: profiles[0]!.esimTranNo }
        // a New profile is not active (§2.7): cancel it instead
        assert.strictEqual(code(yield* Profiles.revoke(ref).pipe(Effect.flip)), "200002")
        assert.strictEqual((yield* simulator.profile(ref)).esimStatus, "GOT_RESOURCE")
        yield* simulator.install(ref)
        yield* Profiles.revoke(ref)
        const p = yield* simulator.profile(ref)
        assert.strictEqual(p.esimStatus, "REVOKED")
        assert.strictEqual(p.smdpStatus, "DELETED")
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 18_000)
        for (const op of [Profiles.revoke, Profiles.cancel, Profiles.suspend]) {
          assert.strictEqual((yield* op(ref).pipe(Effect.flip))._tag, "OperationNotAllowed")
        }
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("top-up: cumulative volume and duration, new expiry, debited, replayed by transactionId", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002")
        const ref = { esimTranNo: profiles[0]!.esimTranNo }
        yield* simulator.install(ref)
        yield* simulator.consume(ref, 1_000)
        const installedAt = yield* Clock.currentTimeMillis
        const result = yield* TopUp.create({
          ...ref,
          packageCode: "TOPUP_CKH002",
          transactionId: "top-1",
          amount: 18_000
        })
        assert.strictEqual(result.totalVolume, 6 * GiB)
        assert.strictEqual(result.totalDuration, 60)
        assert.strictEqual(result.orderUsage, 1_000)
        assert.strictEqual(result.iccid, profiles[0]!.iccid)
        assert.strictEqual(DateTime.toEpochMillis(result.expiredTime), installedAt + 60 * day)
        assert.match(result.topUpEsimTranNo ?? "", /^\d{14}$/)
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 36_000)
        // same transactionId: the same answer, no second charge
        assert.deepStrictEqual(yield* TopUp.create({ ...ref, packageCode: "ES_3_30", transactionId: "top-1" }), result)
        assert.strictEqual((yield* Balance.query()).balance, 1_000_000 - 36_000)
        // by slug, and the profile shows both packages
        yield* TopUp.create({ iccid: profiles[0]!.iccid, packageCode: "ES_3_30", transactionId: "top-2" })
        const p = yield* simulator.profile(ref)
        assert.strictEqual(p.totalVolume, 9 * GiB)
        assert.deepStrictEqual(p.packageList?.map((x) => x.packageCode), ["CKH002", "TOPUP_CKH002", "TOPUP_CKH002"])
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("top-up rules: area-matched, price, New allowed, not after expiry, revives a used-up profile", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002", 2)
        const [a, b] = profiles.map((p) => ({ esimTranNo: p.esimTranNo }))
        // area mismatch: a North America top-up on a Spain profile
        assert.strictEqual(
          code(yield* TopUp.create({ ...a!, packageCode: "TOPUP_CKH491", transactionId: "x1" }).pipe(Effect.flip)),
          "310243"
        )
        assert.strictEqual(
          code(yield* TopUp.create({ ...a!, packageCode: "TOPUP_NOPE", transactionId: "x2" }).pipe(Effect.flip)),
          "310241"
        )
        assert.strictEqual(
          code(
            yield* TopUp.create({ ...a!, packageCode: "TOPUP_CKH002", transactionId: "x3", amount: 1 }).pipe(
              Effect.flip
            )
          ),
          "200006"
        )
        // a New profile can be topped up; its install deadline stays
        const before = yield* simulator.profile(a!)
        yield* TopUp.create({ ...a!, packageCode: "TOPUP_CKH002", transactionId: "x4" })
        const after = yield* simulator.profile(a!)
        assert.strictEqual(after.totalDuration, 60)
        assert.deepStrictEqual(after.expiredTime, before.expiredTime)
        // used up, then topped up: back in use
        yield* simulator.install(b!)
        yield* simulator.consume(b!, 3 * GiB)
        assert.strictEqual((yield* simulator.profile(b!)).esimStatus, "USED_UP")
        yield* TopUp.create({ ...b!, packageCode: "TOPUP_CKH002", transactionId: "x5" })
        assert.strictEqual((yield* simulator.profile(b!)).esimStatus, "IN_USE")
        // not after expiry
        yield* simulator.expire(b!)
        assert.strictEqual((yield* simulator.profile(b!)).esimStatus, "USED_EXPIRED")
        assert.strictEqual(
          code(yield* TopUp.create({ ...b!, packageCode: "TOPUP_CKH002", transactionId: "x6" }).pipe(Effect.flip)),
          "200002"
        )
        assert.strictEqual(
          code(
            yield* TopUp.create({ esimTranNo: "1", packageCode: "TOPUP_CKH002", transactionId: "x7" }).pipe(Effect.flip)
          ),
          "310403"
        )
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("top-up needs supportTopUpType 2 or 3; day-pass top-ups take periodNum", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const noTopUp = simulator.catalogue.find((p) => p.supportTopUpType === 1 && p.dataType === 1)!
        const { profiles } = yield* orderAndAllocate(noTopUp.packageCode)
        const error = yield* TopUp.create({
          esimTranNo: profiles[0]!.esimTranNo,
          packageCode: `TOPUP_${
            simulator.catalogue.find((p) => p.locationCode === noTopUp.locationCode && p.supportTopUpType === 2)
              ?.packageCode ?? "CKH002"
          }`,
          transactionId: "nt"
        }).pipe(Effect.flip)
        assert.strictEqual("code" in error ? error.code : "", "200002")
        assert.deepStrictEqual(yield* Packages.list({ type: "TOPUP", packageCode: noTopUp.packageCode }), [])
        // a day pass for 2 days, topped up by 3 more
        yield* Orders.create({
          transactionId: "dp",
          packageInfoList: [{ packageCode: "PJCB7UMFE", count: 1, periodNum: 2 }]
        })
        yield* TestClock.adjust("5 seconds")
        const dayPass = (yield* simulator.profiles).find((p) => p.packageList?.[0]?.packageCode === "PJCB7UMFE")!
        const balance = (yield* Balance.query()).balance
        // periodNum is required for a day pass (supportTopUpType 3), as in orders
        const missing = yield* TopUp.create({
          esimTranNo: dayPass.esimTranNo,
          packageCode: "TOPUP_PJCB7UMFE",
          transactionId: "dp-top-0"
        }).pipe(Effect.flip)
        assert.strictEqual(code(missing), "000105")
        const result = yield* TopUp.create({
          esimTranNo: dayPass.esimTranNo,
          packageCode: "TOPUP_PJCB7UMFE",
          transactionId: "dp-top",
          periodNum: 3,
          amount: 27_000
        })
        assert.strictEqual(result.totalDuration, 5)
        assert.strictEqual(result.totalVolume, 524_288_000 * 5)
        assert.strictEqual((yield* Balance.query()).balance, balance - 27_000)
      }).pipe(Effect.provide(simulated({ catalogue: "full", balance: 10_000_000 }))))

    it.effect("sendSms: only installed SMS-capable profiles", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const na = (yield* orderAndAllocate("CKH491")).profiles[0]!
        const es = (yield* orderAndAllocate("CKH002")).profiles[0]!
        assert.strictEqual(
          code(yield* Sms.send({ esimTranNo: na.esimTranNo, message: "hi" }).pipe(Effect.flip)),
          "200002"
        )
        yield* simulator.install({ esimTranNo: na.esimTranNo })
        yield* simulator.install({ esimTranNo: es.esimTranNo })
        yield* Sms.send({ esimTranNo: na.esimTranNo, message: "Welcome!" })
        // smsStatus 0
        assert.strictEqual(
          code(yield* Sms.send({ esimTranNo: es.esimTranNo, message: "hi" }).pipe(Effect.flip)),
          "200002"
        )
        const { sms } = yield* simulator.state
        assert.deepStrictEqual(sms.map((s) => [s.esimTranNo, s.message]), [[na.esimTranNo, "Welcome!"]])
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("usage/query: up to 10 ids, with lastUpdateTime; unknown ids left out", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002", 3)
        const ids = profiles.map((p) => p.esimTranNo)
        yield* simulator.install({ esimTranNo: ids[0]! })
        yield* TestClock.adjust("1 hour")
        yield* simulator.consume({ esimTranNo: ids[0]! }, 123_456)
        const usage = yield* Usage.check([...ids, "00000000000000"])
        assert.strictEqual(usage.length, 3)
        assert.strictEqual(usage[0]?.dataUsage, 123_456)
        assert.strictEqual(usage[0]?.totalData, 3 * GiB)
        assert.strictEqual(DateTime.toEpochMillis(usage[0]!.lastUpdateTime!), 5_000 + 3_600_000)
        assert.strictEqual(usage[1]?.dataUsage, 0)
        const tooMany = yield* Usage.check(Array.from({ length: 11 }, (_, i) => String(i))).pipe(Effect.flip)
        assert.strictEqual(tooMany._tag, "InvalidRequest")
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))

    it.effect("esim/query pages (pageNum, pageSize 5 to 500, total) and time ranges", () =>
      Effect.gen(function*() {
        const first = yield* Orders.create({
          transactionId: "p1",
          packageInfoList: [{ packageCode: "CKH002", count: 7 }]
        })
        yield* TestClock.adjust("1 hour")
        yield* Orders.create({ transactionId: "p2", packageInfoList: [{ packageCode: "CKH002", count: 5 }] })
        yield* TestClock.adjust("5 seconds")
        const page = (pageNum: number) => Profiles.query({ orderNo: first.orderNo, pager: { pageNum, pageSize: 5 } })
        const p1 = yield* page(1)
        const p2 = yield* page(2)
        const p3 = yield* page(3)
        assert.deepStrictEqual([p1.profiles.length, p2.profiles.length, p3.profiles.length], [5, 2, 0])
        assert.deepStrictEqual(p2.pager, { pageNum: 2, pageSize: 5, total: 7 })
        const all = yield* Profiles.query({ startTime: DateTime.makeUnsafe(0), pager: { pageNum: 1, pageSize: 500 } })
        assert.strictEqual(all.pager.total, 12)
        const later = yield* Profiles.query({
          startTime: DateTime.makeUnsafe(60_000),
          endTime: DateTime.makeUnsafe(2 * 3_600_000)
        })
        assert.strictEqual(later.pager.total, 5)
        const bad = yield* Profiles.query({ orderNo: first.orderNo, pager: { pageNum: 1, pageSize: 4 } }).pipe(
          Effect.flip
        )
        assert.strictEqual(bad._tag, "InvalidRequest")
      }).pipe(Effect.provide(simulated({ balance: 1_000_000 }))))
  })

  describe("control API and clock-driven events", () => {
    it.effect("install: SMDP_EVENT DOWNLOAD, INSTALLATION, ENABLED, then ESIM_STATUS IN_USE", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002")
        const ref = { esimTranNo: profiles[0]!.esimTranNo }
        yield* TestClock.adjust("1 day")
        const installed = yield* simulator.install(ref, { eid: "89049032000000000000000000000017" })
        assert.strictEqual(installed.eid, "89049032000000000000000000000017")
        assert.strictEqual(installed.esimStatus, "IN_USE")
        assert.strictEqual(installed.smdpStatus, "ENABLED")
        assert.strictEqual(DateTime.toEpochMillis(installed.activateTime!), 5_000 + day)
        assert.strictEqual(DateTime.toEpochMillis(installed.expiredTime!), 5_000 + 31 * day)
        const events = (yield* simulator.events).slice(1)
        assert.deepStrictEqual(
          events.map((e) =>
            e._tag === "SmdpEvent" || e._tag === "EsimStatus" ?
              `${e.notifyType} ${e.content.esimStatus}/${e.content.smdpStatus}` :
              e.notifyType
          ),
          [
            "SMDP_EVENT GOT_RESOURCE/DOWNLOAD",
            "SMDP_EVENT GOT_RESOURCE/INSTALLATION",
            "SMDP_EVENT GOT_RESOURCE/ENABLED",
            "ESIM_STATUS IN_USE/ENABLED"
          ]
        )
        assert.strictEqual((yield* simulator.install(ref).pipe(Effect.flip))._tag, "SimulatorError")
        assert.strictEqual((yield* simulator.install({ esimTranNo: "nope" }).pipe(Effect.flip))._tag, "SimulatorError")
      }).pipe(Effect.provide(simulated())))

    it.effect("consume: DATA_USAGE at 50, 80, 90 % used (remainThreshold 0.5, 0.2, 0.1), then USED_UP", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH491")
        const ref = { esimTranNo: profiles[0]!.esimTranNo }
        yield* simulator.install(ref)
        yield* simulator.consume(ref, Math.round(GiB * 0.4))
        assert.deepStrictEqual(eventsOf(yield* simulator.events, "DATA_USAGE"), [])
        yield* simulator.consume(ref, Math.round(GiB * 0.45))
        const usage = eventsOf(yield* simulator.events, "DATA_USAGE")
        assert.deepStrictEqual(usage.map((e) => e.content.remainThreshold), [0.5, 0.2])
        assert.strictEqual(usage[1]?.content.orderUsage, Math.round(GiB * 0.4) + Math.round(GiB * 0.45))
        assert.strictEqual(usage[1]?.content.remain, GiB - usage[1]!.content.orderUsage)
        yield* simulator.consume(ref, GiB)
        const events = yield* simulator.events
        assert.deepStrictEqual(eventsOf(events, "DATA_USAGE").map((e) => e.content.remainThreshold), [0.5, 0.2, 0.1])
        const last = eventsOf(events, "ESIM_STATUS").at(-1)
        assert.strictEqual(last?.content.esimStatus, "USED_UP")
        assert.strictEqual(last?.content.remainVolume, 0)
        const p = yield* simulator.profile(ref)
        assert.strictEqual(p.orderUsage, GiB)
        assert.strictEqual(p.esimStatus, "USED_UP")
      }).pipe(Effect.provide(simulated())))

    it.effect("expireSoon: VALIDITY_USAGE; expire: USED_EXPIRED or UNUSED_EXPIRED", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH002", 2)
        const used = { esimTranNo: profiles[0]!.esimTranNo }
        const unused = { esimTranNo: profiles[1]!.esimTranNo }
        yield* simulator.install(used)
        assert.strictEqual((yield* simulator.expireSoon(unused).pipe(Effect.flip))._tag, "SimulatorError")
        yield* simulator.expireSoon(used)
        const [validity] = eventsOf(yield* simulator.events, "VALIDITY_USAGE")
        assert.strictEqual(validity?.content.remain, 1)
        assert.strictEqual(validity?.content.durationUnit, "DAY")
        assert.strictEqual(validity?.content.totalDuration, 30)
        assert.strictEqual(DateTime.toEpochMillis(validity!.content.expiredTime), 5_000 + day)
        yield* simulator.expire(used)
        yield* simulator.expire(unused)
        assert.strictEqual((yield* simulator.profile(used)).esimStatus, "USED_EXPIRED")
        assert.strictEqual((yield* simulator.profile(unused)).esimStatus, "UNUSED_EXPIRED")
        const statuses = eventsOf(yield* simulator.events, "ESIM_STATUS").map((e) =>
          `${e.content.esimStatus}/${e.content.smdpStatus}`
        )
        assert.deepStrictEqual(statuses, ["IN_USE/ENABLED", "USED_EXPIRED/ENABLED", "UNUSED_EXPIRED/RELEASED"])
        assert.strictEqual(eventsOf(yield* simulator.events, "VALIDITY_USAGE").length, 1)
        assert.strictEqual((yield* simulator.expire(used).pipe(Effect.flip))._tag, "SimulatorError")
      }).pipe(Effect.provide(simulated())))

    it.effect("time alone: the validity warning one day before expiry, then expiry; unused profiles after 180 days", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        const { profiles } = yield* orderAndAllocate("CKH491", 2)
        const used = { esimTranNo: profiles[0]!.esimTranNo }
        yield* simulator.install(used)
        yield* TestClock.adjust("6 days")
        assert.strictEqual(eventsOf(yield* simulator.events, "VALIDITY_USAGE").length, 1)
        const [warning] = eventsOf(yield* simulator.events, "VALIDITY_USAGE")
        assert.strictEqual(DateTime.toEpochMillis(warning!.eventGenerateTime!), 5_000 + 6 * day)
        assert.strictEqual((yield* simulator.profile(used)).esimStatus, "IN_USE")
        yield* TestClock.adjust("1 day")
        assert.strictEqual((yield* simulator.profile(used)).esimStatus, "USED_EXPIRED")
        assert.strictEqual(
          (yield* simulator.profile({ esimTranNo: profiles[1]!.esimTranNo })).esimStatus,
          "GOT_RESOURCE"
        )
        yield* TestClock.adjust("173 days")
        assert.strictEqual(
          (yield* simulator.profile({ esimTranNo: profiles[1]!.esimTranNo })).esimStatus,
          "UNUSED_EXPIRED"
        )
      }).pipe(Effect.provide(simulated())))
  })

  describe("webhooks", () => {
    it.effect("webhook/save sends CHECK_HEALTH and saves only on HTTP 200", () => {
      const hooks = receiver((n) => (n === 1 ? 500 : 200))
      return Effect.gen(function*() {
        const failed = yield* Webhook.save("https://hooks.example.com/esim").pipe(Effect.flip)
        assert.strictEqual(failed._tag, "InvalidRequest")
        assert.deepStrictEqual(yield* Webhook.query(), { webhook: null })
        yield* Webhook.save("https://hooks.example.com/esim")
        assert.deepStrictEqual(yield* Webhook.query(), { webhook: "https://hooks.example.com/esim" })
        const events = yield* hooks.events()
        assert.deepStrictEqual(events.map((e) => e._tag), ["CheckHealth", "CheckHealth"])
        const body = hooks.received[0]!.body as Record<string, unknown>
        assert.deepStrictEqual(body["content"], { orderNo: "1234567890", orderStatus: "Test" })
        assert.match(String(body["notifyId"]), /^[0-9a-f]{32}$/)
        assert.match(String(body["eventGenerateTime"]), /^\d{4}-\d{2}-\d{2}T/)
        const deliveries = yield* (yield* sim).deliveries
        assert.deepStrictEqual(deliveries.map((d) => [d.notifyType, d.status, d.delivered]), [
          ["CHECK_HEALTH", 500, false],
          ["CHECK_HEALTH", 200, true]
        ])
      }).pipe(Effect.provide(simulated({ webhook: { client: hooks.client } })))
    })

    it.effect("events are POSTed in the current envelope, in order, and decode as WebhookEvent", () => {
      const hooks = receiver()
      return Effect.gen(function*() {
        const simulator = yield* sim
        yield* Webhook.save("https://hooks.example.com/esim")
        const { profiles } = yield* orderAndAllocate("CKH002", 2)
        yield* simulator.install({ esimTranNo: profiles[0]!.esimTranNo })
        yield* Profiles.cancel({ esimTranNo: profiles[1]!.esimTranNo })
        yield* simulator.flush
        const events = yield* hooks.events()
        assert.deepStrictEqual(events.map((e) => e.notifyType), [
          "CHECK_HEALTH",
          "ORDER_STATUS",
          "SMDP_EVENT",
          "SMDP_EVENT",
          "SMDP_EVENT",
          "ESIM_STATUS",
          "ESIM_STATUS"
        ])
        // what was sent is what the simulator generated
        assert.deepStrictEqual(events.slice(1), yield* simulator.events)
        for (const { body } of hooks.received) {
          assert.deepStrictEqual(
            new Set(Object.keys(body as object)),
            new Set(["content", "eventGenerateTime", "notifyId", "notifyType"])
          )
        }
        assert.strictEqual(new Set(events.map((e) => e.notifyId)).size, events.length)
        // and the legacy/ current fixtures decode the same way
        const decoded = yield* WebhookEvent.decode(fixture("webhook.ORDER_STATUS.json"))
        assert.strictEqual(decoded._tag, events[1]?._tag)
      }).pipe(Effect.provide(simulated({ webhook: { client: hooks.client } })))
    })

    it.effect("a non-200 answer is redelivered with backoff on the Clock, and logged", () => {
      const hooks = receiver((n) => (n <= 2 ? 503 : 200))
      return Effect.gen(function*() {
        const simulator = yield* sim
        yield* Orders.create({ transactionId: "w", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
        yield* TestClock.adjust("5 seconds")
        yield* simulator.flush
        assert.strictEqual(hooks.received.length, 1)
        yield* TestClock.adjust("9 seconds")
        assert.strictEqual(hooks.received.length, 1)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(hooks.received.length, 2)
        yield* TestClock.adjust("20 seconds")
        assert.strictEqual(hooks.received.length, 3)
        yield* TestClock.adjust("10 minutes")
        assert.strictEqual(hooks.received.length, 3)
        const deliveries = yield* simulator.deliveries
        assert.deepStrictEqual(deliveries.map((d) => [d.attempt, d.time, d.status, d.delivered]), [
          [1, 5_000, 503, false],
          [2, 15_000, 503, false],
          [3, 35_000, 200, true]
        ])
        assert.strictEqual(new Set(hooks.received.map((r) => (r.body as { notifyId: string }).notifyId)).size, 1)
      }).pipe(Effect.provide(simulated({ webhook: { client: hooks.client, url: "https://hooks.example.com/x" } })))
    })

    it.effect("redelivery gives up after the configured retries", () => {
      const hooks = receiver(() => 500)
      return Effect.gen(function*() {
        yield* Orders.create({ transactionId: "w", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })
        yield* TestClock.adjust("1 hour")
        const deliveries = yield* (yield* sim).deliveries
        assert.deepStrictEqual(deliveries.map((d) => d.time), [5_000, 6_000, 8_000])
      }).pipe(Effect.provide(
        simulated({
          webhook: {
            client: hooks.client,
            url: "https://hooks.example.com/x",
            redelivery: { times: 2, base: "1 second" }
          }
        })
      ))
    })
  })

  describe("signatures, faults, rate limit", () => {
    const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.map(() => "ok"),
        Effect.catch((e: E) => Effect.succeed("code" in e ? String(e.code) : e._tag))
      )

    it.effect("strict mode: our client signs with the secret key", () =>
      outcome(Balance.query()).pipe(
        Effect.map((result) => assert.strictEqual(result, "ok")),
        Effect.provide(simulated({ signature: "strict", secretKey: "s3cret" }, { secretKey: "s3cret" }))
      ))

    it.effect("strict mode: a wrong key is 101003", () =>
      outcome(Balance.query()).pipe(
        Effect.map((result) => assert.strictEqual(result, "101003")),
        Effect.provide(simulated({ signature: "strict", secretKey: "s3cret" }, { secretKey: "wrong" }))
      ))

    it.effect("strict mode: an unsigned request is 000101; a wrong access code 401001", () =>
      Effect.gen(function*() {
        assert.strictEqual(
          yield* outcome(Balance.query()).pipe(Effect.provide(simulated({ signature: "strict", secretKey: "k" }))),
          "000101"
        )
        assert.strictEqual(
          yield* outcome(Balance.query()).pipe(Effect.provide(simulated({}, { accessCode: "other" }))),
          "401001"
        )
      }))

    it.effect("faults: ServerBusy and HTTP 503 are retried by the client; the next request is normal", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        yield* simulator.injectFault({ _tag: "ServerBusy" })
        yield* simulator.injectFault({ _tag: "HttpStatus", status: 503 })
        const { balance } = yield* withClock(Balance.query())
        assert.strictEqual(balance, 10_000_000)
      }).pipe(Effect.provide(simulated({}, { retry: { times: 3 } }))))

    it.effect("faults without retries: 5xx, dropped connection, malformed body, busy, latency past the timeout", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        yield* simulator.injectFault({ _tag: "HttpStatus", status: 502 })
        const status = yield* Balance.query().pipe(Effect.flip)
        assert.strictEqual(status._tag, "TransportError")
        assert.strictEqual(status._tag === "TransportError" ? status.status : 0, 502)
        yield* simulator.injectFault({ _tag: "Drop" })
        const dropped = yield* Balance.query().pipe(Effect.flip)
        assert.strictEqual(dropped._tag === "TransportError" ? dropped.reason : dropped._tag, "Connection")
        yield* simulator.injectFault({ _tag: "MalformedBody" })
        assert.strictEqual((yield* Balance.query().pipe(Effect.flip))._tag, "DecodeError")
        yield* simulator.injectFault({ _tag: "ServerBusy" }, { times: 2 })
        assert.strictEqual(yield* outcome(Balance.query()), "900001")
        assert.strictEqual(yield* outcome(Balance.query()), "900001")
        assert.strictEqual(yield* outcome(Balance.query()), "ok")
        yield* simulator.injectFault({ _tag: "Latency", duration: "40 seconds" })
        const slow = yield* withClock(Balance.query().pipe(Effect.flip), "1 second")
        assert.strictEqual(slow._tag === "TransportError" ? slow.reason : slow._tag, "Timeout")
        yield* simulator.injectFault({ _tag: "Latency", duration: "2 seconds" })
        assert.strictEqual(yield* withClock(outcome(Balance.query())), "ok")
      }).pipe(Effect.provide(simulated())))

    it.effect("faults by path; clearFaults", () =>
      Effect.gen(function*() {
        const simulator = yield* sim
        yield* simulator.injectFault({ _tag: "ServerBusy" }, { path: "esim/order", times: 5 })
        assert.strictEqual(yield* outcome(Balance.query()), "ok")
        assert.strictEqual(
          yield* outcome(Orders.create({ transactionId: "f", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })),
          "900001"
        )
        yield* simulator.clearFaults
        assert.strictEqual(
          yield* outcome(Orders.create({ transactionId: "f", packageInfoList: [{ packageCode: "CKH002", count: 1 }] })),
          "ok"
        )
      }).pipe(Effect.provide(simulated())))

    it.effect("rate limit: the client's own limiter keeps 20 concurrent calls under 8 per second", () =>
      Effect.gen(function*() {
        const balances = yield* withClock(
          Effect.all(Array.from({ length: 20 }, () => Balance.query()), { concurrency: "unbounded" }),
          "50 millis"
        )
        assert.strictEqual(balances.length, 20)
      }).pipe(Effect.provide(simulated({ rateLimit: { limit: 8 } }, { rateLimit: { limit: 8 } }))))

    it.effect("rate limit: the 9th request in a second is HTTP 429 with Retry-After", () =>
      Effect.gen(function*() {
        const results = yield* Effect.all(Array.from({ length: 9 }, () => Balance.query().pipe(Effect.result)))
        const failures = results.filter((r) => r._tag === "Failure")
        assert.strictEqual(failures.length, 1)
        const error = failures[0]!.failure
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") {
          assert.strictEqual(error.status, 429)
          assert.strictEqual(error.retryAfter, 1_000)
        }
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* outcome(Balance.query()), "ok")
      }).pipe(Effect.provide(simulated({ rateLimit: {} }))))
  })
})
