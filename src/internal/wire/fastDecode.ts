/**
 * A fast path in front of Schema decoding. Most answers are already in their decoded shape: numbers are numbers,
 * strings are strings, and only the declared fields need copying. For those, a plain function compiled once from
 * the schema's AST builds the very value Schema would build, without Schema's per-node machinery. Anything else
 * (a value that needs a transformation this module has no fast version of, an invalid value, an unsupported schema
 * construct) goes to the full `Schema.decodeUnknownEffect`, so errors are Schema's own, unchanged.
 *
 * The contract of a compiled function `f` for an AST: `f(input)` is either the value Schema's decoding (default
 * parse options) succeeds with, structurally equal, or {@link invalid}, after which the caller runs Schema. A node
 * is *complete* when `invalid` also means that Schema fails on the input; unions need that to skip a member (Schema
 * tries members in order and keeps the first success): a member that returns `invalid` without being complete ends
 * the fast path of the union.
 *
 * Supported: `String`, `Number`, `Boolean`, `Null`, `Undefined`, `Unknown`, `Any`, `Literal`, structs without
 * index signatures, arrays (no tuple elements), `anyOf` unions, filters (`checks`) on any of them, and
 * transformations registered with {@link register} (the codecs of `codecs.ts`). Everything else compiles to
 * "always `invalid`", i.e. Schema.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import type { SchemaAST } from "effect"

/** "Not decoded here": run the full Schema decode. */
export const invalid: unique symbol = Symbol.for("effect-esim-access/fastDecode/invalid")

/** A compiled fast decoder: the decoded value, or {@link invalid}. */
export type Decode = (input: unknown) => unknown

type AnyTransformation = SchemaAST.Link["transformation"]

interface Registered {
  /** for a codec: its whole encoding chain */
  readonly transformations: ReadonlyArray<AnyTransformation> | undefined
  readonly decode: Decode
  readonly complete: boolean
}

// A codec is keyed by the first transformation of its encoding chain, a union by its array of members: both
// objects survive `optionalKey`, `check` and `annotate` (which copy the node) and are replaced by `toType` and
// `toEncoded` (which rebuild it), so a registration never applies to a schema that decodes differently.
const registry = new WeakMap<object, Registered>()

/**
 * Gives a codec (a schema with a transformation) or a union a fast decoder. `decode` must return exactly what
 * Schema decodes the input to, before the schema's own filters (the compiler runs those), or {@link invalid}.
 * `complete: true` promises that `decode` returns `invalid` only when Schema fails. Schemas built from it
 * (`optionalKey`, `NullOr`, `.check`, struct fields, unions) use it.
 */
export const register = (schema: Schema.Top, decode: Decode, options: { readonly complete: boolean }): void => {
  const ast = schema.ast
  if (ast.encoding !== undefined) {
    registry.set(ast.encoding[0].transformation, {
      transformations: ast.encoding.map((link) => link.transformation),
      decode,
      complete: options.complete
    })
  } else if (ast._tag === "Union") {
    registry.set(ast.types, { transformations: undefined, decode, complete: options.complete })
  } else {
    throw new Error("fastDecode.register: only a codec or a union can be registered")
  }
}

interface Compiled {
  readonly decode: Decode
  /** `invalid` means Schema fails */
  readonly complete: boolean
  /** for a leaf without filters: the JavaScript condition under which the variable named is invalid */
  readonly reject?: (variable: string) => string
}

const registered = (encoding: SchemaAST.Encoding): Compiled | undefined => {
  const entry = registry.get(encoding[0].transformation)
  const transformations = entry?.transformations
  if (entry === undefined || transformations?.length !== encoding.length) return undefined
  return encoding.every((link, i) => link.transformation === transformations[i]) ?
    { decode: entry.decode, complete: entry.complete } :
    undefined
}

const parseOptions: SchemaAST.ParseOptions = {}

const passes = (checks: ReadonlyArray<SchemaAST.Check<unknown>>, value: unknown, ast: SchemaAST.AST): boolean => {
  for (const check of checks) {
    if (check._tag === "FilterGroup") {
      if (!passes(check.checks, value, ast)) return false
    } else if (check.run(value, ast, parseOptions) !== undefined) {
      return false
    }
  }
  return true
}

const withChecks = (ast: SchemaAST.AST, compiled: Compiled): Compiled => {
  const checks = ast.checks
  if (checks === undefined) return compiled
  const { decode } = compiled
  return {
    decode: (input) => {
      const value = decode(input)
      return value === invalid || !passes(checks, value, ast) ? invalid : value
    },
    complete: compiled.complete
  }
}

// property names that Schema reads as own properties only (as `SchemaAST.requiresOwnProperty`)
const ownOnlyNames = new Set<PropertyKey>([...Reflect.ownKeys(Object.prototype), "__proto__"])

const isRecord = (input: unknown): input is Record<string, unknown> =>
  typeof input === "object" && input !== null && !Array.isArray(input)

interface Field {
  readonly name: string
  readonly compiled: Compiled
  readonly optional: boolean
  readonly ownOnly: boolean
}

/** an optional field that is absent (generated code) */
const absent: unique symbol = Symbol.for("effect-esim-access/fastDecode/absent")

/**
 * A struct decoder generated as JavaScript source, so that every property access names its key: V8 then keeps one
 * hidden class per site, where a loop over the keys (`input[name]`) goes megamorphic and is an order of magnitude
 * slower on a catalogue. Only JSON-quoted property names enter the source; decoders are passed as arguments.
 * `undefined` where `new Function` is not allowed (a strict Content Security Policy).
 *
 * With `reuse` (fresh JSON input only) an object whose fields all decode to themselves and that has no other key
 * is returned as it is instead of copied: for a plain data object with own string keys that is exactly Schema's
 * value, and it spares the copy (and its garbage collection) on the common path.
 */
const generateObjects = (fields: ReadonlyArray<Field>, reuse: boolean): Decode | undefined => {
  const names = fields.map((field) => JSON.stringify(field.name))
  let body = `"use strict";return function(i){if(typeof i!=="object"||i===null||Array.isArray(i))return I;` +
    `let c=${reuse ? "false" : "true"},n=0,w${fields.map((_, k) => `,v${k}`).join("")};`
  fields.forEach((field, k) => {
    const key = names[k]!
    const has = field.ownOnly ? `Object.hasOwn(i,${key})` : `${key} in i`
    const test = field.compiled.reject === undefined ?
      `w=d${k}(v${k});if(w===I)return I;if(w!==v${k}){c=true;v${k}=w}` :
      `if(${field.compiled.reject(`v${k}`)})return I;`
    body += `if(${has}){v${k}=i[${key}];${test}n++}else ${field.optional ? `v${k}=A;` : "return I;"}`
  })
  // any key beyond the declared ones present makes a copy (Schema drops it)
  if (reuse) body += "if(!c){for(const k in i){if(--n<0){c=true;break}}if(!c)return i}"
  body += "const o={};"
  fields.forEach((field, k) => {
    const assign = field.name === "__proto__" ?
      `Object.defineProperty(o,${names[k]},{value:v${k},writable:true,enumerable:true,configurable:true});` :
      `o[${names[k]}]=v${k};`
    body += field.optional ? `if(v${k}!==A)${assign}` : assign
  })
  body += "return o}"
  try {
    const make = new Function("I", "A", ...fields.map((_, k) => `d${k}`), body) as (...args: Array<unknown>) => Decode
    return make(invalid, absent, ...fields.map((field) => field.compiled.decode))
  } catch {
    return undefined
  }
}

/** The same decoder as a loop over the keys: the fallback of {@link generateObjects}. */
const loopObjects = (fields: ReadonlyArray<Field>): Decode => {
  const count = fields.length
  return (input) => {
    if (!isRecord(input)) return invalid
    const out: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) {
      const { compiled, name, optional, ownOnly } = fields[i]!
      if (ownOnly ? !Object.hasOwn(input, name) : !(name in input)) {
        if (optional) continue
        return invalid
      }
      const value = compiled.decode(input[name])
      if (value === invalid) return invalid
      if (name === "__proto__") {
        Object.defineProperty(out, name, { value, writable: true, enumerable: true, configurable: true })
      } else {
        out[name] = value
      }
    }
    return out
  }
}

const compileObjects = (ast: SchemaAST.Objects, mode: Mode): Compiled | undefined => {
  if (ast.indexSignatures.length > 0 || ast.encodingChecks !== undefined) return undefined
  const fields: Array<Field> = []
  let complete = true
  for (const property of ast.propertySignatures) {
    if (typeof property.name !== "string") return undefined
    const compiled = compileNode(property.type, mode)
    if (compiled === undefined) return undefined
    complete &&= compiled.complete
    fields.push({
      name: property.name,
      compiled,
      optional: property.type.context?.isOptional === true,
      ownOnly: ownOnlyNames.has(property.name)
    })
  }
  // an empty struct accepts any non-nullish value as it is
  if (fields.length === 0) {
    return { decode: (input) => (input === null || input === undefined ? invalid : input), complete }
  }
  const decode = (mode === "loop" ? undefined : generateObjects(fields, mode === "json")) ?? loopObjects(fields)
  return { decode, complete }
}

const compileArrays = (ast: SchemaAST.Arrays, mode: Mode): Compiled | undefined => {
  if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
  const element = compileNode(ast.rest[0]!, mode)
  if (element === undefined) return undefined
  const decodeElement = element.decode
  const reuse = mode === "json"
  const decode: Decode = (input) => {
    if (!Array.isArray(input)) return invalid
    const length = input.length
    // with `reuse`, the input array itself until an element decodes to something else
    let out: Array<unknown> | undefined = reuse ? undefined : []
    for (let i = 0; i < length; i++) {
      const item: unknown = input[i]
      const value = decodeElement(item)
      if (value === invalid) return invalid
      if (out !== undefined) out.push(value)
      else if (value !== item) {
        out = input.slice(0, i)
        out.push(value)
      }
    }
    return out ?? input
  }
  return { decode, complete: element.complete }
}

const compileUnion = (ast: SchemaAST.Union, mode: Mode): Compiled | undefined => {
  if (ast.options?.mode === "oneOf" || ast.encodingChecks !== undefined) return undefined
  // Schema tries the members in order and keeps the first success. A member's `invalid` lets the next one be
  // tried only when the member is complete; the first incomplete member is the last one tried here.
  const members: Array<Decode> = []
  let complete = true
  for (const type of ast.types) {
    const compiled = compileNode(type, mode)
    if (compiled === undefined) {
      complete = false
      break
    }
    members.push(compiled.decode)
    if (!compiled.complete) {
      complete = false
      break
    }
  }
  if (members.length === 0) return undefined
  const count = members.length
  const decode: Decode = (input) => {
    for (let i = 0; i < count; i++) {
      const value = members[i]!(input)
      if (value !== invalid) return value
    }
    return invalid
  }
  return { decode, complete }
}

const leaf = (decode: Decode, reject?: (variable: string) => string): Compiled =>
  reject === undefined ? { decode, complete: true } : { decode, complete: true, reject }

const string = leaf((input) => (typeof input === "string" ? input : invalid), (v) => `typeof ${v}!=="string"`)
const number = leaf((input) => (typeof input === "number" ? input : invalid), (v) => `typeof ${v}!=="number"`)
const boolean = leaf((input) => (typeof input === "boolean" ? input : invalid), (v) => `typeof ${v}!=="boolean"`)
const nullNode = leaf((input) => (input === null ? input : invalid), (v) => `${v}!==null`)
const undefinedNode = leaf((input) => (input === undefined ? input : invalid), (v) => `${v}!==void 0`)
const unknown = leaf((input) => input, () => "false")

const compileBase = (ast: SchemaAST.AST, mode: Mode): Compiled | undefined => {
  if (ast.encoding !== undefined) return registered(ast.encoding)
  switch (ast._tag) {
    case "String":
      return string
    case "Number":
      return number
    case "Boolean":
      return boolean
    case "Null":
      return nullNode
    case "Undefined":
      return undefinedNode
    case "Unknown":
    case "Any":
      return unknown
    case "Literal": {
      const literal = ast.literal
      return leaf((input) => (input === literal ? input : invalid))
    }
    case "Objects":
      return compileObjects(ast, mode)
    case "Arrays":
      return compileArrays(ast, mode)
    case "Union": {
      const entry = registry.get(ast.types)
      return entry === undefined ? compileUnion(ast, mode) : { decode: entry.decode, complete: entry.complete }
    }
    default:
      return undefined
  }
}

/**
 * - `generated`: struct decoders are generated code where `new Function` is allowed, else loops;
 * - `json`: as `generated`, for fresh `JSON.parse` output only: objects and arrays that decode to themselves are
 *   returned as they are, not copied (a JSON object is a plain object with own data properties and string keys,
 *   so it then equals Schema's copy);
 * - `loop`: never generated (tests compare the three).
 */
export type Mode = "generated" | "json" | "loop"

const caches: Record<Mode, WeakMap<SchemaAST.AST, Compiled | null>> = {
  generated: new WeakMap(),
  json: new WeakMap(),
  loop: new WeakMap()
}

/** The fast decoder of one node, or `undefined` when the node (or a node it needs) is not supported. */
const compileNode = (ast: SchemaAST.AST, mode: Mode): Compiled | undefined => {
  const cache = caches[mode]
  const cached = cache.get(ast)
  if (cached !== undefined) return cached ?? undefined
  const base = compileBase(ast, mode)
  const compiled = base === undefined ? undefined : withChecks(ast, base)
  cache.set(ast, compiled ?? null)
  return compiled
}

const never: Decode = () => invalid

/**
 * The fast decoder of a schema: the decoded value or {@link invalid}; always {@link invalid} when the schema is
 * not supported at its root.
 */
export const compile = (schema: Schema.Top, mode: Mode = "generated"): Decode =>
  compileNode(schema.ast, mode)?.decode ?? never

/** Whether `invalid` from {@link compile}'s decoder means that Schema fails (for tests). */
export const isComplete = (schema: Schema.Top): boolean => compileNode(schema.ast, "loop")?.complete ?? false

/**
 * `Schema.decodeUnknownEffect(schema)` with the fast path in front: the same successes, and the same errors (they
 * come from Schema itself). With `json: true` the input must be a value fresh from `JSON.parse` that nothing else
 * holds: parts of it may be returned as they are (see {@link Mode}).
 */
export const decodeUnknownEffect = <S extends Schema.Top>(schema: S, options?: { readonly json?: boolean }) => {
  const slow = Schema.decodeUnknownEffect(schema)
  const mode: Mode = options?.json === true ? "json" : "generated"
  let fast: Decode | undefined
  return (input: unknown): Effect.Effect<S["Type"], Schema.SchemaError, S["DecodingServices"]> => {
    const value = (fast ??= compile(schema, mode))(input)
    return value === invalid ? slow(input) : Effect.succeed(value as S["Type"])
  }
}
