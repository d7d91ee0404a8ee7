/**
 * A fake eSIM Access for unit tests: an in-memory `HttpClient` that answers with your handler and records every
 * request (path, headers, parsed body, time by Effect's `Clock`), plus an `EsimAccessConfig` pointing at it.
 * For a stateful stand-in of the whole API, use `Simulator`.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import type { HttpClientRequest } from "effect/http"
import * as EsimAccessConfig from "./EsimAccessConfig.ts"
import { codeTable } from "./internal/errorCodes.ts"
import { failure, success } from "./internal/wire/envelope.ts"

/**
 * A request as the fake received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  /** the endpoint path under `/api/v1/open/`, e.g. `esim/order` */
  readonly path: string
  readonly url: string
  readonly method: string
  /** lower-cased header names */
  readonly headers: Readonly<Record<string, string>>
  /** the exact body text sent */
  readonly bodyText: string
  /** the body parsed as JSON (`undefined` when empty or not JSON) */
  readonly body: unknown
  /** `Clock.currentTimeMillis` when the request arrived (TestClock time in tests) */
  readonly time: number
  /** 1 for the first request the fake saw */
  readonly index: number
}

/**
 * What a handler answers: a web `Response`, or `drop` to fail as a dropped connection.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Response | typeof drop

/**
 * Answers the fake's requests: a function of the recorded request to a reply (or an effect of one, to read a
 * `Ref`, count calls or wait on the `Clock`).
 *
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: RecordedRequest) => Reply | Effect.Effect<Reply>

/**
 * Answer as a dropped connection (no response at all).
 *
 * @since 0.1.0
 * @category replies
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance, EsimAccessTest } from "effect-esim-access"
 *
 * // the first attempt's connection drops, the retry gets an answer
 * let calls = 0
 * const test = Balance.query().pipe(
 *   Effect.provide(EsimAccessTest.layer(
 *     { "balance/query": () => ++calls === 1 ? EsimAccessTest.drop : EsimAccessTest.ok({ balance: 1 }) },
 *     { retry: { base: "1 millis" } }
 *   ))
 * )
 * ```
 */
export const drop: unique symbol = Symbol.for("effect-esim-access/EsimAccessTest/drop")

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

/**
 * A success envelope around `obj`.
 *
 * @since 0.1.0
 * @category replies
 * @example
 * ```ts
 * import { EsimAccessTest } from "effect-esim-access"
 *
 * EsimAccessTest.ok({ balance: 940000 })
 * ```
 */
export const ok = (obj: unknown = {}): Response => json(success(obj))

/**
 * A failure envelope (HTTP 200, `success: false`), with the documented message when none is given.
 *
 * @since 0.1.0
 * @category replies
 * @example
 * ```ts
 * import { EsimAccessTest } from "effect-esim-access"
 *
 * EsimAccessTest.apiError("200007")
 * ```
 */
export const apiError = (code: string, message?: string): Response =>
  json(failure(code, message ?? codeTable[code]?.message ?? "error"))

/**
 * A raw HTTP answer, e.g. `status(502, "<html>Bad gateway</html>")` or `status(429, "", { "retry-after": "2" })`.
 *
 * @since 0.1.0
 * @category replies
 * @example
 * ```ts
 * import { EsimAccessTest } from "effect-esim-access"
 *
 * EsimAccessTest.status(503, "<html>down</html>")
 * ```
 */
export const status = (code: number, body = "", headers: Record<string, string> = {}): Response =>
  new Response(body, { status: code, headers })

/**
 * Replies with a recorded payload (a whole envelope, as in the fixtures).
 *
 * @since 0.1.0
 * @category replies
 * @example
 * ```ts
 * import { EsimAccessTest } from "effect-esim-access"
 *
 * EsimAccessTest.envelope({ success: true, errorCode: "0", errorMsg: null, obj: { balance: 1 } })
 * ```
 */
export const envelope = (body: unknown): Response => json(body)

/**
 * The recorder: read what the fake received.
 *
 * @since 0.1.0
 * @category services
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance, EsimAccessTest } from "effect-esim-access"
 *
 * const test = Effect.gen(function*() {
 *   yield* Balance.query()
 *   const recorder = yield* EsimAccessTest.EsimAccessTest
 *   const [request] = yield* recorder.requests
 *   return request?.headers["rt-accesscode"] // "test-access-code"
 * }).pipe(Effect.provide(EsimAccessTest.layer(() => EsimAccessTest.ok({ balance: 1 }))))
 * ```
 */
export class EsimAccessTest extends Context.Service<EsimAccessTest, {
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
}>()("effect-esim-access/EsimAccessTest") {}

/**
 * The requests recorded so far.
 *
 * @since 0.1.0
 * @category accessors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EsimAccessTest, Orders } from "effect-esim-access"
 *
 * const test = Effect.gen(function*() {
 *   yield* Orders.create({ transactionId: "t-1", packageInfoList: [{ packageCode: "CKH491", count: 1 }] })
 *   const [request] = yield* EsimAccessTest.requests
 *   return request?.body // { transactionId: "t-1", packageInfoList: [{ packageCode: "CKH491", count: 1 }] }
 * }).pipe(
 *   Effect.provide(EsimAccessTest.layer({
 *     "esim/order": () => EsimAccessTest.ok({ orderNo: "B25010112340001", transactionId: "t-1" })
 *   }))
 * )
 * ```
 */
export const requests: Effect.Effect<ReadonlyArray<RecordedRequest>, never, EsimAccessTest> = EsimAccessTest.use((
  t
) => t.requests)

const bodyText = (request: HttpClientRequest.HttpClientRequest): string => {
  const body = request.body
  if (body._tag === "Uint8Array") return new TextDecoder().decode(body.body)
  return ""
}

const parse = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A fake `HttpClient` that answers with `handler` (or, given a record, the handler for each path; unknown paths
 * answer HTTP 404), plus the recorder. Provide your own `EsimAccessConfig` with it, e.g. to test signing.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Balance, EsimAccessConfig, EsimAccessTest } from "effect-esim-access"
 *
 * const test = Effect.gen(function*() {
 *   yield* Balance.query()
 *   const [request] = yield* EsimAccessTest.requests
 *   return request?.headers["rt-signature"] // HMAC-SHA256, hex
 * }).pipe(
 *   Effect.provide(Layer.merge(
 *     EsimAccessTest.layerHttpClient(() => EsimAccessTest.ok({ balance: 1 })),
 *     EsimAccessConfig.layer({ accessCode: "ac", secretKey: "sk", baseUrl: "https://api.test", retry: false })
 *   ))
 * )
 * ```
 */
export const layerHttpClient = (
  handler: Handler | Readonly<Record<string, Handler>>
): Layer.Layer<HttpClient.HttpClient | EsimAccessTest> =>
  Layer.effectContext(Effect.gen(function*() {
    const log = yield* Ref.make<ReadonlyArray<RecordedRequest>>([])
    const route: Handler = typeof handler === "function" ?
      handler :
      (request) => handler[request.path]?.(request) ?? status(404, `no handler for ${request.path}`)
    const client = HttpClient.make((request, url) =>
      Effect.gen(function*() {
        const text = bodyText(request)
        const recorded: RecordedRequest = {
          path: url.pathname.replace(/^\/api\/v1\/open\//, ""),
          url: url.toString(),
          method: request.method,
          headers: { ...request.headers },
          bodyText: text,
          body: parse(text),
          time: yield* Clock.currentTimeMillis,
          index: (yield* Ref.get(log)).length + 1
        }
        yield* Ref.update(log, (xs) => [...xs, recorded])
        const out = route(recorded)
        const reply = Effect.isEffect(out) ? yield* out : out
        if (reply === drop) {
          return yield* new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({
              request,
              description: "connection dropped (EsimAccessTest.drop)"
            })
          })
        }
        return HttpClientResponse.fromWeb(request, reply)
      })
    )
    return Context.make(HttpClient.HttpClient, client).pipe(
      Context.add(EsimAccessTest, { requests: Ref.get(log) })
    )
  }))

/**
 * The fake `HttpClient`, the recorder and an `EsimAccessConfig` pointing at it (access code `test-access-code`).
 * The rate limiter and retries are **off** unless `options` turns them on (`{ retry: {}, rateLimit: {} }` for the
 * production defaults): under `it.effect` their sleeps wait for `TestClock.adjust`, so assert them by forking the
 * call and moving the clock. Tests read like this:
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Balance, EsimAccessTest } from "effect-esim-access"
 *
 * const test = Effect.gen(function*() {
 *   const { balance } = yield* Balance.query()
 *   const [request] = yield* EsimAccessTest.requests
 *   return [balance, request?.path]
 * }).pipe(Effect.provide(EsimAccessTest.layer({ "balance/query": () => EsimAccessTest.ok({ balance: 940000 }) })))
 * ```
 */
export const layer = (
  handler: Handler | Readonly<Record<string, Handler>>,
  options: Partial<EsimAccessConfig.Options> = {}
): Layer.Layer<HttpClient.HttpClient | EsimAccessTest | EsimAccessConfig.EsimAccessConfig> =>
  Layer.merge(
    layerHttpClient(handler),
    EsimAccessConfig.layer({
      accessCode: "test-access-code",
      baseUrl: "https://api.esimaccess.test",
      // under `it.effect` every sleep waits for TestClock.adjust: no limiter and no retries unless asked for, so a
      // test of plain behaviour never hangs on a backoff it did not ask for
      rateLimit: false,
      retry: false,
      ...options
    })
  )
