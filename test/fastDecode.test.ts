/**
 * The decoding fast path (src/internal/wire/fastDecode.ts) against Schema itself: for the fixtures, the simulator's
 * full catalogue and thousands of mutated answers, the fast path yields exactly Schema's value, and whenever it
 * steps aside the answer (value or error) is Schema's own.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Exit, Schema, SchemaTransformation } from "effect"
import { EsimAccessTest, Packages } from "effect-esim-access"
import * as fc from "fast-check"
import * as Catalogue from "../src/internal/simulator/catalogue.ts"
import * as Account from "../src/internal/wire/account.ts"
import { IntAsString, LooseInt, LooseNumber, UtcTime } from "../src/internal/wire/codecs.ts"
import { Envelope } from "../src/internal/wire/envelope.ts"
import * as FastDecode from "../src/internal/wire/fastDecode.ts"
import * as Orders from "../src/internal/wire/orders.ts"
import * as PackagesWire from "../src/internal/wire/packages.ts"
import * as ProfilesWire from "../src/internal/wire/profiles.ts"
import { fixture, fixtureNames } from "./clientSupport.ts"

/** Each response fixture with the schema of its `obj`. */
const responses: ReadonlyArray<readonly [string, Schema.Top]> = [
  ["balance_query.response.json", Account.balance.response],
  ["esim_usage_query.response.json", Account.usage.response],
  ["location_list.response.json", Account.locations.response],
  ["webhook_query.response.json", Account.webhookQuery.response],
  ["package_list.response.json", PackagesWire.list.response],
  ["package_list.topup.response.json", PackagesWire.list.response],
  ["esim_query.in_use.response.json", ProfilesWire.query.response],
  ["esim_query.new_order.response.json", ProfilesWire.query.response],
  ["esim_query.empty.response.json", ProfilesWire.query.response],
  ["esim_order.response.json", Orders.order.response],
  ["esim_topup.response.json", Orders.topUp.response]
]

/** The answers the fast path must take (no transformation it lacks). */
const fastOnes = new Set([
  "balance_query.response.json",
  "esim_usage_query.response.json",
  "package_list.response.json",
  "package_list.topup.response.json",
  "esim_query.in_use.response.json",
  "esim_query.new_order.response.json",
  "esim_query.empty.response.json",
  "esim_order.response.json",
  "esim_topup.response.json"
])

const objOf = (name: string): unknown => (fixture(name) as { obj: unknown }).obj

const modes: ReadonlyArray<FastDecode.Mode> = ["generated", "json", "loop"]

/** Schema's exit and the fast path's exit for one input: equal successes, or the same error text. */
const sameAsSchema = (schema: Schema.Top, input: unknown): "fast" | "schema" => {
  const expected = Effect.runSyncExit(Schema.decodeUnknownEffect(schema)(input) as Effect.Effect<unknown, unknown>)
  for (const json of [false, true]) {
    // json: what the pipeline runs, on the obj of a fresh JSON.parse
    const actual = Effect.runSyncExit(
      FastDecode.decodeUnknownEffect(schema, { json })(json ? structuredClone(input) : input) as Effect.Effect<
        unknown,
        unknown
      >
    )
    if (Exit.isSuccess(expected)) {
      assert.isTrue(Exit.isSuccess(actual), "Schema succeeds, so must the pipeline's decoder")
      if (Exit.isSuccess(actual)) assert.deepStrictEqual(actual.value, expected.value)
    } else {
      assert.isTrue(Exit.isFailure(actual), "Schema fails, so must the pipeline's decoder")
      assert.strictEqual(String(Exit.isFailure(actual) ? actual.cause : ""), String(expected.cause))
    }
  }
  let taken: "fast" | "schema" = "schema"
  for (const mode of modes) {
    const fast = FastDecode.compile(schema, mode)(input)
    if (fast === FastDecode.invalid) {
      // a complete decoder steps aside only for inputs Schema rejects
      if (FastDecode.isComplete(schema)) assert.isTrue(Exit.isFailure(expected), `${mode}: complete but invalid`)
    } else {
      taken = "fast"
      assert.isTrue(Exit.isSuccess(expected), `${mode}: the fast path accepted what Schema rejects`)
      if (Exit.isSuccess(expected)) assert.deepStrictEqual(fast, expected.value, mode)
    }
  }
  return taken
}

// ---------------------------------------------------------------------------------------------------------------
// mutations
// ---------------------------------------------------------------------------------------------------------------

/** every path to a value inside `value` */
const paths = (value: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const out: Array<ReadonlyArray<string | number>> = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])))
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]))
  }
  return out
}

type Mutation =
  | { readonly _tag: "replace"; readonly at: number; readonly value: unknown }
  | { readonly _tag: "delete"; readonly at: number }
  | { readonly _tag: "extra"; readonly at: number; readonly key: string; readonly value: unknown }

/** values that probe the codecs: numeric strings, non-finite numbers, wire times, literal spellings */
const tricky = fc.constantFrom<unknown>(
  "18000",
  "-12.5",
  "",
  " ",
  "12abc",
  "NaN",
  "Infinity",
  "1e3",
  "9".repeat(400),
  "0x10",
  "true",
  "false",
  "DAY",
  "WEEK",
  "IN_USE",
  "2025-01-02T08:00:00+0000",
  "2025-01-02T08:00:00Z",
  "2010-06-30T01:20+00:00",
  "2025-13-45T00:00:00Z",
  "bogus",
  0,
  -0,
  1.5,
  2 ** 53,
  2 ** 60,
  NaN,
  Infinity,
  -Infinity,
  200010,
  true,
  false,
  null,
  undefined,
  [],
  {},
  [{}]
)

const anyValue = fc.oneof(tricky, fc.jsonValue({ maxDepth: 2 }))

const mutation = (count: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ _tag: fc.constant("replace" as const), at: fc.nat({ max: count - 1 }), value: anyValue }),
    fc.record({ _tag: fc.constant("delete" as const), at: fc.nat({ max: count - 1 }) }),
    fc.record({
      _tag: fc.constant("extra" as const),
      at: fc.nat({ max: count - 1 }),
      key: fc.oneof(fc.constantFrom("__proto__", "constructor", "toString", "extraField"), fc.string()),
      value: anyValue
    })
  )

const apply = (input: unknown, mutations: ReadonlyArray<Mutation>): unknown => {
  let value = structuredClone(input) as unknown
  for (const m of mutations) {
    const all = paths(value)
    const path = all[m.at % all.length]!
    if (path.length === 0) {
      if (m._tag === "replace") value = m.value
      continue
    }
    let parent = value as Record<string | number, unknown>
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
    const last = path[path.length - 1]!
    if (m._tag === "replace") parent[last] = m.value
    else if (m._tag === "delete") {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else {
      const target = parent[last]
      if (typeof target === "object" && target !== null && !Array.isArray(target)) {
        Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
      }
    }
  }
  return value
}

describe("fastDecode: the fast path decodes exactly as Schema", () => {
  it("every response fixture: the same value, and the fast path is taken where it should be", () => {
    for (const [name, schema] of responses) {
      const taken = sameAsSchema(schema, objOf(name))
      assert.strictEqual(taken, fastOnes.has(name) ? "fast" : "schema", name)
    }
  })

  it("every envelope fixture (successes and failures), and the loose envelope spellings", () => {
    for (const name of fixtureNames(/(response|error)\.json$|^error\./)) {
      assert.strictEqual(sameAsSchema(Envelope, fixture(name)), "fast", name)
    }
    for (
      const envelope of [
        { success: "true", errorCode: 0, obj: {} },
        { success: "false", errorCode: 200010, errorMessage: "not ready" },
        { success: "yes" },
        { success: true, errorCode: NaN },
        { errorCode: "0" }
      ]
    ) sameAsSchema(Envelope, envelope)
  })

  it("the simulator's catalogue of about 3,000 packages: identical, through the fast path", () => {
    const catalogue = Catalogue.make({ seed: 1, generate: true, packages: [] })
    const obj = JSON.parse(JSON.stringify({ packageList: catalogue.base }))
    assert.isAbove(catalogue.base.length, 3000)
    assert.strictEqual(sameAsSchema(PackagesWire.list.response, obj), "fast")
  })

  it.effect("Packages.list through the pipeline: the full catalogue decodes to Schema's value", () =>
    Effect.gen(function*() {
      const catalogue = Catalogue.make({ seed: 1, generate: true, packages: [] })
      const body = { success: true, errorCode: "0", errorMsg: null, obj: { packageList: catalogue.base } }
      const packages = yield* Packages.list().pipe(
        Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.envelope(body), { retry: false, rateLimit: false }))
      )
      const expected = Schema.decodeUnknownSync(PackagesWire.ListResponse)(JSON.parse(JSON.stringify(body.obj)))
      assert.deepStrictEqual(packages, expected.packageList)
    }))

  it("codecs: numbers as strings, malformed numbers, times, extra fields", () => {
    const Row = Schema.Struct({
      n: LooseNumber,
      i: LooseInt,
      s: IntAsString,
      t: Schema.optionalKey(Schema.NullOr(UtcTime)),
      o: Schema.optional(Schema.String)
    })
    const cases: ReadonlyArray<unknown> = [
      { n: 1.5, i: 7, s: "18000" },
      { n: "1.5", i: "7", s: 18000, t: "2025-01-02T08:00:00+0000", o: undefined, extra: 1 },
      { n: "9".repeat(400), i: 1, s: "1" },
      { n: 1, i: 2 ** 60, s: "1" },
      { n: 1, i: 1.5, s: "1" },
      { n: 1, i: "1.5", s: "1.5" },
      { n: "", i: 1, s: "1" },
      { n: 1, i: 1, s: "1", t: "bogus" },
      { n: 1, i: 1, s: "1", t: null },
      { n: NaN, i: 1, s: "1" },
      { n: 1, i: 1 }
    ]
    for (const input of cases) sameAsSchema(Row, input)
    const decoded = FastDecode.compile(Row)({ n: "1.5", i: "7", s: 18000, t: "2025-01-02T08:00:00Z", extra: 1 })
    assert.deepStrictEqual(decoded, { n: 1.5, i: 7, s: 18000, t: DateTime.makeUnsafe("2025-01-02T08:00:00Z") })
  })

  it("a registered codec is recognised through optionalKey and check, not after toType drops its transformation", () => {
    assert.deepStrictEqual(
      FastDecode.compile(Schema.optionalKey(UtcTime))("2025-01-02T08:00:00Z"),
      DateTime.makeUnsafe(
        "2025-01-02T08:00:00Z"
      )
    )
    const checked = UtcTime.check(Schema.makeFilter((dt) => DateTime.toEpochMillis(dt) > 0 || "after 1970"))
    assert.strictEqual(FastDecode.compile(checked)("1960-01-01T00:00:00Z"), FastDecode.invalid)
    sameAsSchema(checked, "1960-01-01T00:00:00Z")
    assert.strictEqual(FastDecode.compile(Schema.toType(UtcTime))("2025-01-02T08:00:00Z"), FastDecode.invalid)
    assert.strictEqual(FastDecode.compile(Schema.toType(LooseNumber))("7"), FastDecode.invalid)
  })

  it("property names of Object.prototype are read as own properties only, as Schema does", () => {
    const S = Schema.Struct({ constructor: Schema.optionalKey(Schema.String), toString: Schema.String })
    sameAsSchema(S, {})
    sameAsSchema(S, { toString: "a" })
    sameAsSchema(S, { toString: "a", constructor: "b" })
    sameAsSchema(S, JSON.parse(`{"toString":"a","__proto__":{"constructor":"x"}}`))
    const P = Schema.Struct({ ["__proto__"]: Schema.String })
    sameAsSchema(P, JSON.parse(`{"__proto__":"x"}`))
    sameAsSchema(P, {})
  })

  it("a union member the fast path cannot decode ends the union's fast path (Schema picks the member)", () => {
    // a transformation without a fast twin
    const Special = Schema.String.pipe(
      Schema.decodeTo(
        Schema.Number,
        SchemaTransformation.transform({ decode: (s: string) => s.length, encode: (n: number) => "x".repeat(n) })
      )
    )
    const U = Schema.Struct({
      a: Schema.Union([Schema.Struct({ x: Schema.Union([Schema.Boolean, Special]) }), Schema.Unknown])
    })
    assert.isFalse(FastDecode.isComplete(U.fields.a))
    for (const input of [{ a: { x: true } }, { a: { x: "5" } }, { a: { x: 1 } }, { a: 1 }]) sameAsSchema(U, input)
    assert.strictEqual(FastDecode.compile(U)({ a: { x: "5" } }), FastDecode.invalid)
  })

  it("mutated answers: the same value or the same error as Schema (thousands of inputs)", () => {
    let fast = 0
    let schema = 0
    for (const [name, decoder] of [...responses, ["catalogue", PackagesWire.list.response] as const]) {
      const input = name === "catalogue" ?
        JSON.parse(
          JSON.stringify({ packageList: Catalogue.make({ seed: 2, generate: true, packages: [] }).base.slice(0, 40) })
        ) :
        objOf(name)
      const count = paths(input).length
      fc.assert(
        fc.property(fc.array(mutation(count), { minLength: 1, maxLength: 3 }), (mutations) => {
          if (sameAsSchema(decoder, apply(input, mutations)) === "fast") fast++
          else schema++
        }),
        { numRuns: 300, seed: 6 }
      )
    }
    // both paths were exercised
    assert.isAbove(fast, 500)
    assert.isAbove(schema, 500)
  })
})
