/**
 * Fault tolerance (issue 6): webhook storm. 2,000 deliveries, 100 at a time, to a receiver mounted on a real Node
 * HTTP server on 127.0.0.1 (ephemeral port) with de-duplication on and a 2 KiB body limit: valid events with unique
 * notifyIds, duplicates of them (later, racing, and in deliberately concurrent groups), malformed bodies and
 * oversized ones (with and without Content-Length). Every valid event is handled exactly once, every bad delivery
 * is answered 4xx, the server still answers afterwards, and the heap returns near its starting size.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Logger, Stream } from "effect"
import { WebhookReceiver } from "effect-esim-access"
import { HttpClientRequest } from "effect/http"
import { findGc, prng } from "./faultSupport.ts"
import { fixtureJson, hook, post, send, serve } from "./webhookHelpers.ts"
import type { Reply } from "./webhookHelpers.ts"

const maxBodySize = 2_048
const concurrency = 100

/** The event types a handler sees (CHECK_HEALTH is answered without reaching it). */
const eventTypes = ["ORDER_STATUS", "ESIM_STATUS", "SMDP_EVENT", "DATA_USAGE", "VALIDITY_USAGE"] as const

/** A valid event of the i-th type with this notifyId. */
const event = (i: number, notifyId: string) =>
  JSON.stringify({ ...fixtureJson(eventTypes[i % eventTypes.length]!), notifyId })

type Delivery =
  /** a valid event: its notifyId must be handled exactly once over all its deliveries */
  | { readonly kind: "valid"; readonly notifyId: string; readonly body: string }
  /** a body that is not an event (or not JSON, or not UTF-8, or the wrong type): 400 */
  | { readonly kind: "malformed"; readonly label: string; readonly request: HttpClientRequest.HttpClientRequest }
  /** over the body limit, with Content-Length or chunked: 413 */
  | { readonly kind: "oversized"; readonly notifyId: string; readonly request: HttpClientRequest.HttpClientRequest }
  /** copies of one event sent at once, whose handler waits until every other copy was answered */
  | { readonly kind: "group"; readonly notifyId: string; readonly body: string; readonly copies: number }

const postRequest = (body: string | Uint8Array, contentType = "application/json") =>
  HttpClientRequest.post(hook).pipe(
    typeof body === "string" ?
      HttpClientRequest.bodyText(body, contentType) :
      HttpClientRequest.bodyUint8Array(body, contentType)
  )

const malformed = (i: number): Delivery => {
  const variants: ReadonlyArray<readonly [string, HttpClientRequest.HttpClientRequest]> = [
    ["truncated JSON", postRequest(event(i, `bad-${i}`).slice(0, 40))],
    ["not JSON", postRequest("notifyType=ORDER_STATUS&notifyId=x")],
    ["empty body", postRequest("")],
    ["JSON null", postRequest("null")],
    ["JSON array", postRequest(`[${event(i, `bad-${i}`)}]`)],
    ["wrong shape", postRequest(JSON.stringify({ notifyType: "DATA_USAGE", notifyId: `bad-${i}`, content: {} }))],
    ["not UTF-8", postRequest(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]))],
    ["wrong content type", postRequest(event(i, `bad-${i}`), "text/plain")]
  ]
  const [label, request] = variants[i % variants.length]!
  return { kind: "malformed", label, request }
}

const oversized = (i: number): Delivery => {
  const notifyId = `big-${i}`
  // a valid event, padded past the limit: it must not reach the handler
  const body = JSON.stringify({ ...JSON.parse(event(i, notifyId)), padding: "x".repeat(maxBodySize + 512 * (i % 4)) })
  const request = i % 2 === 0 ?
    // Content-Length declared: refused before reading
    postRequest(body) :
    // chunked, no Content-Length: refused while reading
    HttpClientRequest.post(hook).pipe(
      HttpClientRequest.bodyStream(
        Stream.fromIterable([
          new TextEncoder().encode(body.slice(0, 1_000)),
          new TextEncoder().encode(body.slice(1_000))
        ]),
        { contentType: "application/json" }
      )
    )
  return { kind: "oversized", notifyId, request }
}

/**
 * Deliveries in a seeded random order, with notifyIds prefixed by `prefix`: at scale 1, 1,100 unique events, 400
 * repeats, 200 malformed, 200 oversized and 20 groups of 5 concurrent copies: 2,000 deliveries.
 */
const plan = (seed: number, prefix: string, scale = 1) => {
  const random = prng(seed)
  const n = (count: number) => Math.round(count * scale)
  const deliveries: Array<Delivery> = []
  const uniques = n(1_100)
  const id = (i: number) => `${prefix}-${i}`
  for (let i = 0; i < uniques; i++) deliveries.push({ kind: "valid", notifyId: id(i), body: event(i, id(i)) })
  // repeats of random events: some race the original, some come after it
  for (let i = 0; i < n(400); i++) {
    const j = Math.floor(random() * uniques)
    deliveries.push({ kind: "valid", notifyId: id(j), body: event(j, id(j)) })
  }
  for (let i = 0; i < n(200); i++) deliveries.push(malformed(i))
  for (let i = 0; i < n(200); i++) deliveries.push(oversized(i))
  for (let g = 0; g < n(20); g++) {
    const groupId = `${prefix}-group-${g}`
    deliveries.push({ kind: "group", notifyId: groupId, body: event(g, groupId), copies: 5 })
  }
  // Fisher–Yates with the seeded PRNG
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!]
  }
  return deliveries
}

/** Only status and text are kept, so the test's own records hardly weigh in the heap measurement. */
type Answer = Pick<Reply, "status" | "text">
const answer = (reply: Reply): Answer => ({ status: reply.status, text: reply.text })

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1)

const deliveriesIn = (deliveries: ReadonlyArray<Delivery>) =>
  deliveries.reduce((n, d) => n + (d.kind === "group" ? d.copies : 1), 0)

describe("webhook storm", () => {
  it.effect("2,000 deliveries at 100 concurrent: exactly-once handling, 4xx for bad ones, heap back near start", () =>
    Effect.gen(function*() {
      // a small storm of every kind first (connections, compiled code paths), then the measured one
      const warmup = plan(5, "warm", 0.15)
      const deliveries = plan(6, "storm")
      assert.strictEqual(deliveriesIn(deliveries), 2_000)

      // the handler: counts every notifyId it handles; a group's handler waits at its gate
      const handled = new Map<string, number>()
      const gates = new Map<
        string,
        { readonly entered: Deferred.Deferred<void>; readonly open: Deferred.Deferred<void> }
      >()
      for (const d of [...warmup, ...deliveries]) {
        if (d.kind === "group") {
          gates.set(d.notifyId, { entered: Deferred.makeUnsafe<void>(), open: Deferred.makeUnsafe<void>() })
        }
      }
      const handler: WebhookReceiver.Handler = (e) =>
        Effect.gen(function*() {
          const id = e.notifyId ?? ""
          handled.set(id, (handled.get(id) ?? 0) + 1)
          const gate = gates.get(id)
          if (gate !== undefined) {
            yield* Deferred.succeed(gate.entered, undefined)
            yield* Deferred.await(gate.open)
          }
        })

      const replies = new Map<string, Array<Answer>>()
      const record = (id: string, reply: Reply) => {
        const list = replies.get(id)
        if (list === undefined) replies.set(id, [answer(reply)])
        else list.push(answer(reply))
      }
      const bad: Array<{ readonly kind: string; readonly label: string; readonly reply: Answer }> = []
      /** every answer, by status, the warm-up included */
      const statuses = new Map<number, number>()
      const count = (reply: Reply) => {
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
        return reply
      }

      const deliver = (d: Delivery) =>
        Effect.gen(function*() {
          switch (d.kind) {
            case "valid":
              return record(d.notifyId, count(yield* post(hook, d.body)))
            case "malformed":
              return void bad.push({ kind: d.kind, label: d.label, reply: answer(count(yield* send(d.request))) })
            case "oversized":
              return void bad.push({ kind: d.kind, label: d.notifyId, reply: answer(count(yield* send(d.request))) })
            case "group": {
              // every copy at once; when all but one are answered (in flight: 409), the handler may finish
              const gate = gates.get(d.notifyId)!
              const othersAnswered = yield* Deferred.make<void>()
              let answered = 0
              const copy = post(hook, d.body).pipe(
                Effect.tap((reply) =>
                  Effect.sync(() => {
                    record(d.notifyId, count(reply))
                    if (++answered === d.copies - 1) Deferred.doneUnsafe(othersAnswered, Effect.void)
                  })
                )
              )
              const all = yield* Effect.forkChild(
                Effect.all(Array.from({ length: d.copies }, () => copy), { concurrency: "unbounded" })
              )
              yield* Deferred.await(gate.entered)
              yield* Deferred.await(othersAnswered)
              yield* Deferred.succeed(gate.open, undefined)
              yield* Fiber.join(all)
            }
          }
        })

      // the receiver's logs, counted by level and message instead of printed
      const logs = new Map<string, number>()
      const logger = Logger.make((options) => {
        const message = Array.isArray(options.message) ? String(options.message[0]) : String(options.message)
        const key = `${options.logLevel}: ${message}`
        logs.set(key, (logs.get(key) ?? 0) + 1)
      })

      const result = yield* Effect.gen(function*() {
        yield* Effect.forEach(warmup, deliver, { concurrency, discard: true })
        const warmBad = bad.splice(0)
        assert.isTrue(warmBad.every((b) => b.reply.status === 400 || b.reply.status === 413))
        const gc = findGc()
        const heap = () => {
          gc?.()
          gc?.()
          return process.memoryUsage().heapUsed
        }
        const before = heap()
        const started = Date.now()
        yield* Effect.forEach(deliveries, deliver, { concurrency, discard: true })
        const elapsed = Date.now() - started
        const after = heap()
        // the server still answers: a new event is handled, a repeat of it is a duplicate, a bad body is refused
        const fresh = yield* post(hook, event(0, "after-storm"))
        const repeat = yield* post(hook, event(0, "after-storm"))
        const refused = yield* post(hook, "{")
        return { before, after, elapsed, gc: gc !== undefined, fresh, repeat, refused }
      }).pipe(
        Effect.provide(serve(WebhookReceiver.layer(handler, { dedupe: true, maxBodySize }))),
        Effect.provide(Logger.layer([logger]))
      )

      // every valid event handled exactly once; nothing else handled
      const valid = new Set(deliveries.flatMap((d) => (d.kind === "valid" || d.kind === "group" ? [d.notifyId] : [])))
      assert.strictEqual(valid.size, 1_120)
      for (const id of valid) assert.strictEqual(handled.get(id), 1, `${id} handled ${handled.get(id) ?? 0} times`)
      const warm = new Set(warmup.flatMap((d) => (d.kind === "valid" || d.kind === "group" ? [d.notifyId] : [])))
      for (const id of warm) assert.strictEqual(handled.get(id), 1, `${id} handled ${handled.get(id) ?? 0} times`)
      const unexpected = [...handled.keys()].filter((id) => !valid.has(id) && !warm.has(id) && id !== "after-storm")
      assert.deepStrictEqual(unexpected, [], "bad or oversized deliveries reached the handler")

      // per notifyId: one delivery answered "ok", every other copy 200 "duplicate" or 409 (still in flight)
      let duplicates = 0
      let inFlight = 0
      for (const id of valid) {
        const answers = replies.get(id) ?? []
        assert.strictEqual(answers.filter((r) => r.status === 200 && r.text === "ok").length, 1, id)
        for (const r of answers) {
          if (r.status === 200 && r.text === "duplicate") duplicates++
          else if (r.status === 409) inFlight++
          else assert.isTrue(r.status === 200 && r.text === "ok", `${id}: ${r.status} ${r.text}`)
        }
      }
      // the groups: exactly one ok and four 409s each, deterministically
      for (const d of deliveries) {
        if (d.kind !== "group") continue
        const statuses = replies.get(d.notifyId)!.map((r) => r.status).sort()
        assert.deepStrictEqual(statuses, [200, 409, 409, 409, 409], d.notifyId)
      }

      // every bad delivery answered 4xx: 400 for malformed bodies, 413 for oversized ones
      assert.strictEqual(bad.length, 400)
      for (const b of bad) {
        assert.strictEqual(b.reply.status, b.kind === "oversized" ? 413 : 400, `${b.kind} ${b.label}: ${b.reply.text}`)
      }

      // one warning logged per refused delivery (4xx, the one after the storm included), no error logged
      assert.deepStrictEqual([...logs.keys()].filter((k) => !k.startsWith("Warn")), [])
      const refusedTotal = [...statuses].reduce((n, [status, k]) => n + (status >= 400 ? k : 0), 0)
      assert.strictEqual(logs.get("Warn: eSIM Access webhook rejected"), refusedTotal + 1)

      assert.deepStrictEqual([result.fresh.status, result.fresh.text], [200, "ok"])
      assert.deepStrictEqual([result.repeat.status, result.repeat.text], [200, "duplicate"])
      assert.strictEqual(result.refused.status, 400)

      // memory, measured after a forced GC when one can be had (vitest does not expose global.gc; it is obtained
      // through V8 flags, see findGc): the heap must come back within 12 MiB of its start. What stays is the
      // de-duplication store (1,120 keys), this test's records, and one-time costs (compiled code, pooled
      // connections): measured here at about 4.5 MiB, of which a second and third equal storm add about 2.8 and
      // 0.9 MiB, so nothing grows per delivery. Without a GC, a generous 64 MiB.
      const growth = result.after - result.before
      const bound = (result.gc ? 12 : 64) * 1_048_576
      console.info(
        `[webhook storm] 2,000 deliveries in ${result.elapsed} ms (${Math.round(2_000_000 / result.elapsed)}/s); ` +
          `${valid.size} events handled once each, ${duplicates} duplicates answered 200, ${inFlight} answered 409 ` +
          `while in flight, ${bad.length} bad bodies answered 4xx; heap ${mb(result.before)} MB before, ` +
          `${mb(result.after)} MB after (growth ${mb(growth)} MB, bound ${mb(bound)} MB, gc ${
            result.gc ? "forced" : "not available"
          })`
      )
      assert.isBelow(growth, bound)
    }))
})
