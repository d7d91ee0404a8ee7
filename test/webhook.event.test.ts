import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { WebhookEvent } from "effect-esim-access"
import { fixture, fixtureJson, fixtures } from "./webhookHelpers.ts"

const decodeJson = (text: string) => WebhookEvent.decodeJson(text)
const decodeError = (body: unknown) => Effect.flip(WebhookEvent.decode(body))
const iso = (dt: DateTime.Utc) => DateTime.formatIso(dt)

const dataUsage = (content: Record<string, unknown>) => ({
  ...fixtureJson("DATA_USAGE"),
  content: { ...(fixtureJson("DATA_USAGE")["content"] as object), ...content }
})

describe("WebhookEvent: decoding", () => {
  it.effect("every fixture decodes to its tagged member", () =>
    Effect.gen(function*() {
      const tags: Record<string, string> = {}
      for (const f of fixtures) tags[f.name] = (yield* decodeJson(f.text))._tag
      assert.deepStrictEqual(tags, {
        "webhook.CHECK_HEALTH.json": "CheckHealth",
        "webhook.DATA_USAGE.json": "DataUsage",
        "webhook.ESIM_STATUS.cancel.json": "EsimStatus",
        "webhook.ESIM_STATUS.json": "EsimStatus",
        "webhook.ORDER_STATUS.json": "OrderStatus",
        "webhook.ORDER_STATUS.legacy.json": "OrderStatus",
        "webhook.SMDP_EVENT.json": "SmdpEvent",
        "webhook.VALIDITY_USAGE.json": "ValidityUsage"
      })
    }))

  it.effect("the current envelope: notifyId and eventGenerateTime as a UTC DateTime", () =>
    Effect.gen(function*() {
      const event = yield* decodeJson(fixture("ORDER_STATUS"))
      assert.strictEqual(event._tag, "OrderStatus")
      if (event._tag !== "OrderStatus") return
      assert.strictEqual(event.notifyId, "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
      assert.isTrue(event.eventGenerateTime !== undefined && DateTime.isUtc(event.eventGenerateTime))
      assert.strictEqual(iso(event.eventGenerateTime!), "2025-01-01T12:34:40.000Z")
      assert.deepStrictEqual(event.content, {
        orderNo: "B25010112340001",
        orderStatus: "GOT_RESOURCE",
        transactionId: "txn_demo_0001"
      })
    }))

  it.effect("the legacy envelope: no notifyId, no eventGenerateTime, no transactionId", () =>
    Effect.gen(function*() {
      const event = yield* decodeJson(fixture("ORDER_STATUS.legacy"))
      assert.strictEqual(event._tag, "OrderStatus")
      assert.isFalse("notifyId" in event)
      assert.isFalse("eventGenerateTime" in event)
      if (event._tag === "OrderStatus") assert.isFalse("transactionId" in event.content)
      const health = yield* WebhookEvent.decode({
        notifyType: "CHECK_HEALTH",
        content: { orderNo: "1234567890", orderStatus: "Test" }
      })
      assert.strictEqual(health._tag, "CheckHealth")
      const validity = yield* WebhookEvent.decode({
        notifyType: "VALIDITY_USAGE",
        content: fixtureJson("VALIDITY_USAGE")["content"]
      })
      assert.strictEqual(validity._tag, "ValidityUsage")
    }))

  it.effect("notifyId: null and eventGenerateTime: null decode as absent, in every member", () =>
    Effect.gen(function*() {
      for (const f of fixtures) {
        const body = { ...JSON.parse(f.text), notifyId: null, eventGenerateTime: null }
        const event = yield* WebhookEvent.decode(body)
        assert.isFalse("notifyId" in event, f.name)
        assert.isFalse("eventGenerateTime" in event, f.name)
        // and they are not written back as null
        const encoded = (yield* WebhookEvent.encode(event)) as Record<string, unknown>
        assert.isFalse("notifyId" in encoded, f.name)
        assert.isFalse("eventGenerateTime" in encoded, f.name)
      }
      const unknown = yield* WebhookEvent.decode({ notifyType: "NEW_THING", notifyId: null, content: {} })
      assert.strictEqual(unknown._tag, "Unknown")
      assert.isFalse("notifyId" in unknown)
      // other values of the wrong type are still rejected, naming the field
      assert.strictEqual((yield* decodeError({ ...fixtureJson("ORDER_STATUS"), notifyId: 7 })).path, "notifyId")
      assert.strictEqual(
        (yield* decodeError({ ...fixtureJson("ORDER_STATUS"), eventGenerateTime: "yesterday" })).path,
        "eventGenerateTime"
      )
    }))

  it.effect("every time spelling the API uses decodes to the same UTC instant", () =>
    Effect.gen(function*() {
      for (
        const spelling of [
          "2026-04-22T17:16:34Z",
          "2026-04-22T17:16:34+0000",
          "2026-04-22T17:16:34+00:00",
          "2026-04-22T19:16:34+0200"
        ]
      ) {
        const event = yield* WebhookEvent.decode({ ...fixtureJson("ORDER_STATUS"), eventGenerateTime: spelling })
        assert.strictEqual(
          iso(event._tag === "OrderStatus" ? event.eventGenerateTime! : DateTime.makeUnsafe(0)),
          "2026-04-22T17:16:34.000Z",
          spelling
        )
      }
    }))

  it.effect("DATA_USAGE: exact byte counts beyond 32 bits, numeric strings, remainThreshold as a fraction", () =>
    Effect.gen(function*() {
      const event = yield* decodeJson(fixture("DATA_USAGE"))
      assert.strictEqual(event._tag, "DataUsage")
      if (event._tag !== "DataUsage") return
      assert.strictEqual(event.content.totalVolume, 3221225472)
      assert.strictEqual(event.content.orderUsage + event.content.remain, event.content.totalVolume)
      assert.strictEqual(event.content.remainThreshold, 0.5)
      assert.strictEqual(iso(event.content.lastUpdateTime!), "2025-01-03T18:00:00.000Z")
      const big = yield* WebhookEvent.decode(
        dataUsage({ totalVolume: "107374182400", remain: 107374182399, remainThreshold: "0.1" })
      )
      if (big._tag !== "DataUsage") return assert.fail(big._tag)
      assert.strictEqual(big.content.totalVolume, 107374182400)
      assert.strictEqual(big.content.remain, 107374182399)
      assert.strictEqual(big.content.remainThreshold, 0.1)
      const percent = yield* WebhookEvent.decode(dataUsage({ remainThreshold: 20 }))
      assert.strictEqual(percent._tag === "DataUsage" && percent.content.remainThreshold, 0.2)
      const e1 = yield* decodeError(dataUsage({ remainThreshold: 150 }))
      assert.strictEqual(e1.path, "content.remainThreshold")
      const e2 = yield* decodeError(dataUsage({ totalVolume: 1.5 }))
      assert.strictEqual(e2.path, "content.totalVolume")
      const e3 = yield* decodeError(dataUsage({ remain: "12abc" }))
      assert.strictEqual(e3.path, "content.remain")
    }))

  it.effect("VALIDITY_USAGE and SMDP_EVENT fields", () =>
    Effect.gen(function*() {
      const validity = yield* decodeJson(fixture("VALIDITY_USAGE"))
      if (validity._tag !== "ValidityUsage") return assert.fail(validity._tag)
      assert.strictEqual(validity.content.remain, 1)
      assert.strictEqual(validity.content.durationUnit, "DAY")
      assert.strictEqual(iso(validity.content.expiredTime), "2025-02-01T08:00:00.000Z")
      const smdp = yield* decodeJson(fixture("SMDP_EVENT"))
      if (smdp._tag !== "SmdpEvent") return assert.fail(smdp._tag)
      assert.strictEqual(smdp.content.seqNumber, 101)
      assert.strictEqual(smdp.content.notifyStatus, "Executed-Success")
      const inProgress = yield* WebhookEvent.decode({
        ...fixtureJson("SMDP_EVENT"),
        content: { ...(fixtureJson("SMDP_EVENT")["content"] as object), seqNumber: null, notifyStatus: null, eid: "" }
      })
      assert.strictEqual(inProgress._tag === "SmdpEvent" && inProgress.content.seqNumber, null)
    }))
})

describe("WebhookEvent: forward compatibility", () => {
  it.effect("an unknown notifyType decodes to Unknown and keeps the raw body", () =>
    Effect.gen(function*() {
      const body = {
        notifyType: "TOPUP_STATUS",
        notifyId: "ab12",
        eventGenerateTime: "2026-01-01T00:00:00Z",
        content: { x: [1, { y: null }] }
      }
      const event = yield* WebhookEvent.decode(body)
      assert.strictEqual(event._tag, "Unknown")
      if (event._tag !== "Unknown") return
      assert.strictEqual(event.notifyType, "TOPUP_STATUS")
      assert.strictEqual(event.notifyId, "ab12")
      assert.deepStrictEqual(event.raw, body)
      assert.deepStrictEqual(yield* WebhookEvent.encode(event), body)
    }))

  it.effect("unknown fields at every level are ignored", () =>
    Effect.gen(function*() {
      const event = yield* WebhookEvent.decode({
        ...fixtureJson("ESIM_STATUS"),
        version: 2,
        content: { ...(fixtureJson("ESIM_STATUS")["content"] as object), newField: { nested: true }, eid: "8904" }
      })
      assert.strictEqual(event._tag, "EsimStatus")
    }))

  it.effect("unknown status values decode as strings", () =>
    Effect.gen(function*() {
      const esim = yield* WebhookEvent.decode({
        ...fixtureJson("ESIM_STATUS"),
        content: {
          ...(fixtureJson("ESIM_STATUS")["content"] as object),
          esimStatus: "HIBERNATING",
          smdpStatus: "QUANTUM"
        }
      })
      assert.isTrue(
        esim._tag === "EsimStatus" && esim.content.esimStatus === "HIBERNATING" && esim.content.smdpStatus === "QUANTUM"
      )
      const order = yield* WebhookEvent.decode({
        notifyType: "ORDER_STATUS",
        content: { orderNo: "B1", orderStatus: "FAILED_LATER" }
      })
      assert.isTrue(order._tag === "OrderStatus" && order.content.orderStatus === "FAILED_LATER")
      const validity = yield* WebhookEvent.decode({
        ...fixtureJson("VALIDITY_USAGE"),
        content: { ...(fixtureJson("VALIDITY_USAGE")["content"] as object), durationUnit: "WEEK" }
      })
      assert.isTrue(validity._tag === "ValidityUsage" && validity.content.durationUnit === "WEEK")
    }))

  it.effect("ESIM_STATUS's sometimes-present volumes are optional", () =>
    Effect.gen(function*() {
      const bare = yield* decodeJson(fixture("ESIM_STATUS"))
      assert.isTrue(bare._tag === "EsimStatus" && bare.content.totalVolume === undefined)
      const full = yield* WebhookEvent.decode({
        ...fixtureJson("ESIM_STATUS"),
        content: {
          ...(fixtureJson("ESIM_STATUS")["content"] as object),
          totalVolume: "3221225472",
          orderUsage: 0,
          remainVolume: 3221225472
        }
      })
      assert.isTrue(full._tag === "EsimStatus" && full.content.totalVolume === 3221225472)
    }))
})

describe("WebhookEvent: errors name the field", () => {
  it.effect("malformed text, empty text, non-objects, bad notifyType, wrong shapes", () =>
    Effect.gen(function*() {
      const malformed = yield* Effect.flip(decodeJson("{\"notifyType\""))
      assert.deepStrictEqual([malformed._tag, malformed.path, malformed.message], [
        "WebhookDecodeError",
        "",
        "malformed JSON"
      ])
      assert.strictEqual((yield* Effect.flip(decodeJson(" "))).message, "empty body")
      assert.strictEqual((yield* decodeError([])).path, "")
      assert.strictEqual((yield* decodeError("ORDER_STATUS")).path, "")
      assert.strictEqual((yield* decodeError({ notifyType: 5, content: {} })).path, "notifyType")
      assert.strictEqual((yield* decodeError({ notifyType: "", content: {} })).path, "notifyType")
      assert.strictEqual((yield* decodeError({ notifyType: "ORDER_STATUS" })).path, "content")
      const missing = yield* decodeError({ notifyType: "ESIM_STATUS", content: { iccid: "1" } })
      assert.match(missing.path, /^content\./)
      const badTime = yield* decodeError({ ...fixtureJson("ORDER_STATUS"), eventGenerateTime: "yesterday" })
      assert.strictEqual(badTime.path, "eventGenerateTime")
      assert.match(badTime.message, /^eventGenerateTime: /)
    }))
})

describe("WebhookEvent: encoding", () => {
  it.effect("decode then encode gives back each fixture's fields (times in the API's +0000 spelling)", () =>
    Effect.gen(function*() {
      for (const f of fixtures) {
        const encoded = yield* Effect.flatMap(decodeJson(f.text), WebhookEvent.encode)
        const again = yield* WebhookEvent.decode(encoded)
        assert.deepStrictEqual(again, yield* decodeJson(f.text), f.name)
        assert.strictEqual((encoded as { notifyType: string }).notifyType, JSON.parse(f.text).notifyType)
        assert.isFalse("_tag" in (encoded as object), f.name)
      }
    }))
})
