/**
 * The simulator's rules over raw HTTP, one table row per rule: plain `fetch` against the Node server
 * (`SimulatorServer.layer` on 127.0.0.1, port 0) with JSON bodies written exactly as the reference's wire format
 * (`/work/shared/api/README.md`, cited per row), asserting the HTTP status, `success`, `errorCode` and the key `obj`
 * fields. Our client is not involved, so these rows hold for any client. State is moved with the control API
 * (install, consume, expire) and the TestClock (allocation delay); each row gets its own server.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, DateTime, Effect, Fiber, type Scope } from "effect"
import { Simulator } from "effect-esim-access"
import { layer as serverLayer, type SimulatorServer } from "effect-esim-access/node/SimulatorServer"
import { TestClock } from "effect/testing"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { type Answer, call, fixture } from "./simulatorSupport.ts"

type Env = Simulator.Simulator | SimulatorServer | Scope.Scope
type Json = Record<string, unknown>

const GiB = 1_073_741_824
const MiB = 1_048_576
/** the daily allowance of the fixture day pass PJCB7UMFE / GE_500M_1 (§2.1: volume is per day for day passes) */
const daily = 500 * MiB
/** every row starts at this time: realistic dates in the answers, and time ranges to query */
const start = Date.parse("2026-04-22T17:00:00Z")
const startBalance = 10_000_000

const served = (options: Simulator.Options = {}) =>
  serverLayer({ port: 0, catalogue: "fixtures", rateLimit: false, ...options })

// ---------------------------------------------------------------------------------------------------------------
// reading answers

const objOf = (answer: Answer): Json => (answer.json?.["obj"] ?? {}) as Json
const listOf = (answer: Answer, key: string): ReadonlyArray<Json> => (objOf(answer)[key] ?? []) as ReadonlyArray<Json>
const codesOf = (answer: Answer) => listOf(answer, "packageList").map((p) => p["packageCode"])

/** A profile as `esim/query` answers it (reference §2.3). */
interface WireProfile {
  readonly esimTranNo: string
  readonly iccid: string
  readonly esimStatus: string
  readonly smdpStatus: string
  readonly totalVolume: number
  readonly totalDuration: number
}

const pager = { pageNum: 1, pageSize: 50 }

/** The one profile named by `esimTranNo`, as `esim/query` shows it now. */
const queried = (esimTranNo: string) =>
  call("esim/query", { orderNo: "", iccid: "", esimTranNo, pager }).pipe(
    Effect.map((answer) => listOf(answer, "esimList")[0] as unknown as WireProfile)
  )

const balance = call("balance/query", "").pipe(Effect.map((answer) => objOf(answer)["balance"]))

// ---------------------------------------------------------------------------------------------------------------
// moving state

let transactions = 0

/** Orders over raw HTTP, lets the allocation delay pass (TestClock), answers the profiles as esim/query lists them. */
const ordered = (packageCode: string, count = 1, line: Json = {}) =>
  Effect.gen(function*() {
    const placed = yield* call("esim/order", {
      transactionId: `setup-${++transactions}`,
      packageInfoList: [{ packageCode, count, ...line }]
    })
    const orderNo = objOf(placed)["orderNo"]
    assert.isString(orderNo, placed.text)
    yield* TestClock.adjust("5 seconds")
    const listed = yield* call("esim/query", { orderNo, iccid: "", esimTranNo: "", pager })
    return listOf(listed, "esimList") as unknown as ReadonlyArray<WireProfile>
  })

/** A New profile: allocated, not installed (GOT_RESOURCE / RELEASED, §5.2). */
const newProfile = (packageCode: string, line: Json = {}) =>
  ordered(packageCode, 1, line).pipe(Effect.map((profiles) => profiles[0]!))

/** Installed on a device through the control API: IN_USE / ENABLED. */
const installed = (packageCode: string, line: Json = {}) =>
  Effect.gen(function*() {
    const p = yield* newProfile(packageCode, line)
    yield* (yield* Simulator.Simulator).install({ esimTranNo: p.esimTranNo })
    return yield* queried(p.esimTranNo)
  })

/** Every byte used: USED_UP. */
const usedUp = (packageCode: string) =>
  Effect.gen(function*() {
    const p = yield* installed(packageCode)
    yield* (yield* Simulator.Simulator).consume({ esimTranNo: p.esimTranNo }, p.totalVolume)
    return yield* queried(p.esimTranNo)
  })

/** Suspended over raw HTTP after installing. */
const suspended = (packageCode: string) =>
  Effect.gen(function*() {
    const p = yield* installed(packageCode)
    expect((yield* call("esim/suspend", { esimTranNo: p.esimTranNo })).json).toMatchObject({ success: true })
    return yield* queried(p.esimTranNo)
  })

/** Installed, then past its validity: USED_EXPIRED. */
const expired = (packageCode: string) =>
  Effect.gen(function*() {
    const p = yield* installed(packageCode)
    yield* (yield* Simulator.Simulator).expire({ esimTranNo: p.esimTranNo })
    return yield* queried(p.esimTranNo)
  })

/** An HTTP server on 127.0.0.1 that answers every request with `status`; closed with the test's scope. */
const hookServer = (status: number) =>
  Effect.acquireRelease(
    Effect.callback<ReturnType<typeof createServer>>((resume) => {
      const server = createServer((request, response) => {
        request.resume()
        request.on("end", () => response.writeHead(status).end(String(status)))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/esim-access/webhook`))

// ---------------------------------------------------------------------------------------------------------------
// the table

interface Step {
  readonly path: string
  /** the JSON body as the wire carries it; a string is sent as is */
  readonly body: unknown
  /** a subset the answer's `obj` must hold (vitest `toMatchObject`) */
  readonly obj?: unknown
  /** what must hold afterwards, e.g. the state moved, or did not */
  readonly after?: (answer: Answer) => Effect.Effect<void, Simulator.SimulatorError, Env>
}

interface Rule {
  readonly name: string
  readonly options?: Simulator.Options
  /** the request, after moving state if the rule needs it */
  readonly step: Effect.Effect<Step, Simulator.SimulatorError, Env>
  /** default 200: business errors are HTTP 200 with `success: false` (§1.4) */
  readonly status?: number
  readonly success: boolean
  /** `"0"` on success (§1.4) */
  readonly errorCode: string
}

const request = (step: Step) => Effect.succeed(step)

/** A rule whose request moves nothing: the state is unchanged afterwards (balance and orders). */
const unchanged = Effect.gen(function*() {
  assert.strictEqual(yield* balance, startBalance)
  assert.deepStrictEqual((yield* (yield* Simulator.Simulator).state).orders, [])
})

const emoji = (n: number) => "😀".repeat(n)

const ok = { success: true, errorCode: "0" } as const
const failed = (errorCode: string) => ({ success: false, errorCode }) as const

const packageList: ReadonlyArray<Rule> = [
  {
    name: "§2.1 package/list locationCode !RG: regional plans only",
    step: request({
      path: "package/list",
      body: { locationCode: "!RG" },
      obj: { packageList: [{ locationCode: "NA-3" }] }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list locationCode !RG over the full catalogue: every plan multi-country, none global",
    options: { catalogue: "full" },
    step: request({
      path: "package/list",
      body: { locationCode: "!RG", type: "", slug: "", packageCode: "", iccid: "" },
      after: (answer) =>
        Effect.sync(() => {
          const codes = listOf(answer, "packageList").map((p) => String(p["locationCode"]))
          assert.isAbove(codes.length, 50)
          assert.isTrue(codes.every((c) => c.includes("-") && !c.startsWith("GL-")), codes.join(","))
          assert.include(codesOf(answer), "CKH491")
        })
    }),
    ...ok
  },
  {
    name: "§2.1 package/list locationCode !GL over the full catalogue: global plans only",
    options: { catalogue: "full" },
    step: request({
      path: "package/list",
      body: { locationCode: "!GL" },
      after: (answer) =>
        Effect.sync(() => {
          const codes = listOf(answer, "packageList").map((p) => String(p["locationCode"]))
          assert.isAbove(codes.length, 0)
          assert.isTrue(codes.every((c) => c.startsWith("GL-")), codes.join(","))
        })
    }),
    ...ok
  },
  {
    name: "§2.1 package/list locationCode ES, unused filters sent as \"\" (§1.2)",
    step: request({
      path: "package/list",
      body: { locationCode: "ES", type: "", slug: "", packageCode: "", iccid: "" },
      obj: {
        packageList: [{ packageCode: "CKH002", slug: "ES_3_30", price: 18000, volume: 3 * GiB, locationCode: "ES" }]
      }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list a country without plans: an empty list",
    step: request({ path: "package/list", body: { locationCode: "JP" }, obj: { packageList: [] } }),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP with packageCode: the fixture's top-ups of CKH002",
    step: request({
      path: "package/list",
      // the fixture's request, by base package instead of its (synthetic) iccid
      body: { ...(fixture("package_list.topup.request.json") as Json), iccid: "", packageCode: "CKH002" },
      obj: (fixture("package_list.topup.response.json") as { obj: unknown }).obj
    }),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP with a slug: top-ups of NA-3_1_7",
    step: request({
      path: "package/list",
      body: { type: "TOPUP", slug: "NA-3_1_7" },
      obj: { packageList: [{ packageCode: "TOPUP_CKH491", locationCode: "NA-3" }] }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP with iccid: top-ups for that eSIM, area-matched (§2.9)",
    step: Effect.map(newProfile("CKH491"), (p) => ({
      path: "package/list",
      body: { type: "TOPUP", iccid: p.iccid, packageCode: "", locationCode: "" },
      obj: { packageList: [{ packageCode: "TOPUP_CKH491" }] },
      after: (answer: Answer) => Effect.sync(() => assert.deepStrictEqual(codesOf(answer), ["TOPUP_CKH491"]))
    })),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP with a day pass's iccid: only day-pass top-ups",
    step: Effect.map(newProfile("PJCB7UMFE", { periodNum: 2 }), (p) => ({
      path: "package/list",
      body: { type: "TOPUP", iccid: p.iccid },
      obj: { packageList: [{ packageCode: "TOPUP_PJCB7UMFE", dataType: 2, supportTopUpType: 3 }] }
    })),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP with an unknown iccid: an empty list",
    step: request({
      path: "package/list",
      body: { type: "TOPUP", iccid: "89000000000000009999" },
      obj: { packageList: [] }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list type TOPUP for a plan without top-ups (supportTopUpType 1): an empty list",
    options: { catalogue: "full" },
    step: Effect.gen(function*() {
      const simulator = yield* Simulator.Simulator
      const noTopUp = simulator.catalogue.find((p) => p.supportTopUpType === 1)!
      return {
        path: "package/list",
        body: { type: "TOPUP", packageCode: noTopUp.packageCode },
        obj: { packageList: [] }
      }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list slug: one package",
    step: request({
      path: "package/list",
      body: { slug: "GE_500M_1" },
      obj: { packageList: [{ packageCode: "PJCB7UMFE" }] }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list dataType \"2\": day passes only",
    step: request({
      path: "package/list",
      body: { dataType: "2" },
      obj: { packageList: [{ packageCode: "PJCB7UMFE", dataType: 2, duration: 1, volume: daily }] }
    }),
    ...ok
  },
  {
    name: "§2.1 package/list dataType \"1\": fixed plans only",
    step: request({
      path: "package/list",
      body: { dataType: "1" },
      obj: { packageList: [{ packageCode: "CKH002", dataType: 1 }, { packageCode: "CKH491", dataType: 1 }] }
    }),
    ...ok
  }
]

const orders: ReadonlyArray<Rule> = [
  {
    name: "§2.2 esim/order: the fixture's order is placed and debited price × count (§6)",
    step: request({
      path: "esim/order",
      body: fixture("esim_order.request.json"),
      obj: { orderNo: expect.stringMatching(/^B\d{14}$/), transactionId: "txn_demo_0001" },
      after: () => Effect.map(balance, (b) => assert.strictEqual(b, startBalance - 2 * 18_000))
    }),
    ...ok
  },
  {
    name: "§2.2 esim/order 200005: a line's price differs from the catalogue; nothing charged",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-price", packageInfoList: [{ packageCode: "CKH002", count: 1, price: 17_999 }] },
      after: () => unchanged
    }),
    ...failed("200005")
  },
  {
    name: "§2.2 esim/order 200006: amount is not Σ price × count; nothing charged",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-amount", amount: 18_000, packageInfoList: [{ packageCode: "CKH002", count: 2 }] },
      after: () => unchanged
    }),
    ...failed("200006")
  },
  {
    name: "§2.2 esim/order 200007: the balance is insufficient; nothing charged",
    options: { balance: 17_999 },
    step: request({
      path: "esim/order",
      body: { transactionId: "t-poor", packageInfoList: [{ packageCode: "CKH002", count: 1 }] },
      after: () => Effect.map(balance, (b) => assert.strictEqual(b, 17_999))
    }),
    ...failed("200007")
  },
  {
    name: "§2.2 esim/order: exactly 30 eSIMs over two lines is one batch",
    step: request({
      path: "esim/order",
      body: {
        transactionId: "t-30",
        amount: 30 * 18_000,
        packageInfoList: [{ packageCode: "CKH002", count: 10 }, { packageCode: "ES_3_30", count: 20, price: 18_000 }]
      },
      obj: { transactionId: "t-30" }
    }),
    ...ok
  },
  {
    name: "§2.2 esim/order: more than 30 eSIMs in one order (two lines, 15 + 16) is refused (200008 [?])",
    step: request({
      path: "esim/order",
      body: {
        transactionId: "t-31",
        packageInfoList: [{ packageCode: "CKH002", count: 15 }, { packageCode: "CKH491", count: 16 }]
      },
      after: () => unchanged
    }),
    ...failed("200008")
  },
  {
    name: "§2.2 esim/order: a day pass without periodNum is 000105",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-dp", packageInfoList: [{ packageCode: "GE_500M_1", count: 1 }] },
      after: () => unchanged
    }),
    ...failed("000105")
  },
  {
    name: "§2.2 esim/order: a day pass with periodNum 0 (1 to 365) is refused",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-dp0", packageInfoList: [{ packageCode: "GE_500M_1", count: 1, periodNum: 0 }] },
      after: () => unchanged
    }),
    ...failed("400001")
  },
  {
    name: "§2.2 esim/order: a day pass with periodNum 366 is refused",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-dp366", packageInfoList: [{ packageCode: "GE_500M_1", count: 1, periodNum: 366 }] },
      after: () => unchanged
    }),
    ...failed("400001")
  },
  {
    name:
      "§2.2 esim/order: a day pass for 7 days costs 7 daily prices (§6 [?]); its profile holds 7 daily allowances and 7 days, and so does its packageList entry",
    step: request({
      path: "esim/order",
      body: { ...(fixture("esim_order.daypass.request.json") as Json), amount: 7 * 9_000 },
      after: (answer) =>
        Effect.gen(function*() {
          assert.strictEqual(yield* balance, startBalance - 63_000)
          yield* TestClock.adjust("5 seconds")
          const listed = yield* call("esim/query", { orderNo: objOf(answer)["orderNo"], pager })
          expect(listOf(listed, "esimList")).toMatchObject([{
            dataType: 2,
            totalVolume: 7 * daily,
            totalDuration: 7,
            packageList: [{ packageCode: "PJCB7UMFE", slug: "GE_500M_1", volume: 7 * daily, duration: 7 }]
          }])
        })
    }),
    ...ok
  },
  {
    name: "§6 esim/order: the same transactionId again replays the original orderNo and charges once",
    step: Effect.gen(function*() {
      const body = { transactionId: "t-same", packageInfoList: [{ packageCode: "CKH002", count: 1 }] }
      const first = objOf(yield* call("esim/order", body))
      return {
        path: "esim/order",
        // even with other lines: the same transactionId is the same request
        body: { ...body, packageInfoList: [{ packageCode: "CKH491", count: 3 }] },
        obj: first,
        after: () =>
          Effect.gen(function*() {
            assert.strictEqual(yield* balance, startBalance - 18_000)
            assert.strictEqual((yield* (yield* Simulator.Simulator).state).orders.length, 1)
          })
      }
    }),
    ...ok
  },
  {
    name: "§6 esim/order with the 310402 option: the same transactionId is refused, charged once",
    options: { duplicateTransactionId: "error" },
    step: Effect.gen(function*() {
      const body = fixture("esim_order.request.json")
      expect((yield* call("esim/order", body)).json).toMatchObject({ success: true })
      return {
        path: "esim/order",
        body,
        after: (answer: Answer) =>
          Effect.gen(function*() {
            expect(answer.json).toMatchObject({
              errorCode: (fixture("error.310402.duplicate_transaction.esim_order.json") as Json)["errorCode"]
            })
            assert.strictEqual(yield* balance, startBalance - 36_000)
          })
      }
    }),
    ...failed("310402")
  },
  {
    name: "§2.2 esim/order: a transactionId of 50 emoji is 50 utf8mb4 characters (100 UTF-16 units): accepted",
    step: request({
      path: "esim/order",
      body: { transactionId: emoji(50), packageInfoList: [{ packageCode: "CKH002", count: 1 }] },
      obj: { transactionId: emoji(50) }
    }),
    ...ok
  },
  {
    name: "§2.2 esim/order: a transactionId of 26 emoji (52 UTF-16 units, 26 characters): accepted",
    step: request({
      path: "esim/order",
      body: { transactionId: emoji(26), packageInfoList: [{ packageCode: "CKH002", count: 1 }] },
      obj: { transactionId: emoji(26) }
    }),
    ...ok
  },
  {
    name: "§2.2 esim/order: a transactionId of 51 emoji is over 50 characters: 000107",
    step: request({
      path: "esim/order",
      body: { transactionId: emoji(51), packageInfoList: [{ packageCode: "CKH002", count: 1 }] },
      after: () => unchanged
    }),
    ...failed("000107")
  },
  {
    name: "§2.2 esim/order: an unknown packageCode is 310241",
    step: request({
      path: "esim/order",
      body: { transactionId: "t-nope", packageInfoList: [{ packageCode: "NOPE", count: 1 }] },
      after: () => unchanged
    }),
    ...failed("310241")
  }
]

const queries: ReadonlyArray<Rule> = [
  {
    name: "§2.3 esim/query by esimTranNo (unused ids as \"\"): that profile",
    step: Effect.map(newProfile("CKH002"), (p) => ({
      path: "esim/query",
      body: { orderNo: "", iccid: "", esimTranNo: p.esimTranNo, pager: { pageNum: 1, pageSize: 20 } },
      obj: {
        esimList: [{
          esimTranNo: p.esimTranNo,
          iccid: p.iccid,
          esimStatus: "GOT_RESOURCE",
          smdpStatus: "RELEASED",
          eid: "",
          ac: expect.stringMatching(/^LPA:1\$[^$]+\$[0-9A-F]{32}$/),
          totalVolume: 3 * GiB,
          orderUsage: 0
        }],
        pager: { pageNum: 1, pageSize: 20, total: 1 }
      }
    })),
    ...ok
  },
  {
    name: "§2.3 esim/query by iccid: that profile",
    step: Effect.map(installed("CKH491"), (p) => ({
      path: "esim/query",
      body: { iccid: p.iccid, pager: { pageNum: 1, pageSize: 5 } },
      obj: {
        esimList: [{ esimTranNo: p.esimTranNo, iccid: p.iccid, esimStatus: "IN_USE", smdpStatus: "ENABLED" }],
        pager: { total: 1 }
      }
    })),
    ...ok
  },
  {
    name: "§2.3 esim/query by an unknown esimTranNo: an empty list [?]",
    step: request({
      path: "esim/query",
      body: { esimTranNo: "99999999999999", pager: { pageNum: 1, pageSize: 5 } },
      obj: { esimList: [], pager: { total: 0 } }
    }),
    ...ok
  },
  {
    name: "§2.3 esim/query by orderNo while allocating: 200010, the live message",
    step: Effect.map(call("esim/order", fixture("esim_order.request.json")), (placed) => ({
      path: "esim/query",
      body: { orderNo: objOf(placed)["orderNo"], pager },
      after: (answer: Answer) =>
        Effect.sync(() =>
          assert.strictEqual(
            answer.json?.["errorMsg"],
            "the batchOrder has been getting resource, total:[2], success:[0]"
          )
        )
    })),
    ...failed("200010")
  },
  {
    name: "§2.3 esim/query by an unknown orderNo: 310272",
    step: request({ path: "esim/query", body: fixture("esim_query.request.json") }),
    ...failed("310272")
  },
  {
    name: "§2.3 esim/query by time range (request time format of the docs' example): only the orders in range",
    step: Effect.gen(function*() {
      const first = yield* ordered("CKH002", 2) // at 17:00
      yield* TestClock.adjust("1 hour")
      yield* ordered("CKH491", 1) // at 18:00
      return {
        path: "esim/query",
        body: {
          orderNo: "",
          iccid: "",
          esimTranNo: "",
          startTime: "2026-04-22T16:59+00:00",
          endTime: "2026-04-22T17:30+00:00",
          pager: { pageNum: 1, pageSize: 20 }
        },
        obj: {
          esimList: first.map((p) => ({ esimTranNo: p.esimTranNo })),
          pager: { pageNum: 1, pageSize: 20, total: 2 }
        },
        after: () =>
          Effect.gen(function*() {
            // an open-ended range from 17:30: only the later order
            const later = yield* call("esim/query", { startTime: "2026-04-22T17:30:00+0000", pager })
            expect(objOf(later)).toMatchObject({ esimList: [{ totalVolume: GiB }], pager: { total: 1 } })
          })
      }
    }),
    ...ok
  },
  {
    name: "§2.3 esim/query page 2 of an order of 7 at pageSize 5: the last 2, total 7",
    step: Effect.gen(function*() {
      const all = yield* ordered("CKH002", 7)
      assert.strictEqual(all.length, 7)
      const orderNo = (yield* (yield* Simulator.Simulator).state).orders[0]!.orderNo
      return {
        path: "esim/query",
        body: { orderNo, iccid: "", esimTranNo: "", pager: { pageNum: 2, pageSize: 5 } },
        obj: {
          esimList: all.slice(5).map((p) => ({ esimTranNo: p.esimTranNo })),
          pager: { pageNum: 2, pageSize: 5, total: 7 }
        }
      }
    }),
    ...ok
  },
  {
    name: "§2.3 esim/query without a pager: 000105",
    step: request({ path: "esim/query", body: { esimTranNo: "1" } }),
    ...failed("000105")
  },
  {
    name: "§2.3 esim/query pager.pageNum 0 (1 to 10000): 000107",
    step: request({ path: "esim/query", body: { esimTranNo: "1", pager: { pageNum: 0, pageSize: 5 } } }),
    ...failed("000107")
  },
  {
    name: "§2.3 esim/query pager.pageNum 10001: 000107",
    step: request({ path: "esim/query", body: { esimTranNo: "1", pager: { pageNum: 10_001, pageSize: 5 } } }),
    ...failed("000107")
  },
  {
    name: "§2.3 esim/query pager.pageSize 4 (5 to 500): 000107",
    step: request({ path: "esim/query", body: { esimTranNo: "1", pager: { pageNum: 1, pageSize: 4 } } }),
    ...failed("000107")
  },
  {
    name: "§2.3 esim/query pager.pageSize 501: 000107",
    step: request({ path: "esim/query", body: { esimTranNo: "1", pager: { pageNum: 1, pageSize: 501 } } }),
    ...failed("000107")
  },
  {
    name: "§2.3 esim/query pager without pageSize: 000105",
    step: request({ path: "esim/query", body: { esimTranNo: "1", pager: { pageNum: 1 } } }),
    ...failed("000105")
  }
]

/** The profile's status after the call, as esim/query shows it. */
const statusIs = (esimTranNo: string, esimStatus: string, smdpStatus?: string) => () =>
  Effect.map(queried(esimTranNo), (p) => {
    assert.strictEqual(p.esimStatus, esimStatus)
    if (smdpStatus !== undefined) assert.strictEqual(p.smdpStatus, smdpStatus)
  })

const lifecycle: ReadonlyArray<Rule> = [
  {
    name: "§2.5 esim/suspend an installed profile: SUSPENDED",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/suspend",
      body: { esimTranNo: p.esimTranNo },
      obj: {},
      after: statusIs(p.esimTranNo, "SUSPENDED")
    })),
    ...ok
  },
  {
    name: "§2.5 esim/suspend by iccid",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/suspend",
      body: { iccid: p.iccid, esimTranNo: "" },
      after: statusIs(p.esimTranNo, "SUSPENDED")
    })),
    ...ok
  },
  {
    name: "§2.5 esim/suspend a New profile (only activated eSIMs): 200002",
    step: Effect.map(newProfile("CKH002"), (p) => ({
      path: "esim/suspend",
      body: { esimTranNo: p.esimTranNo },
      after: statusIs(p.esimTranNo, "GOT_RESOURCE", "RELEASED")
    })),
    ...failed("200002")
  },
  {
    name: "§2.5 esim/suspend an already suspended profile: 200002",
    step: Effect.map(suspended("CKH002"), (p) => ({ path: "esim/suspend", body: { esimTranNo: p.esimTranNo } })),
    ...failed("200002")
  },
  {
    name: "§2.6 esim/unsuspend: back to the status before (IN_USE)",
    step: Effect.map(suspended("CKH002"), (p) => ({
      path: "esim/unsuspend",
      body: { esimTranNo: p.esimTranNo },
      obj: {},
      after: statusIs(p.esimTranNo, "IN_USE", "ENABLED")
    })),
    ...ok
  },
  {
    name: "§2.6 esim/unsuspend a profile that is not suspended: 200002",
    step: Effect.map(installed("CKH002"), (p) => ({ path: "esim/unsuspend", body: { esimTranNo: p.esimTranNo } })),
    ...failed("200002")
  },
  {
    name: "§2.7 esim/revoke an installed profile: REVOKED / DELETED, not refunded (§6)",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/revoke",
      body: { ...(fixture("esim_revoke.request.json") as Json), esimTranNo: p.esimTranNo },
      obj: {},
      after: () =>
        Effect.gen(function*() {
          yield* statusIs(p.esimTranNo, "REVOKED", "DELETED")()
          assert.strictEqual(yield* balance, startBalance - 18_000)
        })
    })),
    ...ok
  },
  {
    name: "§2.7 esim/revoke a suspended profile (activated): REVOKED",
    step: Effect.map(suspended("CKH002"), (p) => ({
      path: "esim/revoke",
      body: { iccid: p.iccid },
      after: statusIs(p.esimTranNo, "REVOKED")
    })),
    ...ok
  },
  {
    name: "§2.7 esim/revoke a used-up profile (activated): REVOKED",
    step: Effect.map(usedUp("CKH002"), (p) => ({
      path: "esim/revoke",
      body: { esimTranNo: p.esimTranNo },
      after: statusIs(p.esimTranNo, "REVOKED")
    })),
    ...ok
  },
  {
    name: "§2.7 esim/revoke a New profile (not active: cancel it for a refund, §2.4): 200002, unchanged",
    step: Effect.map(newProfile("CKH002"), (p) => ({
      path: "esim/revoke",
      body: { esimTranNo: p.esimTranNo },
      after: () =>
        Effect.gen(function*() {
          yield* statusIs(p.esimTranNo, "GOT_RESOURCE", "RELEASED")()
          // and it can still be cancelled and refunded
          expect((yield* call("esim/cancel", { esimTranNo: p.esimTranNo })).json).toMatchObject({ success: true })
          assert.strictEqual(yield* balance, startBalance)
        })
    })),
    ...failed("200002")
  },
  {
    name: "§2.7 esim/revoke twice: 200002",
    step: Effect.gen(function*() {
      const p = yield* installed("CKH002")
      expect((yield* call("esim/revoke", { esimTranNo: p.esimTranNo })).json).toMatchObject({ success: true })
      return { path: "esim/revoke", body: { esimTranNo: p.esimTranNo } }
    }),
    ...failed("200002")
  },
  {
    name: "§2.4 esim/cancel a New profile: CANCEL, the price refunded (§6)",
    step: Effect.map(newProfile("CKH002"), (p) => ({
      path: "esim/cancel",
      body: { esimTranNo: p.esimTranNo, iccid: "" },
      obj: {},
      after: () =>
        Effect.gen(function*() {
          yield* statusIs(p.esimTranNo, "CANCEL")()
          assert.strictEqual(yield* balance, startBalance)
        })
    })),
    ...ok
  },
  {
    name: "§2.4 esim/cancel an installed profile (not GOT_RESOURCE / RELEASED): 200002, no refund",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/cancel",
      body: { esimTranNo: p.esimTranNo },
      after: () =>
        Effect.gen(function*() {
          yield* statusIs(p.esimTranNo, "IN_USE")()
          assert.strictEqual(yield* balance, startBalance - 18_000)
        })
    })),
    ...failed("200002")
  },
  {
    name: "§2.4 esim/cancel twice: 200002, refunded once",
    step: Effect.gen(function*() {
      const p = yield* newProfile("CKH002")
      yield* call("esim/cancel", { esimTranNo: p.esimTranNo })
      return {
        path: "esim/cancel",
        body: { esimTranNo: p.esimTranNo },
        after: () => Effect.map(balance, (b) => assert.strictEqual(b, startBalance))
      }
    }),
    ...failed("200002")
  },
  {
    name: "§2.4 esim/cancel an unknown profile: 310403 [?]",
    step: request({ path: "esim/cancel", body: { esimTranNo: "99999999999999" } }),
    ...failed("310403")
  }
]

const topUps: ReadonlyArray<Rule> = [
  {
    name: "§2.9 esim/topup (amount as a numeric string): cumulative volume and days, the new expiry, debited",
    step: Effect.gen(function*() {
      const p = yield* installed("CKH002")
      const activated = yield* Clock.currentTimeMillis
      return {
        path: "esim/topup",
        body: { ...(fixture("esim_topup.request.json") as Json), esimTranNo: p.esimTranNo },
        obj: {
          transactionId: "txn_demo_topup_0001",
          iccid: p.iccid,
          totalVolume: 6 * GiB,
          totalDuration: 60,
          orderUsage: 0,
          topUpEsimTranNo: expect.stringMatching(/^\d{14}$/),
          expiredTime: DateTime.formatIso(DateTime.makeUnsafe(activated + 60 * 86_400_000)).replace(
            /\.\d{3}Z$/,
            "+0000"
          )
        },
        after: () =>
          Effect.gen(function*() {
            assert.strictEqual(yield* balance, startBalance - 2 * 18_000)
            const profile = yield* call("esim/query", { esimTranNo: p.esimTranNo, pager })
            expect(listOf(profile, "esimList")[0]).toMatchObject({
              totalVolume: 6 * GiB,
              packageList: [{ packageCode: "CKH002" }, { packageCode: "TOPUP_CKH002", volume: 3 * GiB, duration: 30 }]
            })
          })
      }
    }),
    ...ok
  },
  {
    name: "§2.9 esim/topup by iccid with the slug: accepted",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/topup",
      body: { iccid: p.iccid, packageCode: "ES_3_30", transactionId: "tu-slug" },
      obj: { iccid: p.iccid, totalVolume: 6 * GiB }
    })),
    ...ok
  },
  {
    name: "§2.9 esim/topup a New profile: allowed; its install deadline stays",
    step: Effect.map(newProfile("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-new" },
      obj: { totalVolume: 6 * GiB, totalDuration: 60 },
      after: statusIs(p.esimTranNo, "GOT_RESOURCE", "RELEASED")
    })),
    ...ok
  },
  {
    name: "§2.9 esim/topup a used-up profile: allowed, back IN_USE",
    step: Effect.map(usedUp("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-up" },
      obj: { totalVolume: 6 * GiB, orderUsage: 3 * GiB },
      after: statusIs(p.esimTranNo, "IN_USE")
    })),
    ...ok
  },
  {
    name: "§2.9 esim/topup after expiry: 200002, nothing charged",
    step: Effect.map(expired("CKH002"), (p) => {
      assert.strictEqual(p.esimStatus, "USED_EXPIRED")
      return {
        path: "esim/topup",
        body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-exp" },
        after: () => Effect.map(balance, (b) => assert.strictEqual(b, startBalance - 18_000))
      }
    }),
    ...failed("200002")
  },
  {
    name: "§2.9 esim/topup amount that is not the price: 200006",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-amt", amount: "1" }
    })),
    ...failed("200006")
  },
  {
    name: "§2.9 esim/topup with too little balance: 200007",
    options: { balance: 18_000 },
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-poor" }
    })),
    ...failed("200007")
  },
  {
    name: "§2.9 esim/topup not area-matched (a North America top-up on Spain): 310243",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH491", transactionId: "tu-area" }
    })),
    ...failed("310243")
  },
  {
    name: "§2.9 esim/topup an unknown top-up package: 310241",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_NOPE", transactionId: "tu-nope" }
    })),
    ...failed("310241")
  },
  {
    name: "§2.9 esim/topup a plan with supportTopUpType 1: 200002",
    options: { catalogue: "full" },
    step: Effect.gen(function*() {
      const catalogue = (yield* Simulator.Simulator).catalogue
      const base = catalogue.find((p) =>
        p.supportTopUpType === 1 && p.dataType === 1 &&
        catalogue.some((q) => q.locationCode === p.locationCode && q.supportTopUpType === 2 && q.dataType === 1)
      )!
      const sameArea = catalogue.find((q) =>
        q.locationCode === base.locationCode && q.supportTopUpType === 2 && q.dataType === 1
      )!
      const p = yield* installed(base.packageCode)
      return {
        path: "esim/topup",
        body: { esimTranNo: p.esimTranNo, packageCode: `TOPUP_${sameArea.packageCode}`, transactionId: "tu-type1" }
      }
    }),
    ...failed("200002")
  },
  {
    name: "§2.9 esim/topup an unknown profile: 310403 [?]",
    step: request({
      path: "esim/topup",
      body: { esimTranNo: "99999999999999", packageCode: "TOPUP_CKH002", transactionId: "tu-who" }
    }),
    ...failed("310403")
  },
  {
    name: "§2.9 esim/topup a day pass without periodNum (supportTopUpType 3, §5.4): 000105, nothing charged",
    step: Effect.map(installed("PJCB7UMFE", { periodNum: 2 }), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_PJCB7UMFE", transactionId: "tu-dp" },
      after: () =>
        Effect.gen(function*() {
          assert.strictEqual(yield* balance, startBalance - 2 * 9_000)
          assert.strictEqual((yield* queried(p.esimTranNo)).totalDuration, 2)
        })
    })),
    ...failed("000105")
  },
  {
    name: "§2.9 esim/topup a day pass with periodNum 0: refused",
    step: Effect.map(installed("PJCB7UMFE", { periodNum: 2 }), (p) => ({
      path: "esim/topup",
      body: { esimTranNo: p.esimTranNo, packageCode: "TOPUP_PJCB7UMFE", transactionId: "tu-dp0", periodNum: 0 }
    })),
    ...failed("400001")
  },
  {
    name: "§2.9 esim/topup a day pass by 3 days (periodNum as a string): 3 daily prices, allowances and days",
    step: Effect.map(installed("PJCB7UMFE", { periodNum: 2 }), (p) => ({
      path: "esim/topup",
      body: {
        esimTranNo: p.esimTranNo,
        packageCode: "TOPUP_PJCB7UMFE",
        transactionId: "tu-dp3",
        periodNum: "3",
        amount: "27000"
      },
      obj: { totalVolume: 5 * daily, totalDuration: 5 },
      after: () =>
        Effect.gen(function*() {
          assert.strictEqual(yield* balance, startBalance - 2 * 9_000 - 27_000)
          const profile = yield* call("esim/query", { esimTranNo: p.esimTranNo, pager })
          // one entry per package, each what it added: they sum to totalVolume and totalDuration
          expect(listOf(profile, "esimList")[0]).toMatchObject({
            packageList: [
              { packageCode: "PJCB7UMFE", volume: 2 * daily, duration: 2 },
              { packageCode: "TOPUP_PJCB7UMFE", volume: 3 * daily, duration: 3 }
            ]
          })
        })
    })),
    ...ok
  },
  {
    name: "§6 esim/topup the same transactionId again: the same answer, charged once",
    step: Effect.gen(function*() {
      const p = yield* installed("CKH002")
      const body = { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-same" }
      const first = objOf(yield* call("esim/topup", body))
      return {
        path: "esim/topup",
        body,
        obj: first,
        after: () => Effect.map(balance, (b) => assert.strictEqual(b, startBalance - 2 * 18_000))
      }
    }),
    ...ok
  },
  {
    name: "§6 esim/topup with the 310402 option: the same transactionId is refused, charged once",
    options: { duplicateTransactionId: "error" },
    step: Effect.gen(function*() {
      const p = yield* installed("CKH002")
      const body = { esimTranNo: p.esimTranNo, packageCode: "TOPUP_CKH002", transactionId: "tu-dup" }
      expect((yield* call("esim/topup", body)).json).toMatchObject({ success: true })
      return {
        path: "esim/topup",
        body,
        after: () => Effect.map(balance, (b) => assert.strictEqual(b, startBalance - 2 * 18_000))
      }
    }),
    ...failed("310402")
  }
]

/** The SMS the simulator kept. */
const smsSent = Effect.flatMap(Simulator.Simulator, (s) => s.state).pipe(
  Effect.map((state) => state.sms.map((m) => [m.esimTranNo, m.message]))
)

const sms: ReadonlyArray<Rule> = [
  {
    name: "§2.12 esim/sendSms to an installed profile whose plan has smsStatus 1: sent, free",
    step: Effect.map(installed("CKH491"), (p) => ({
      path: "esim/sendSms",
      body: { ...(fixture("esim_sendSms.request.json") as Json), esimTranNo: p.esimTranNo },
      obj: {},
      after: () =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* smsSent, [[p.esimTranNo, "Welcome! Your data plan is active."]])
          assert.strictEqual(yield* balance, startBalance - 57_000)
        })
    })),
    ...ok
  },
  {
    name: "§2.12 esim/sendSms by iccid, 500 emoji (500 characters, 1000 UTF-16 units): sent",
    step: Effect.map(installed("CKH491"), (p) => ({
      path: "esim/sendSms",
      body: { iccid: p.iccid, message: emoji(500) },
      after: () => Effect.map(smsSent, (sent) => assert.deepStrictEqual(sent, [[p.esimTranNo, emoji(500)]]))
    })),
    ...ok
  },
  {
    name: "§2.12 esim/sendSms 501 emoji: over 500 characters, 000107",
    step: Effect.map(installed("CKH491"), (p) => ({
      path: "esim/sendSms",
      body: { esimTranNo: p.esimTranNo, message: emoji(501) },
      after: () => Effect.map(smsSent, (sent) => assert.deepStrictEqual(sent, []))
    })),
    ...failed("000107")
  },
  {
    name: "§2.12 esim/sendSms to a New (not installed) profile: 200002",
    step: Effect.map(newProfile("CKH491"), (p) => ({
      path: "esim/sendSms",
      body: { esimTranNo: p.esimTranNo, message: "hi" },
      after: () => Effect.map(smsSent, (sent) => assert.deepStrictEqual(sent, []))
    })),
    ...failed("200002")
  },
  {
    name: "§2.12 esim/sendSms to a plan without SMS (smsStatus 0): 200002",
    step: Effect.map(installed("CKH002"), (p) => ({
      path: "esim/sendSms",
      body: { esimTranNo: p.esimTranNo, message: "hi" }
    })),
    ...failed("200002")
  },
  {
    name: "§2.12 esim/sendSms without a message: 000105",
    step: Effect.map(installed("CKH491"), (p) => ({ path: "esim/sendSms", body: { esimTranNo: p.esimTranNo } })),
    ...failed("000105")
  },
  {
    name: "§2.12 esim/sendSms with an empty message: 000106",
    step: Effect.map(installed("CKH491"), (p) => ({
      path: "esim/sendSms",
      body: { esimTranNo: p.esimTranNo, message: "" }
    })),
    ...failed("000106")
  }
]

const usage: ReadonlyArray<Rule> = [
  {
    name: "§2.13 esim/usage/query one id: used and total bytes, lastUpdateTime when usage was last settled",
    step: Effect.gen(function*() {
      const p = yield* installed("CKH002") // allocated and installed at 17:00:05
      yield* TestClock.adjust("1 hour")
      yield* (yield* Simulator.Simulator).consume({ esimTranNo: p.esimTranNo }, 512 * MiB)
      return {
        path: "esim/usage/query",
        body: { esimTranNoList: [p.esimTranNo] },
        obj: {
          esimUsageList: [{
            esimTranNo: p.esimTranNo,
            dataUsage: 512 * MiB,
            totalData: 3 * GiB,
            lastUpdateTime: "2026-04-22T18:00:05+0000"
          }]
        }
      }
    }),
    ...ok
  },
  {
    name: "§2.13 esim/usage/query ten ids (the maximum), in request order; an unknown one left out",
    step: Effect.gen(function*() {
      const profiles = yield* ordered("CKH002", 9)
      const ids = [...profiles.map((p) => p.esimTranNo).reverse(), "99999999999999"]
      return {
        path: "esim/usage/query",
        body: { esimTranNoList: ids },
        obj: {
          esimUsageList: ids.slice(0, 9).map((esimTranNo) => ({
            esimTranNo,
            dataUsage: 0,
            totalData: 3 * GiB,
            lastUpdateTime: "2026-04-22T17:00:05+0000"
          }))
        }
      }
    }),
    ...ok
  },
  {
    name: "§2.13 esim/usage/query eleven ids: 000107",
    step: request({
      path: "esim/usage/query",
      body: { esimTranNoList: Array.from({ length: 11 }, (_, i) => `2604221700${String(i).padStart(4, "0")}`) }
    }),
    ...failed("000107")
  },
  {
    name: "§2.13 esim/usage/query an empty list: 000106",
    step: request({ path: "esim/usage/query", body: { esimTranNoList: [] } }),
    ...failed("000106")
  }
]

const locations: ReadonlyArray<Rule> = [
  {
    name: "§2.14 location/list (empty body, §1.2): every location a package covers, regions with their countries",
    step: request({
      path: "location/list",
      body: "",
      obj: {
        locationList: [
          { code: "ES", name: "Spain", type: 1 },
          { code: "GE", type: 1 },
          {
            code: "NA-3",
            name: "North America",
            type: 2,
            subLocationList: expect.arrayContaining([{ code: "US", name: "United States" }, {
              code: "CA",
              name: "Canada"
            }, { code: "MX", name: "Mexico" }])
          }
        ]
      }
    }),
    ...ok
  },
  {
    name:
      "§2.14 location/list ({} body) over the full catalogue: 150+ locations, countries (type 1) and regions (type 2)",
    options: { catalogue: "full" },
    step: request({
      path: "location/list",
      body: {},
      after: (answer) =>
        Effect.sync(() => {
          const list = listOf(answer, "locationList")
          assert.isAbove(list.length, 150)
          assert.isTrue(list.some((l) => l["type"] === 1) && list.some((l) => l["type"] === 2))
          for (const l of list.filter((l) => l["type"] === 2)) {
            assert.isAbove((l["subLocationList"] as ReadonlyArray<unknown>).length, 1, String(l["code"]))
          }
        })
    }),
    ...ok
  }
]

const webhooks: ReadonlyArray<Rule> = [
  {
    name: "§2.10 webhook/save a URL answering 200 to CHECK_HEALTH: saved, webhook/query shows it (§2.11)",
    step: Effect.map(hookServer(200), (url) => ({
      path: "webhook/save",
      body: { webhook: url },
      obj: {},
      after: () =>
        Effect.gen(function*() {
          expect((yield* call("webhook/query", "")).json).toMatchObject({ success: true, obj: { webhook: url } })
          yield* (yield* Simulator.Simulator).flush
          const deliveries = yield* (yield* Simulator.Simulator).deliveries
          assert.deepStrictEqual(deliveries.map((d) => [d.notifyType, d.url, d.status]), [["CHECK_HEALTH", url, 200]])
        })
    })),
    ...ok
  },
  {
    name: "§2.10 webhook/save a URL answering 500: not saved (400001 [?]), webhook/query still has none",
    step: Effect.map(hookServer(500), (url) => ({
      path: "webhook/save",
      body: { webhook: url },
      after: () =>
        Effect.map(
          call("webhook/query", {}),
          (answer) => expect(answer.json).toMatchObject({ success: true, obj: { webhook: null } })
        )
    })),
    ...failed("400001")
  },
  {
    name: "§2.10 webhook/save a URL nothing listens on: not saved; the URL saved before stays",
    step: Effect.gen(function*() {
      const good = yield* hookServer(200)
      expect((yield* call("webhook/save", { webhook: good })).json).toMatchObject({ success: true })
      return {
        path: "webhook/save",
        body: { webhook: "http://127.0.0.1:1/esim-access/webhook" },
        after: () =>
          Effect.map(
            call("webhook/query", {}),
            (answer) => expect(answer.json).toMatchObject({ success: true, obj: { webhook: good } })
          )
      }
    }),
    ...failed("400001")
  },
  {
    name: "§2.10 webhook/save a URL answering 302 (not 200): not saved",
    step: Effect.map(hookServer(302), (url) => ({
      path: "webhook/save",
      body: { webhook: url },
      after: () =>
        Effect.map(call("webhook/query", {}), (answer) => expect(objOf(answer)).toMatchObject({ webhook: null }))
    })),
    ...failed("400001")
  },
  {
    name: "§2.11 webhook/query with none saved: obj.webhook null",
    step: request({ path: "webhook/query", body: "", obj: { webhook: null } }),
    ...ok
  }
]

const tables: ReadonlyArray<readonly [string, ReadonlyArray<Rule>]> = [
  ["package/list", packageList],
  ["esim/order", orders],
  ["esim/query", queries],
  ["suspend, unsuspend, revoke, cancel", lifecycle],
  ["esim/topup", topUps],
  ["esim/sendSms", sms],
  ["esim/usage/query", usage],
  ["location/list", locations],
  ["webhook/save and webhook/query", webhooks]
]

const check = (rule: Rule) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const step = yield* rule.step
    const answer = yield* call(step.path, step.body)
    assert.strictEqual(answer.status, rule.status ?? 200, answer.text)
    assert.strictEqual(answer.headers.get("content-type"), "application/json")
    expect(answer.json, answer.text).toMatchObject({ success: rule.success, errorCode: rule.errorCode })
    if (!rule.success) {
      // a failure carries its message and no payload (§1.4)
      assert.isNotEmpty(answer.json?.["errorMsg"], answer.text)
      assert.strictEqual(answer.json?.["obj"], null, answer.text)
    }
    if (step.obj !== undefined) expect(answer.json?.["obj"], answer.text).toMatchObject(step.obj as object)
    if (step.after !== undefined) yield* step.after(answer)
  }).pipe(Effect.provide(served(rule.options)))

describe("Simulator rules over raw HTTP", () => {
  for (const [name, rules] of tables) {
    describe(name, () => {
      it.effect.each(rules)("$name", check)
    })
  }

  it.effect("the Latency fault: the answer waits on the Clock, then is the normal one; the next request is prompt", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const simulator = yield* Simulator.Simulator
      yield* simulator.injectFault({ _tag: "Latency", duration: "10 minutes" }, { path: "esim/order" })
      const fiber = yield* Effect.forkChild(call("esim/order", fixture("esim_order.request.json")))
      // the request reaches the server in real time; virtual time moves a minute per real millisecond meanwhile
      let steps = 0
      while (fiber.pollUnsafe() === undefined) {
        if (++steps > 1_000) assert.fail("the delayed order never answered")
        yield* TestClock.withLive(Effect.sleep("1 millis"))
        yield* TestClock.adjust("1 minute")
      }
      const answer = yield* Fiber.join(fiber)
      expect(answer.json).toMatchObject({ success: true, errorCode: "0", obj: { transactionId: "txn_demo_0001" } })
      // carried out after the latency: at least 10 virtual minutes after the request was sent
      const [placed] = (yield* simulator.state).orders
      assert.isAtLeast(DateTime.toEpochMillis(placed!.createTime) - start, 10 * 60_000)
      // the fault hit one request: the next is answered at once, with no time passing
      const before = yield* Clock.currentTimeMillis
      expect((yield* call("balance/query")).json).toMatchObject({
        success: true,
        obj: { balance: startBalance - 36_000 }
      })
      assert.strictEqual(yield* Clock.currentTimeMillis, before)
    }).pipe(Effect.provide(served())))
})
