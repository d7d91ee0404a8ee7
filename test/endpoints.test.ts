import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import {
  Balance,
  EsimAccessTest,
  Locations,
  Orders,
  Packages,
  Profiles,
  Sms,
  TopUp,
  Usage,
  Webhook
} from "effect-esim-access"
import { fixture, fixtureRecord } from "./clientSupport.ts"

const baseUrl = "https://api.esimaccess.test"

/** The one request the fake received, checked for method, URL, access code and content type. */
const onlyRequest = (path: string) =>
  Effect.gen(function*() {
    const requests = yield* EsimAccessTest.requests
    assert.strictEqual(requests.length, 1)
    const request = requests[0]!
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.url, `${baseUrl}/api/v1/open/${path}`)
    assert.strictEqual(request.path, path)
    assert.strictEqual(request.headers["rt-accesscode"], "test-access-code")
    assert.strictEqual(request.headers["content-type"], "application/json")
    // the body is JSON and is what was parsed
    assert.deepStrictEqual(JSON.parse(request.bodyText), request.body)
    return request
  })

const utc = (iso: string) => DateTime.toEpochMillis(DateTime.makeUnsafe(iso))

describe("endpoints: wire body and decoding of every fixture", () => {
  it.effect("balance/query sends {} and decodes the balance", () =>
    Effect.gen(function*() {
      const result = yield* Balance.query()
      assert.deepStrictEqual(result, { balance: 940000 })
      const request = yield* onlyRequest("balance/query")
      assert.deepStrictEqual(request.body, {})
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("balance_query.response.json"))))
    ))

  it.effect("the base URL's trailing slash is not doubled", () =>
    Effect.gen(function*() {
      yield* Balance.query()
      const [request] = yield* EsimAccessTest.requests
      assert.strictEqual(request?.url, "https://example.test/api/v1/open/balance/query")
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }), { baseUrl: "https://example.test/" })
      )
    ))

  it.effect("package/list sends package_list.request.json and decodes the catalogue", () =>
    Effect.gen(function*() {
      const packages = yield* Packages.list({ type: "BASE" })
      const request = yield* onlyRequest("package/list")
      assert.deepStrictEqual(request.body, fixture("package_list.request.json"))
      assert.deepStrictEqual(packages.map((p) => p.packageCode), ["CKH002", "CKH491", "PJCB7UMFE"])
      const spain = packages[0]!
      assert.strictEqual(spain.slug, "ES_3_30")
      assert.strictEqual(spain.price, 18000)
      assert.strictEqual(spain.retailPrice, 36000)
      assert.strictEqual(spain.volume, 3221225472)
      assert.strictEqual(spain.duration, 30)
      assert.strictEqual(spain.durationUnit, "DAY")
      assert.strictEqual(spain.supportTopUpType, 2)
      assert.deepStrictEqual(spain.locationNetworkList?.[0]?.operatorList?.map((o) => o.operatorName), [
        "Movistar",
        "Vodafone"
      ])
      // the decoded catalogue keeps every documented field of the fixture
      const wire = fixture("package_list.response.json") as { obj: { packageList: typeof packages } }
      assert.deepStrictEqual(packages, wire.obj.packageList)
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("package_list.response.json"))))))

  it.effect("package/list without filters sends every filter as an empty string", () =>
    Effect.gen(function*() {
      yield* Packages.list()
      const request = yield* onlyRequest("package/list")
      assert.deepStrictEqual(request.body, { locationCode: "", type: "", slug: "", packageCode: "", iccid: "" })
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ packageList: [] })))))

  it.effect("package/list TOPUP sends package_list.topup.request.json and decodes the top-ups", () =>
    Effect.gen(function*() {
      const packages = yield* Packages.list({ type: "TOPUP", iccid: "89000000000000000017" })
      const request = yield* onlyRequest("package/list")
      assert.deepStrictEqual(request.body, fixture("package_list.topup.request.json"))
      assert.deepStrictEqual(packages.map((p) => p.packageCode), ["TOPUP_CKH002"])
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("package_list.topup.response.json"))))
    ))

  it.effect("package/list sends dataType only when given", () =>
    Effect.gen(function*() {
      yield* Packages.list({ locationCode: "GE", dataType: "2" })
      const request = yield* onlyRequest("package/list")
      assert.deepStrictEqual(request.body, {
        locationCode: "GE",
        type: "",
        slug: "",
        packageCode: "",
        iccid: "",
        dataType: "2"
      })
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ packageList: [] })))))

  it.effect("esim/order sends esim_order.request.json and decodes the order", () =>
    Effect.gen(function*() {
      const order = yield* Orders.create({
        transactionId: "txn_demo_0001",
        amount: 36000,
        packageInfoList: [{ packageCode: "CKH002", count: 2, price: 18000 }]
      })
      const request = yield* onlyRequest("esim/order")
      assert.deepStrictEqual(request.body, fixture("esim_order.request.json"))
      assert.deepStrictEqual(order, { orderNo: "B25010112340001", transactionId: "txn_demo_0001" })
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_order.response.json"))))))

  it.effect("esim/order for a day pass sends esim_order.daypass.request.json", () =>
    Effect.gen(function*() {
      yield* Orders.create({
        transactionId: "txn_demo_0002",
        packageInfoList: [{ packageCode: "GE_500M_1", count: 1, periodNum: 7 }]
      })
      const request = yield* onlyRequest("esim/order")
      assert.deepStrictEqual(request.body, fixture("esim_order.daypass.request.json"))
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() => EsimAccessTest.ok({ orderNo: "B25010112340002", transactionId: "txn_demo_0002" }))
      )
    ))

  it.effect("esim/query sends esim_query.request.json and decodes a new order", () =>
    Effect.gen(function*() {
      const { pager, profiles } = yield* Profiles.query({
        orderNo: "B25010112340001",
        pager: { pageNum: 1, pageSize: 20 }
      })
      const request = yield* onlyRequest("esim/query")
      assert.deepStrictEqual(request.body, fixture("esim_query.request.json"))
      assert.strictEqual(profiles.length, 2)
      const first = profiles[0]!
      assert.strictEqual(first.esimStatus, "GOT_RESOURCE")
      assert.strictEqual(first.smdpStatus, "RELEASED")
      assert.strictEqual(first.ac, "LPA:1$rsp.example.com$0A1B2C3D4E5F60718293A4B5C6D7E8F9")
      assert.strictEqual(first.activateTime, null)
      assert.strictEqual(first.totalVolume, 3221225472)
      assert.strictEqual(first.orderUsage, 0)
      assert.strictEqual(DateTime.toEpochMillis(first.expiredTime!), utc("2025-07-10T12:34:56Z"))
      assert.deepStrictEqual(pager, { pageSize: 20, pageNum: 1, total: 2 })
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.new_order.response.json"))))
    ))

  it.effect("esim/query decodes a profile in use", () =>
    Effect.gen(function*() {
      const { profiles } = yield* Profiles.query({ esimTranNo: "25010112340001" })
      const request = yield* onlyRequest("esim/query")
      // unused identifiers are sent as "", the default page is 1 of 50
      assert.deepStrictEqual(request.body, {
        orderNo: "",
        iccid: "",
        esimTranNo: "25010112340001",
        pager: { pageNum: 1, pageSize: 50 }
      })
      const profile = profiles[0]!
      assert.strictEqual(profile.esimStatus, "IN_USE")
      assert.strictEqual(profile.eid, "89049032000000000000000000000017")
      assert.strictEqual(profile.totalVolume - profile.orderUsage, 3221225472 - 1453344832)
      assert.strictEqual(DateTime.toEpochMillis(profile.activateTime!), utc("2025-01-02T08:00:00Z"))
      const pkg = profile.packageList?.[0]
      assert.strictEqual(pkg?.packageCode, "CKH002")
      assert.strictEqual(DateTime.toEpochMillis(pkg!.createTime!), utc("2025-01-01T12:34:56Z"))
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.in_use.response.json"))))
    ))

  it.effect("esim/query decodes an empty list", () =>
    Effect.gen(function*() {
      const result = yield* Profiles.query({ iccid: "89000000000000000099" })
      assert.deepStrictEqual(result, { profiles: [], pager: { pageSize: 20, pageNum: 1, total: 0 } })
      const request = yield* onlyRequest("esim/query")
      assert.deepStrictEqual(request.body, {
        orderNo: "",
        iccid: "89000000000000000099",
        esimTranNo: "",
        pager: { pageNum: 1, pageSize: 50 }
      })
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.empty.response.json"))))
    ))

  it.effect("esim/query by time range sends ISO UTC times", () =>
    Effect.gen(function*() {
      yield* Profiles.query({
        startTime: DateTime.makeUnsafe("2025-01-01T00:00:00Z"),
        endTime: DateTime.makeUnsafe("2025-01-02T12:30:00Z"),
        pager: { pageNum: 2, pageSize: 100 }
      })
      const request = yield* onlyRequest("esim/query")
      assert.deepStrictEqual(request.body, {
        orderNo: "",
        iccid: "",
        esimTranNo: "",
        startTime: "2025-01-01T00:00:00+00:00",
        endTime: "2025-01-02T12:30:00+00:00",
        pager: { pageNum: 2, pageSize: 100 }
      })
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_query.empty.response.json"))))
    ))

  const lifecycle = [
    ["esim/cancel", "esim_cancel", Profiles.cancel],
    ["esim/suspend", "esim_suspend", Profiles.suspend],
    ["esim/unsuspend", "esim_unsuspend", Profiles.unsuspend],
    ["esim/revoke", "esim_revoke", Profiles.revoke]
  ] as const

  for (const [path, name, call] of lifecycle) {
    it.effect(`${path} sends ${name}.request.json and accepts obj {}`, () =>
      Effect.gen(function*() {
        const result = yield* call({ esimTranNo: "25010112340001" })
        assert.strictEqual(result, undefined)
        const request = yield* onlyRequest(path)
        assert.deepStrictEqual(request.body, fixture(`${name}.request.json`))
      }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture(`${name}.response.json`))))))

    it.effect(`${path} by iccid sends only the iccid`, () =>
      Effect.gen(function*() {
        yield* call({ iccid: "89000000000000000017" })
        const request = yield* onlyRequest(path)
        assert.deepStrictEqual(request.body, { iccid: "89000000000000000017" })
      }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({})))))
  }

  it.effect("esim/sendSms sends esim_sendSms.request.json", () =>
    Effect.gen(function*() {
      yield* Sms.send({ esimTranNo: "25010112340001", message: "Welcome! Your data plan is active." })
      const request = yield* onlyRequest("esim/sendSms")
      assert.deepStrictEqual(request.body, fixture("esim_sendSms.request.json"))
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_sendSms.response.json"))))))

  it.effect("esim/topup sends the top-up with amount as a numeric string and decodes the result", () =>
    Effect.gen(function*() {
      const result = yield* TopUp.create({
        esimTranNo: "25010112340001",
        packageCode: "TOPUP_CKH002",
        transactionId: "txn_demo_topup_0001",
        amount: 18000
      })
      const request = yield* onlyRequest("esim/topup")
      // The fixture also carries `"iccid": ""`. The reference makes esimTranNo / iccid 1-of and treats a missing
      // optional field and "" alike (§1.2, §2.9), so the client leaves the unused iccid out; everything else,
      // including `amount` as the numeric string "18000" (§2.9: type String), is the fixture.
      const { iccid, ...expected } = fixtureRecord("esim_topup.request.json")
      assert.strictEqual(iccid, "")
      assert.deepStrictEqual(request.body, expected)
      assert.strictEqual(typeof (request.body as { amount: unknown }).amount, "string")
      assert.strictEqual(result.transactionId, "txn_demo_topup_0001")
      assert.strictEqual(result.iccid, "89000000000000000017")
      assert.strictEqual(result.totalVolume, 6442450944)
      assert.strictEqual(result.totalDuration, 60)
      assert.strictEqual(result.orderUsage, 1453344832)
      assert.strictEqual(result.topUpEsimTranNo, "25011512340007")
      assert.strictEqual(DateTime.toEpochMillis(result.expiredTime), utc("2025-08-09T12:34:56Z"))
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_topup.response.json"))))))

  it.effect("esim/topup for a day pass sends periodNum", () =>
    Effect.gen(function*() {
      yield* TopUp.create({ iccid: "89000000000000000017", packageCode: "TOPUP_X", transactionId: "t-1", periodNum: 3 })
      const request = yield* onlyRequest("esim/topup")
      assert.deepStrictEqual(request.body, {
        iccid: "89000000000000000017",
        packageCode: "TOPUP_X",
        transactionId: "t-1",
        periodNum: 3
      })
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_topup.response.json"))))))

  it.effect("esim/usage/query sends esim_usage_query.request.json and decodes the usage", () =>
    Effect.gen(function*() {
      const usage = yield* Usage.check(["25010112340001", "25010112340002"])
      const request = yield* onlyRequest("esim/usage/query")
      assert.deepStrictEqual(request.body, fixture("esim_usage_query.request.json"))
      assert.strictEqual(usage.length, 2)
      assert.strictEqual(usage[0]?.esimTranNo, "25010112340001")
      assert.strictEqual(usage[0]?.dataUsage, 1453344832)
      assert.strictEqual(usage[0]?.totalData, 3221225472)
      assert.strictEqual(DateTime.toEpochMillis(usage[0]!.lastUpdateTime!), utc("2025-01-03T18:00:00Z"))
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("esim_usage_query.response.json"))))
    ))

  it.effect("esim/usage/query also decodes obj as a bare array (reference §7.4)", () =>
    Effect.gen(function*() {
      const usage = yield* Usage.check(["1"])
      assert.deepStrictEqual(usage.map((u) => [u.esimTranNo, u.dataUsage, u.totalData]), [["1", 5, 10]])
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok([{ esimTranNo: "1", dataUsage: 5, totalData: 10 }])))
    ))

  it.effect("location/list sends {} and decodes countries and regions", () =>
    Effect.gen(function*() {
      const locations = yield* Locations.list()
      const request = yield* onlyRequest("location/list")
      assert.deepStrictEqual(request.body, fixture("location_list.request.json"))
      assert.deepStrictEqual(locations, [
        { code: "ES", name: "Spain", type: 1, subLocationList: [] },
        { code: "HK", name: "Hong Kong (China)", type: 1, subLocationList: [] },
        {
          code: "NA-3",
          name: "North America",
          type: 2,
          subLocationList: [
            { code: "US", name: "United States" },
            { code: "CA", name: "Canada" },
            { code: "MX", name: "Mexico" }
          ]
        }
      ])
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("location_list.response.json"))))
    ))

  it.effect("location/list reads the sub-locations under `subLocation` too (reference §7.5)", () =>
    Effect.gen(function*() {
      const [region] = yield* Locations.list()
      assert.deepStrictEqual(region?.subLocationList, [{ code: "US", name: "United States" }])
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer(() =>
          EsimAccessTest.ok({
            locationList: [{
              code: "NA-3",
              name: "North America",
              type: 2,
              subLocation: [{ code: "US", name: "United States" }]
            }]
          })
        )
      )
    ))

  it.effect("webhook/query decodes the saved URL", () =>
    Effect.gen(function*() {
      const result = yield* Webhook.query()
      const request = yield* onlyRequest("webhook/query")
      assert.deepStrictEqual(request.body, {})
      assert.deepStrictEqual(result, { webhook: "https://hooks.example.com/esimaccess/7f3c2a" })
    }).pipe(
      Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("webhook_query.response.json"))))
    ))

  it.effect("webhook/query reads `webhookUrl` and a missing URL as null", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Webhook.query(), { webhook: "https://a.example/x" })
      assert.deepStrictEqual(yield* Webhook.query(), { webhook: null })
    }).pipe(
      Effect.provide(
        EsimAccessTest.layer((request) =>
          request.index === 1 ? EsimAccessTest.ok({ webhookUrl: "https://a.example/x" }) : EsimAccessTest.ok({})
        )
      )
    ))

  it.effect("webhook/save sends webhook_save.request.json", () =>
    Effect.gen(function*() {
      yield* Webhook.save("https://hooks.example.com/esimaccess/7f3c2a")
      const request = yield* onlyRequest("webhook/save")
      assert.deepStrictEqual(request.body, fixture("webhook_save.request.json"))
    }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(fixture("webhook_save.response.json"))))))
})
