/**
 * The simulator's HTTP face, as a web-standard handler `(Request) => Effect<Response>` that every transport uses
 * (the in-process `HttpClient` and the `HttpServer`). It speaks the wire of the reference: `POST
 * /api/v1/open/<path>`, the `RT-*` headers, the `{ success, errorCode, errorMsg, obj }` envelope, business errors
 * as HTTP 200 with `success: false` (reference §1.4). Bodies are decoded with each endpoint's request schema and
 * answers encoded with its response schema (`src/internal/wire/`), the same schemas the client uses.
 *
 * The order of the checks: injected fault, path, method (000103), access code (000101, 401001), signature in strict
 * mode (000101, 000102, 101001, 101003), rate limit (HTTP 429), JSON (000104), mandatory parameters (000105,
 * 000106, 000107), schema (400001), then the state machine.
 *
 * @internal
 */
import { Clock, Duration, Effect, Result, Schema, SchemaIssue } from "effect"
import type { Fault, FaultOptions } from "../../Simulator.ts"
import { hmacSha256Hex } from "../signature.ts"
import * as AccountWire from "../wire/account.ts"
import type { Endpoint } from "../wire/endpoint.ts"
import { failure, success } from "../wire/envelope.ts"
import * as OrdersWire from "../wire/orders.ts"
import * as PackagesWire from "../wire/packages.ts"
import * as ProfilesWire from "../wire/profiles.ts"
import type { Runtime } from "./runtime.ts"
import * as State from "./state.ts"

/** Every endpoint lives under this path (reference §1.1). */
export const pathPrefix = "/api/v1/open/"

export interface Security {
  readonly accessCode: string
  /** strict mode: every request must be signed (reference §1.3) */
  readonly strict: boolean
  /** the signing key in strict mode; the access code when absent (reference §1.3, §7.1) */
  readonly secretKey: string | undefined
  /** the allowed clock skew of `RT-Timestamp`; undocumented, ±5 minutes as the reference suggests [?] */
  readonly maxSkewMillis: number
}

export interface RateLimit {
  readonly limit: number
  readonly windowMillis: number
}

export interface Handler {
  readonly handle: (request: Request) => Effect.Effect<Response>
  readonly injectFault: (fault: Fault, options?: FaultOptions) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
}

// ---------------------------------------------------------------------------------------------------------------
// answers
// ---------------------------------------------------------------------------------------------------------------

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const fail = (f: State.ApiFailure) => json(failure(f.code, f.message))

// ---------------------------------------------------------------------------------------------------------------
// mandatory parameters (reference §3: 000105 missing, 000106 null or empty, 000107 length)
// ---------------------------------------------------------------------------------------------------------------

type Body = Readonly<Record<string, unknown>>
type Check = (body: Body) => State.ApiFailure | undefined

const isRecord = (u: unknown): u is Body => typeof u === "object" && u !== null && !Array.isArray(u)
const isBlank = (u: unknown) => u === null || u === "" || (Array.isArray(u) && u.length === 0)
const absent = (body: Body, key: string) => !(key in body) || body[key] === undefined

const required = (body: Body, key: string, label = key): State.ApiFailure | undefined =>
  absent(body, key) ?
    State.apiFailure("000105", label) :
    isBlank(body[key]) ?
    State.apiFailure("000106", label) :
    undefined

/** Exactly one of `keys` is meant to be given; unused ones may be sent as `""` (reference §2.3). */
const requiredOneOf = (body: Body, keys: ReadonlyArray<string>): State.ApiFailure | undefined => {
  const label = keys.join(" or ")
  if (keys.every((key) => absent(body, key))) return State.apiFailure("000105", label)
  if (keys.every((key) => absent(body, key) || isBlank(body[key]))) return State.apiFailure("000106", label)
  return undefined
}

/**
 * Strings are measured in code points, not UTF-16 code units: "max 50 chars, utf8mb4" (§2.2) and "<= 500
 * characters" (§2.12) count characters, so an emoji (two code units, one utf8mb4 character) counts once, as our
 * client counts it (`transactionIdProblem`). Arrays are measured in elements (§2.13: at most 10 ids).
 */
const maxLength = (body: Body, key: string, max: number, label = key): State.ApiFailure | undefined => {
  const value = body[key]
  const length = typeof value === "string" ? [...value].length : Array.isArray(value) ? value.length : 0
  return length > max ? State.apiFailure("000107", `${label} is longer than ${max}`) : undefined
}

const numeric = (u: unknown): number | undefined =>
  typeof u === "number" ? u : typeof u === "string" && /^-?\d+$/.test(u) ? Number(u) : undefined

const inRange = (body: Body, key: string, min: number, max: number, label: string): State.ApiFailure | undefined => {
  const n = numeric(body[key])
  return n !== undefined && (n < min || n > max)
    ? State.apiFailure("000107", `${label} must be ${min} to ${max}`)
    : undefined
}

const noCheck: Check = () => undefined

const profileRef: Check = (body) => requiredOneOf(body, ["esimTranNo", "iccid"])

const checks = {
  // transactionId at most 50 characters; packageInfoList with packageCode and count (§2.2)
  order: (body: Body) =>
    required(body, "transactionId") ??
      maxLength(body, "transactionId", 50) ??
      required(body, "packageInfoList") ??
      (Array.isArray(body["packageInfoList"]) ?
        body["packageInfoList"].reduce<State.ApiFailure | undefined>(
          (found, line: unknown, i) =>
            found ?? (isRecord(line) ?
              required(line, "packageCode", `packageInfoList[${i}].packageCode`) ??
                required(line, "count", `packageInfoList[${i}].count`) :
              State.apiFailure("000105", `packageInfoList[${i}]`)),
          undefined
        ) :
        undefined),
  // pager {pageNum 1..10000, pageSize 5..500} and one id or a time range (§2.3)
  query: (body: Body) => {
    const pager = body["pager"]
    return required(body, "pager") ??
      (isRecord(pager) ?
        required(pager, "pageNum", "pager.pageNum") ??
          required(pager, "pageSize", "pager.pageSize") ??
          inRange(pager, "pageNum", 1, 10_000, "pager.pageNum") ??
          inRange(pager, "pageSize", 5, 500, "pager.pageSize") :
        undefined) ??
      (["orderNo", "iccid", "esimTranNo", "startTime", "endTime"].some((key) =>
          !absent(body, key) && !isBlank(body[key])
        ) ?
        undefined :
        State.apiFailure("000105", "orderNo, iccid, esimTranNo or startTime/endTime"))
  },
  // message at most 500 characters (§2.12)
  sms: (body: Body) => profileRef(body) ?? required(body, "message") ?? maxLength(body, "message", 500),
  topUp: (body: Body) =>
    profileRef(body) ??
      required(body, "packageCode") ??
      required(body, "transactionId") ??
      maxLength(body, "transactionId", 50),
  // at most 10 esimTranNos, no ICCIDs (§2.13)
  usage: (body: Body) =>
    required(body, "esimTranNoList") ??
      maxLength(body, "esimTranNoList", 10) ??
      (Array.isArray(body["esimTranNoList"]) && body["esimTranNoList"].some(isBlank) ?
        State.apiFailure("000106", "esimTranNoList[]") :
        undefined),
  webhook: (body: Body) => required(body, "webhook")
} satisfies Record<string, Check>

// ---------------------------------------------------------------------------------------------------------------
// routes: decode with the endpoint's request schema, run, encode with its response schema
// ---------------------------------------------------------------------------------------------------------------

interface Route {
  readonly check: Check
  readonly run: (body: Body) => Effect.Effect<Result.Result<unknown, State.ApiFailure>>
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const schemaFailure = (code: string, error: Schema.SchemaError): State.ApiFailure => {
  const first = formatter(error.issue).issues[0]
  const path = (first?.path ?? []).map((s) => String(typeof s === "object" && s !== null ? s.key : s)).join(".")
  const message = first?.message ?? "invalid value"
  return State.apiFailure(code, path === "" ? message : `${path}: ${message}`)
}

const route = <A, I, B, O>(
  endpoint: Endpoint<Schema.Codec<A, I>, Schema.Codec<B, O>>,
  check: Check,
  run: (request: A) => Effect.Effect<Result.Result<B, State.ApiFailure>>
): Route => {
  const decode = Schema.decodeUnknownEffect(endpoint.request)
  const encode = Schema.encodeEffect(endpoint.response)
  return {
    check,
    run: (body) =>
      Effect.gen(function*() {
        const decoded = yield* Effect.result(decode(body))
        // a parameter present but malformed: "Invalid parameters" (vendor skill code, §3) [?]
        if (Result.isFailure(decoded)) return Result.fail(schemaFailure("400001", decoded.failure))
        const result = yield* run(decoded.success)
        if (Result.isFailure(result)) return Result.fail(result.failure)
        const encoded = yield* Effect.result(encode(result.success))
        // an answer our own schema rejects is a simulator bug: "Server error"
        return Result.isFailure(encoded) ?
          Result.fail(schemaFailure("000001", encoded.failure)) :
          Result.succeed<unknown>(encoded.success)
      })
  }
}

const makeRoutes = (runtime: Runtime): ReadonlyMap<string, Route> => {
  const config = runtime.config
  const sync = <A>(f: (state: State.State, now: number) => A) => runtime.read(f)
  const tx = <A>(f: (state: State.State, now: number) => State.Outcome<A>) => runtime.transact(f)
  const lifecycle = (
    endpoint: typeof ProfilesWire.cancel,
    op: (
      config: State.Config,
      state: State.State,
      now: number,
      ref: typeof ProfilesWire.ProfileRef.Type
    ) => State.Outcome<{}>
  ) => route(endpoint, profileRef, (request) => tx((s, now) => op(config, s, now, request)))
  const routes: ReadonlyArray<readonly [string, Route]> = [
    // §2.1
    [
      PackagesWire.list.path,
      route(
        PackagesWire.list,
        noCheck,
        (request) => sync((s) => Result.succeed({ packageList: State.listPackages(config, s, request) }))
      )
    ],
    // §2.2
    [
      OrdersWire.order.path,
      route(OrdersWire.order, checks.order, (request) => tx((s, now) => State.order(config, s, now, request)))
    ],
    // §2.3
    [
      ProfilesWire.query.path,
      route(ProfilesWire.query, checks.query, (request) => sync((s) => State.query(s, request)))
    ],
    // §2.4 to §2.7
    [ProfilesWire.cancel.path, lifecycle(ProfilesWire.cancel, State.cancel)],
    [ProfilesWire.suspend.path, lifecycle(ProfilesWire.suspend, State.suspend)],
    [ProfilesWire.unsuspend.path, lifecycle(ProfilesWire.unsuspend, State.unsuspend)],
    [ProfilesWire.revoke.path, lifecycle(ProfilesWire.revoke, State.revoke)],
    // §2.8
    [
      AccountWire.balance.path,
      route(AccountWire.balance, noCheck, () => sync((s) => Result.succeed({ balance: s.balance })))
    ],
    // §2.9
    [
      OrdersWire.topUp.path,
      route(OrdersWire.topUp, checks.topUp, (request) => tx((s, now) => State.topUp(config, s, now, request)))
    ],
    // §2.10: a CHECK_HEALTH POST first; the URL is saved only when it answers 200
    [
      AccountWire.webhookSave.path,
      route(AccountWire.webhookSave, checks.webhook, (request) =>
        runtime.sender.checkHealth(request.webhook).pipe(
          Effect.flatMap((healthy) =>
            healthy ?
              tx((s) => ({ state: State.setWebhook(s, request.webhook), events: [], result: Result.succeed({}) })) :
              // the code for a failed check is undocumented [?]
              Effect.succeed(
                Result.fail(State.apiFailure("400001", "the webhook URL did not answer HTTP 200 to CHECK_HEALTH"))
              )
          )
        ))
    ],
    // §2.11
    [
      AccountWire.webhookQuery.path,
      route(AccountWire.webhookQuery, noCheck, () => sync((s) => Result.succeed({ webhook: s.webhook ?? null })))
    ],
    // §2.12
    [
      ProfilesWire.sendSms.path,
      route(ProfilesWire.sendSms, checks.sms, (request) => tx((s, now) => State.sendSms(config, s, now, request)))
    ],
    // §2.13
    [
      AccountWire.usage.path,
      route(
        AccountWire.usage,
        checks.usage,
        (request) => sync((s) => Result.succeed({ esimUsageList: State.usage(s, request) }))
      )
    ],
    // §2.14
    [
      AccountWire.locations.path,
      route(
        AccountWire.locations,
        noCheck,
        () => Effect.succeed(Result.succeed({ locationList: config.catalogue.locations }))
      )
    ]
  ]
  return new Map(routes)
}

// ---------------------------------------------------------------------------------------------------------------
// the handler
// ---------------------------------------------------------------------------------------------------------------

/** The answer of an over-limit request: HTTP 429, `Retry-After` in whole seconds (undocumented live, §6 [?]). */
const tooManyRequests = (limit: RateLimit, retryAfterMillis: number) =>
  new Response(`Too Many Requests: at most ${limit.limit} requests per ${limit.windowMillis} ms`, {
    status: 429,
    headers: { "content-type": "text/plain", "retry-after": String(Math.max(1, Math.ceil(retryAfterMillis / 1000))) }
  })

export const make = (options: {
  readonly runtime: Runtime
  readonly security: Security
  readonly rateLimit: RateLimit | undefined
}): Handler => {
  const routes = makeRoutes(options.runtime)
  const security = options.security
  const faults: Array<{ readonly fault: Fault; remaining: number; readonly path: string | undefined }> = []
  // a sliding window: the start times of the admitted requests of the last window (§6: 8 per second)
  const admitted: Array<number> = []

  const takeFault = (path: string): Fault | undefined => {
    const index = faults.findIndex((f) => f.path === undefined || f.path === path)
    const entry = faults[index]
    if (entry === undefined) return undefined
    entry.remaining--
    if (entry.remaining <= 0) faults.splice(index, 1)
    return entry.fault
  }

  const admit = (limit: RateLimit, now: number): number | undefined => {
    while (admitted.length > 0 && admitted[0]! <= now - limit.windowMillis) admitted.shift()
    if (admitted.length >= limit.limit) return admitted[0]! + limit.windowMillis - now
    admitted.push(now)
    return undefined
  }

  const authenticate = (request: Request, body: string): Effect.Effect<State.ApiFailure | undefined> =>
    Effect.gen(function*() {
      const accessCode = request.headers.get("rt-accesscode")
      // the only mandatory header (§1.3)
      if (accessCode === null || accessCode === "") return State.apiFailure("000101", "RT-AccessCode")
      // the live code for a wrong access code is unpublished; the vendor skill lists 401001 (§3) [?]
      if (accessCode !== security.accessCode) return State.apiFailure("401001")
      if (!security.strict) return undefined
      const timestamp = request.headers.get("rt-timestamp")
      const requestId = request.headers.get("rt-requestid")
      const signature = request.headers.get("rt-signature")
      const missing = (
        [["RT-Timestamp", timestamp], ["RT-RequestID", requestId], ["RT-Signature", signature]] as const
      ).find(([, value]) => value === null || value === "")
      if (missing !== undefined) return State.apiFailure("000101", missing[0])
      if (!/^\d+$/.test(timestamp ?? "")) return State.apiFailure("000102", "RT-Timestamp")
      // milliseconds (§1.3); the docs' worked example uses seconds, read as such
      const raw = Number(timestamp)
      const sent = raw < 1e11 ? raw * 1000 : raw
      const now = yield* Clock.currentTimeMillis
      if (Math.abs(now - sent) > security.maxSkewMillis) return State.apiFailure("101001")
      const expected = hmacSha256Hex(
        security.secretKey ?? security.accessCode,
        `${timestamp}${requestId}${accessCode}${body}`
      )
      // compared case-insensitively: the docs print upper case, the Java sample lower case (§1.3)
      return expected === (signature ?? "").toLowerCase() ? undefined : State.apiFailure("101003")
    })

  const process = (request: Request, path: string): Effect.Effect<Response> =>
    Effect.gen(function*() {
      const route = routes.get(path)
      if (route === undefined) {
        return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } })
      }
      // every endpoint is POST (§1.2)
      if (request.method.toUpperCase() !== "POST") {
        return fail(State.apiFailure("000103"))
      }
      const text = yield* Effect.tryPromise(() => request.text()).pipe(Effect.orElseSucceed(() => undefined))
      const denied = yield* authenticate(request, text ?? "")
      if (denied !== undefined) return fail(denied)
      if (options.rateLimit !== undefined) {
        const wait = admit(options.rateLimit, yield* Clock.currentTimeMillis)
        if (wait !== undefined) return tooManyRequests(options.rateLimit, wait)
      }
      if (text === undefined) return fail(State.apiFailure("000104"))
      // an empty body and `{}` are both accepted (§1.2)
      let body: unknown = {}
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text)
        } catch {
          return fail(State.apiFailure("000104"))
        }
      }
      if (!isRecord(body)) return fail(State.apiFailure("000104", "expected a JSON object"))
      const missing = route.check(body)
      if (missing !== undefined) return fail(missing)
      const result = yield* route.run(body)
      return Result.isSuccess(result) ? json(success(result.success)) : fail(result.failure)
    })

  const handle = (request: Request): Effect.Effect<Response> =>
    Effect.gen(function*() {
      const pathname = URL.canParse(request.url) ? new URL(request.url).pathname : ""
      const path = pathname.startsWith(pathPrefix) ? pathname.slice(pathPrefix.length) : pathname
      const fault = takeFault(path)
      if (fault === undefined) return yield* process(request, path)
      switch (fault._tag) {
        case "Latency": {
          yield* Effect.sleep(fault.duration)
          return yield* process(request, path)
        }
        case "HttpStatus":
          return new Response(fault.body ?? `<html><body>${fault.status}</body></html>`, {
            status: fault.status,
            headers: { "content-type": "text/html" }
          })
        case "Drop":
          return Response.error()
        case "MalformedBody":
          return new Response(`{"success":true,"errorCode":"0","obj":{"bal`, {
            headers: { "content-type": "application/json" }
          })
        case "ServerBusy":
          return fail(State.apiFailure("900001"))
        case "LostResponse": {
          // the request is carried out, then the connection drops before the answer
          yield* process(request, path)
          return Response.error()
        }
      }
    })

  return {
    handle,
    injectFault: (fault, faultOptions) =>
      Effect.sync(() => {
        faults.push({ fault, remaining: Math.max(1, Math.floor(faultOptions?.times ?? 1)), path: faultOptions?.path })
      }),
    clearFaults: Effect.sync(() => {
      faults.length = 0
    })
  }
}

/** A duration from the options' input. */
export const millis = (input: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(input))
