/**
 * Fault tolerance (issue 6): decoder fuzzing with fast-check. Every endpoint's answer goes through the real request
 * pipeline (envelope, error codes, the endpoint's `obj` schema) with `EsimAccessTest` answering a generated body:
 * random JSON, random envelopes, and mutations of the recorded fixtures (keys dropped, types changed, numeric
 * strings, huge numbers, nulls, deep nesting, unicode, truncated text). The webhook union gets the same through
 * `WebhookEvent.decode` and `decodeJson`. Decoding never throws or dies: it succeeds or fails with one typed error
 * (`DecodeError`, an API error for a failure envelope, `WebhookDecodeError`) carrying a short message. Where the
 * pipeline decoded `obj`, Schema's own decoding of the same `obj` must agree (the pipeline may take a fast path).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Logger, Schema } from "effect"
import { EsimAccessError, EsimAccessTest, WebhookEvent, WebhookReceiver } from "effect-esim-access"
import type { EsimAccessConfig } from "effect-esim-access"
import type { HttpClient } from "effect/http"
import * as fc from "fast-check"
import * as Request from "../src/internal/request.ts"
import * as Account from "../src/internal/wire/account.ts"
import type { Endpoint } from "../src/internal/wire/endpoint.ts"
import * as Orders from "../src/internal/wire/orders.ts"
import * as Packages from "../src/internal/wire/packages.ts"
import * as Profiles from "../src/internal/wire/profiles.ts"
import { fixture, fixtureNames } from "./clientSupport.ts"

// ---------------------------------------------------------------------------------------------------------------
// mutations

/** Strings that have broken decoders before: numeric look-alikes, odd unicode, control characters. */
const nastyStrings = [
  "",
  " ",
  "0",
  "-1",
  "12.5",
  "1e3",
  " 7",
  "7 ",
  "0x10",
  "007",
  "NaN",
  "Infinity",
  "-Infinity",
  "9".repeat(400),
  "null",
  "true",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "👍🏽",
  "\u202eevil",
  "\ufeff",
  "é",
  "日本語",
  "x".repeat(20_000),
  "2026-13-45 99:99:99",
  "2025-01-01T00:00:00+0000",
  "<html>502</html>"
]

const hugeNumbers = [1e308, -1e308, 2 ** 53 + 2, -(2 ** 53) - 2, -0, Number.MIN_VALUE, 0.1 + 0.2, Number.MAX_VALUE, -1]

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** The paths in a JSON value (the root is `[]`), at most 12 levels down (deeply nested mutants stay cheap). */
const pathsOf = (value: Json, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const out: Array<ReadonlyArray<string | number>> = [prefix]
  if (prefix.length >= 12) return out
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])))
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]))
  }
  return out
}

/**
 * Deep nesting is written into the text after `JSON.stringify` (which itself overflows the stack at a few thousand
 * levels, while `JSON.parse` reads a million): a structural mutation leaves this marker, {@link deepen} expands it.
 */
const deepMarker = (depth: number, asArray: boolean) => `\u0001deep:${depth}:${asArray ? "array" : "object"}\u0001`

const deepen = (text: string): string =>
  text.replace(/"\\u0001deep:(\d+):(array|object)\\u0001"/g, (_, depth: string, kind: string) => {
    const n = Number(depth)
    return kind === "array" ? `${"[".repeat(n)}0${"]".repeat(n)}` : `${"{\"a\":".repeat(n)}0${"}".repeat(n)}`
  })

type Mutation =
  | { readonly kind: "drop" }
  | { readonly kind: "null" }
  | { readonly kind: "replace"; readonly value: Json }
  | { readonly kind: "swapType" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "deep"; readonly depth: number; readonly asArray: boolean }
  | { readonly kind: "addKey"; readonly key: string; readonly value: Json }
  /** gentle: a number becomes its numeric string (the API sends both); anything else stays */
  | { readonly kind: "numeric" }
  /** gentle: a string becomes another string; anything else stays */
  | { readonly kind: "restring"; readonly value: string }

const swapType = (value: Json): Json => {
  if (typeof value === "number") return String(value)
  if (typeof value === "string") return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value.length
  if (typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]))
  if (value === null) return "null"
  return Object.values(value)
}

const apply = (mutation: Mutation, value: Json): Json | undefined => {
  switch (mutation.kind) {
    case "drop":
      return undefined
    case "null":
      return null
    case "replace":
      return mutation.value
    case "swapType":
      return swapType(value)
    case "string":
      return mutation.value
    case "number":
      return mutation.value
    case "deep":
      return deepMarker(mutation.depth, mutation.asArray)
    case "addKey":
      return typeof value === "object" && value !== null && !Array.isArray(value) ?
        { ...value, [mutation.key]: mutation.value } :
        value
    case "numeric":
      return typeof value === "number" ? String(value) : value
    case "restring":
      return typeof value === "string" ? mutation.value : value
  }
}

/** `value` with `mutation` applied at `path` (a dropped root becomes `null`). */
const mutateAt = (value: Json, path: ReadonlyArray<string | number>, mutation: Mutation): Json => {
  if (path.length === 0) return apply(mutation, value) ?? null
  const [head, ...rest] = path
  if (Array.isArray(value)) {
    const copy: Array<Json> = [...value]
    const next = rest.length === 0
      ? apply(mutation, copy[head as number]!)
      : mutateAt(copy[head as number]!, rest, mutation)
    if (next === undefined) copy.splice(head as number, 1)
    else copy[head as number] = next
    return copy
  }
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, Json> = { ...(value as { readonly [key: string]: Json }) }
    const key = String(head)
    const next = rest.length === 0 ? apply(mutation, copy[key]!) : mutateAt(copy[key]!, rest, mutation)
    if (next === undefined) delete copy[key]
    else copy[key] = next
    return copy
  }
  return value
}

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: "drop" }) },
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: "null" }) },
  { weight: 2, arbitrary: json.map((value): Mutation => ({ kind: "replace", value })) },
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: "swapType" }) },
  {
    weight: 3,
    arbitrary: fc.oneof(fc.constantFrom(...nastyStrings), fc.string({ unit: "binary", maxLength: 40 })).map((
      value
    ): Mutation => ({ kind: "string", value }))
  },
  {
    weight: 2,
    arbitrary: fc.oneof(fc.constantFrom(...hugeNumbers), fc.double(), fc.integer()).map((value): Mutation => ({
      kind: "number",
      value
    }))
  },
  {
    weight: 1,
    arbitrary: fc.record({ depth: fc.integer({ min: 50, max: 100_000 }), asArray: fc.boolean() }).map((
      d
    ): Mutation => ({ kind: "deep", ...d }))
  },
  {
    weight: 1,
    arbitrary: fc.record({
      key: fc.oneof(fc.constantFrom("__proto__", "constructor", "obj", ""), fc.string()),
      value: json
    })
      .map((a): Mutation => ({ kind: "addKey", ...a }))
  }
)

/** Text-level damage on top of a structural mutation: truncation, a number JSON cannot hold, stray bytes. */
type TextDamage =
  | { readonly kind: "none" }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "overflow"; readonly nth: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }

const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<TextDamage>({ kind: "none" }) },
  { weight: 1, arbitrary: fc.nat().map((at): TextDamage => ({ kind: "truncate", at })) },
  { weight: 1, arbitrary: fc.nat().map((nth): TextDamage => ({ kind: "overflow", nth })) },
  {
    weight: 1,
    arbitrary: fc.record({ at: fc.nat(), text: fc.constantFrom("\u0000", ",", "}", "\"", "\\", "]]]", "\ud800") })
      .map((d): TextDamage => ({ kind: "insert", ...d }))
  }
)

const damage = (text: string, d: TextDamage): string => {
  switch (d.kind) {
    case "none":
      return text
    case "truncate":
      return text.slice(0, d.at % (text.length + 1))
    case "overflow": {
      // the nth number literal becomes 1e400 (Infinity after JSON.parse)
      const numbers = [...text.matchAll(/(?<=[:[,])-?\d+(\.\d+)?(?=[,\]}])/g)]
      const m = numbers[d.nth % Math.max(1, numbers.length)]
      return m === undefined ? text : `${text.slice(0, m.index)}1e400${text.slice(m.index + m[0].length)}`
    }
    case "insert": {
      const at = d.at % (text.length + 1)
      return `${text.slice(0, at)}${d.text}${text.slice(at)}`
    }
  }
}

/** A mutated copy of one of `seeds`, as text: 1 to 3 mutations, then maybe text damage. */
const mutatedWith = (
  seeds: ReadonlyArray<Json>,
  mutations: fc.Arbitrary<Mutation>,
  damages: fc.Arbitrary<TextDamage>
) =>
  fc.record({
    seed: fc.nat(),
    mutations: fc.array(fc.tuple(fc.nat(), mutations), { minLength: 1, maxLength: 3 }),
    text: damages
  }).map(({ mutations, seed, text }) => {
    let value = seeds[seed % seeds.length] as Json
    for (const [at, m] of mutations) {
      const paths = pathsOf(value)
      value = mutateAt(value, paths[at % paths.length]!, m)
    }
    return damage(deepen(JSON.stringify(value)), text)
  })

/** Any damage. */
const mutatedText = (seeds: ReadonlyArray<Json>): fc.Arbitrary<string> => mutatedWith(seeds, mutation, textDamage)

/**
 * Changes a tolerant decoder should mostly accept (numbers as numeric strings, other strings, extra keys), so
 * that many answers still decode and the pipeline's values can be compared with Schema's.
 */
const gentleText = (seeds: ReadonlyArray<Json>): fc.Arbitrary<string> =>
  mutatedWith(
    seeds,
    fc.oneof(
      fc.constant<Mutation>({ kind: "numeric" }),
      fc.oneof(fc.constantFrom(...nastyStrings), fc.string({ unit: "grapheme", maxLength: 30 })).map((
        value
      ): Mutation => ({ kind: "restring", value })),
      fc.record({ key: fc.string({ maxLength: 10 }), value: json }).map((a): Mutation => ({ kind: "addKey", ...a }))
    ),
    fc.constant<TextDamage>({ kind: "none" })
  )

// ---------------------------------------------------------------------------------------------------------------
// the endpoints

const endpoints: ReadonlyArray<Endpoint<Schema.Top, Schema.Top>> = [
  Account.balance,
  Account.usage,
  Account.locations,
  Account.webhookSave,
  Account.webhookQuery,
  Orders.order,
  Orders.topUp,
  Packages.list,
  Profiles.query,
  Profiles.cancel,
  Profiles.suspend,
  Profiles.unsuspend,
  Profiles.revoke,
  Profiles.sendSms
]

const fixturePrefix = (endpoint: Endpoint<Schema.Top, Schema.Top>) => endpoint.path.replaceAll("/", "_")

/** The endpoint's request: its request fixture decoded, or `{}` for endpoints without a body. */
const inputOf = (endpoint: Endpoint<Schema.Top, Schema.Top>): unknown => {
  const name = fixtureNames(new RegExp(`^${fixturePrefix(endpoint)}\\.request\\.json$`))[0]
  return Schema.decodeUnknownSync(endpoint.request as Schema.Codec<unknown, unknown>)(
    name === undefined ? {} : fixture(name)
  )
}

/** Seeds for an endpoint: its recorded answers (success and error envelopes) and the generic error fixtures. */
const seedsOf = (endpoint: Endpoint<Schema.Top, Schema.Top>): ReadonlyArray<Json> => [
  ...fixtureNames(new RegExp(`^${fixturePrefix(endpoint)}\\..*(response|error)\\.json$`)).map((n) =>
    fixture(n) as Json
  ),
  ...fixtureNames(/^error\..*\.json$/).slice(0, 3).map((n) => fixture(n) as Json)
]

const isTyped = Schema.is(EsimAccessError.EsimAccessError)

/** The longest message any typed error carried, for the report. */
let longestMessage = 0

const checkTypedFailure = (
  exit: Exit.Exit<unknown, unknown>,
  isExpected: (e: unknown) => boolean,
  describe: () => string
) => {
  if (Exit.isSuccess(exit)) return undefined
  const reasons = exit.cause.reasons
  if (Cause.hasDies(exit.cause) || Cause.hasInterrupts(exit.cause) || reasons.length !== 1) {
    throw new Error(`${describe()}: not a single typed failure: ${Cause.pretty(exit.cause).slice(0, 2_000)}`)
  }
  const reason = reasons[0]!
  if (!Cause.isFailReason(reason) || !isExpected(reason.error)) {
    throw new Error(`${describe()}: an untyped failure: ${Cause.pretty(exit.cause).slice(0, 2_000)}`)
  }
  const message = (reason.error as { readonly message: string }).message
  longestMessage = Math.max(longestMessage, message.length)
  if (message.length > 500) {
    throw new Error(`${describe()}: a ${message.length}-character message: ${message.slice(0, 300)}…`)
  }
  return reason.error
}

/** Runs one endpoint call whose answer is `text`, and checks the outcome. */
const probe = (endpoint: Endpoint<Schema.Top, Schema.Top>, input: unknown, text: string) =>
  Effect.gen(function*() {
    // the endpoints' schemas need no services
    const call = Request.execute(endpoint, input) as Effect.Effect<
      unknown,
      EsimAccessError.EsimAccessError,
      EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
    >
    const exit = yield* Effect.exit(
      call.pipe(
        Effect.provide(
          EsimAccessTest.layer(() => new Response(text, { headers: { "content-type": "application/json" } }), {
            retry: false,
            rateLimit: false
          })
        )
      )
    )
    const what = `${endpoint.path} answered ${text.slice(0, 300)}`
    const error = checkTypedFailure(exit, isTyped, () => what)
    // where `obj` was decoded (a success, or a DecodeError inside obj), Schema's own decode of it must agree
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return Exit.isSuccess(exit) ? assert.fail(`${what}: decoded a body that is not JSON`) : "not JSON"
    }
    const obj = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["obj"] : undefined
    const direct = Schema.decodeUnknownExit(endpoint.response as Schema.Codec<unknown, unknown>)(obj)
    if (Exit.isSuccess(exit)) {
      assert.isTrue(Exit.isSuccess(direct), `${what}: the pipeline decoded obj, Schema refuses it`)
      if (Exit.isSuccess(direct)) assert.deepStrictEqual(exit.value, direct.value, what)
      return "success"
    }
    if (error !== undefined && (error as EsimAccessError.EsimAccessError)._tag === "DecodeError") {
      const path = (error as EsimAccessError.DecodeError).path
      if (path === "obj" || path.startsWith("obj.") || path.startsWith("obj[")) {
        assert.isTrue(Exit.isFailure(direct), `${what}: the pipeline refused obj (${path}), Schema decodes it`)
      }
    }
    return (error as { readonly _tag: string })._tag
  })

const envelope = fc.record({
  success: fc.oneof(fc.boolean(), fc.constantFrom("true", "false", "yes", 1, null)),
  errorCode: fc.oneof(
    fc.constantFrom("0", "000001", "900001", "200007", "200010", "310402", "101001", "999999", null, 0, 310241),
    fc.string()
  ),
  errorMsg: fc.oneof(fc.string(), fc.constant(null), fc.constantFrom(...nastyStrings)),
  obj: json
}, { requiredKeys: [] }).map((e) => JSON.stringify(e))

// over a thousand generated answers per endpoint, on top of its fixtures
const runs = { random: 300, mutated: 500, gentle: 250 }

describe("decoder fuzzing: every endpoint's answer through the request pipeline", () => {
  for (const endpoint of endpoints) {
    it.live(`${endpoint.path}: random and mutated answers decode or fail with a typed, short error`, () =>
      Effect.gen(function*() {
        const input = inputOf(endpoint)
        const seeds = seedsOf(endpoint)
        assert.isAbove(seeds.length, 3, `no fixtures for ${endpoint.path}`)
        const outcomes = new Map<string, number>()
        const check = (text: string) =>
          Effect.runPromise(probe(endpoint, input, text)).then((outcome) => {
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
          })
        // the fixtures themselves decode
        for (const seed of seeds) yield* Effect.promise(() => check(JSON.stringify(seed)))
        assert.isAtLeast(outcomes.get("success") ?? 0, 1, `no fixture of ${endpoint.path} decodes`)
        yield* Effect.promise(() =>
          fc.assert(fc.asyncProperty(fc.oneof(json.map((v) => JSON.stringify(v)), envelope), check), {
            numRuns: runs.random,
            seed: 42
          })
        )
        yield* Effect.promise(() =>
          fc.assert(fc.asyncProperty(mutatedText(seeds), check), { numRuns: runs.mutated, seed: 43 })
        )
        yield* Effect.promise(() =>
          fc.assert(fc.asyncProperty(gentleText(seeds), check), { numRuns: runs.gentle, seed: 50 })
        )
        console.info(
          `[fuzz] ${endpoint.path}: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")}; longest message ` +
            `${longestMessage} characters`
        )
      }))
  }
})

// ---------------------------------------------------------------------------------------------------------------
// the webhook union

const webhookSeeds: ReadonlyArray<Json> = fixtureNames(/^webhook\..*\.json$/)
  .map((n) => fixture(n) as Json)

const isWebhookError = (e: unknown) => e instanceof WebhookEvent.WebhookDecodeError

/** The start of a value as JSON, for failure messages (deep values overflow `JSON.stringify`). */
const preview = (value: unknown): string => {
  try {
    return String(JSON.stringify(value)).slice(0, 300)
  } catch {
    return "(too deep to print)"
  }
}

describe("decoder fuzzing: the webhook union", () => {
  it.effect("WebhookEvent.decode: random values and mutated events succeed or fail with WebhookDecodeError", () =>
    Effect.sync(() => {
      assert.strictEqual(webhookSeeds.length, 8)
      const outcomes = new Map<string, number>()
      const check = (body: unknown) => {
        const exit = Effect.runSyncExit(WebhookEvent.decode(body))
        checkTypedFailure(exit, isWebhookError, () => `decode ${preview(body)}`)
        const key = Exit.isSuccess(exit) ? exit.value._tag : "WebhookDecodeError"
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
      }
      for (const seed of webhookSeeds) check(seed)
      fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), check), { numRuns: 200, seed: 44 })
      fc.assert(
        fc.property(
          fc.record({
            notifyType: fc.oneof(fc.constantFrom("ORDER_STATUS", "DATA_USAGE", "NEW"), fc.string()),
            content: json
          }),
          check
        ),
        { numRuns: 150, seed: 45 }
      )
      fc.assert(
        fc.property(mutatedText(webhookSeeds), (text) => {
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            return
          }
          check(body)
        }),
        { numRuns: 500, seed: 46 }
      )
      // every event type was produced by some mutation, and so were failures
      console.info(`[fuzz] WebhookEvent.decode: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")}`)
      assert.isAbove(outcomes.get("WebhookDecodeError") ?? 0, 100)
      assert.isAbove(outcomes.size, 5)
    }))

  it.effect("WebhookEvent.decodeJson: random and damaged text succeeds or fails with WebhookDecodeError", () =>
    Effect.sync(() => {
      let failures = 0
      const check = (text: string) => {
        const exit = Effect.runSyncExit(WebhookEvent.decodeJson(text))
        if (checkTypedFailure(exit, isWebhookError, () => `decodeJson ${text.slice(0, 300)}`) !== undefined) failures++
      }
      fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), check), { numRuns: 150, seed: 47 })
      fc.assert(fc.property(mutatedText(webhookSeeds), check), { numRuns: 300, seed: 48 })
      assert.isAbove(failures, 200)
    }))

  it.live("the receiver (de-duplication on) answers every mutated body 200, 400 or 413, never 5xx", () =>
    Effect.scoped(Effect.gen(function*() {
      // the receiver's warnings (one per refused body) are counted, not printed
      let warnings = 0
      const quiet = Logger.layer([Logger.make(() => void warnings++)])
      const { dispose, handler } = WebhookReceiver.toWebHandlerLayer(() => Effect.void, quiet, {
        dedupe: true,
        maxBodySize: 256 * 1024
      })
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const statuses = new Map<number, number>()
      const check = async (text: string) => {
        const response = await handler(
          new globalThis.Request("http://127.0.0.1/esim-access/webhook", {
            method: "POST",
            body: text,
            headers: { "content-type": "application/json" }
          })
        )
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        const body = await response.text()
        if (![200, 400, 413].includes(response.status)) {
          throw new Error(`answered ${response.status} ${body.slice(0, 200)} to ${text.slice(0, 300)}`)
        }
      }
      // found by this suite: an unknown event type without notifyId, its content nested 5,000 deep, overflowed the
      // stack while computing its de-duplication key, and the receiver answered 500
      yield* Effect.promise(() => check(`{"notifyType":"NEW","content":${"[".repeat(5_000)}0${"]".repeat(5_000)}}`))
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(mutatedText(webhookSeeds), check), { numRuns: 300, seed: 49 })
      )
      console.info(`[fuzz] WebhookReceiver: ${[...statuses].map(([k, v]) => `HTTP ${k} ${v}`).join(", ")}`)
      assert.strictEqual(warnings, [...statuses].reduce((n, [status, k]) => n + (status >= 400 ? k : 0), 0))
    })))
})
