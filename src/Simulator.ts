/**
 * A stateful eSIM Access simulator (eSIM Access has no sandbox). It speaks the wire of the live API: the paths,
 * the `RT-*` headers, the `{ success, errorCode, errorMsg, obj }` envelope, the error codes, business errors as
 * HTTP 200 with `success: false`; and it keeps an account: balance, catalogue (the fixture packages plus about 3,000
 * generated ones over 150+ countries and regions), orders, profiles and their lifecycle, webhooks.
 *
 * Two transports share one web-standard handler (`Simulator.handle`): {@link layer}, an in-process `HttpClient`
 * for tests, and {@link serve}, the same simulator mounted on an `HttpServer` (Node: `serve({ port, host })` from
 * `effect-esim-access/node/SimulatorServer`). Time follows Effect's `Clock`: with `TestClock`, tests drive the
 * allocation delay, expiry and webhook redelivery without waiting.
 *
 * Choices where the API reference is silent: a wrong access code answers 401001; an over-limit request answers
 * HTTP 429 with `Retry-After` (whole seconds) and a plain-text body; a malformed parameter answers 400001; a batch
 * over 30 eSIMs answers 200008; an unknown profile in a lifecycle call answers 310403; a webhook URL that fails
 * CHECK_HEALTH answers 400001; a day pass costs its daily price times `periodNum` and holds its daily allowance
 * times `periodNum` (its `packageList` entry too); revoke takes only an active profile (a New one answers 200002:
 * cancel it); usage is settled at once (the live API lags 2 to 3 hours).
 *
 * @since 0.1.0
 */
import { Context, DateTime, Duration, Effect, Layer, Result, Schema, type Scope, Stream } from "effect"
import {
  HttpClient,
  HttpClientError,
  HttpClientRequest,
  HttpClientResponse,
  HttpServer,
  HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import * as Catalogue from "./internal/simulator/catalogue.ts"
import * as Routes from "./internal/simulator/routes.ts"
import * as Runtime from "./internal/simulator/runtime.ts"
import * as State from "./internal/simulator/state.ts"
import * as Webhooks from "./internal/simulator/webhook.ts"
import type * as Packages from "./Packages.ts"
import type * as Profiles from "./Profiles.ts"
import type * as WebhookEvent from "./WebhookEvent.ts"

/**
 * The access code a simulator accepts when none is configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAccessCode = "sim-access-code"

/**
 * A base URL for clients of the in-process simulator ({@link layer} answers any host).
 *
 * @since 0.1.0
 * @category constants
 */
export const baseUrl = "http://simulator.esimaccess.local"

/**
 * Options of {@link make}, {@link layer} and {@link serve}; every one has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** the access code requests must carry as `RT-AccessCode`; default {@link defaultAccessCode} */
  readonly accessCode?: string | undefined
  /** the signing key of strict mode; the access code signs when absent (reference §1.3) */
  readonly secretKey?: string | undefined
  /**
   * `"strict"`: every request must carry `RT-Timestamp`, `RT-RequestID` and a valid `RT-Signature` (101003 for a
   * bad signature, 101001 for a timestamp more than 5 minutes off). Default `"off"`, as observed live.
   */
  readonly signature?: "off" | "strict" | undefined
  /** the starting balance in API units (USD × 10,000); default 10,000,000 ($1,000.00) */
  readonly balance?: number | undefined
  /** the seed of the generated catalogue and of every generated id; default 1 */
  readonly seed?: number | undefined
  /** `"fixtures"`: only the three fixture packages; default `"full"` (about 3,000 packages) */
  readonly catalogue?: "full" | "fixtures" | undefined
  /** time from an order to its profiles (esim/query answers 200010 meanwhile); default 5 seconds */
  readonly allocationDelay?: Duration.Input | undefined
  /** a repeated transactionId replays the original (default) or answers 310402 (reference §6) */
  readonly duplicateTransactionId?: "replay" | "error" | undefined
  /**
   * Default 8 requests in any sliding second (reference §6); more answer HTTP 429 with `Retry-After`.
   * `false` turns the limit off.
   */
  readonly rateLimit?:
    | { readonly limit?: number | undefined; readonly window?: Duration.Input | undefined }
    | false
    | undefined
  readonly webhook?: WebhookOptions | undefined
}

/**
 * The simulator's webhook sender: a URL set from the start, redelivery and the client it POSTs with.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookOptions {
  /** a webhook URL set from the start (no CHECK_HEALTH) */
  readonly url?: string | undefined
  /** retries after a non-200 answer, with exponential backoff; default 3 retries from 10 seconds */
  readonly redelivery?: {
    readonly times?: number | undefined
    readonly base?: Duration.Input | undefined
    /** how long one attempt may take; default 10 seconds */
    readonly timeout?: Duration.Input | undefined
  } | undefined
  /** the client webhooks are POSTed with; default the global `fetch` */
  readonly client?: HttpClient.HttpClient | undefined
}

/**
 * A fault for the next requests (see {@link Service.injectFault}):
 * - `Latency`: wait, then answer normally (on `Clock`);
 * - `HttpStatus`: an HTTP error page (e.g. 502) instead of an answer, nothing done;
 * - `Drop`: the connection drops, nothing done;
 * - `MalformedBody`: HTTP 200 with a truncated JSON body, nothing done;
 * - `ServerBusy`: the 900001 envelope, nothing done;
 * - `LostResponse`: the request is carried out (e.g. the order is placed and paid), then the connection drops.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Latency"; readonly duration: Duration.Input }
  | { readonly _tag: "HttpStatus"; readonly status: number; readonly body?: string | undefined }
  | { readonly _tag: "Drop" }
  | { readonly _tag: "MalformedBody" }
  | { readonly _tag: "ServerBusy" }
  | { readonly _tag: "LostResponse" }

/**
 * Which requests a fault of {@link Service.injectFault} hits.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultOptions {
  /** how many requests the fault hits; default 1 */
  readonly times?: number | undefined
  /** only requests to this path (e.g. `esim/order`); default every path */
  readonly path?: string | undefined
}

/**
 * One webhook delivery attempt, as logged.
 *
 * @since 0.1.0
 * @category models
 */
export interface Delivery {
  readonly notifyId: string
  readonly notifyType: string
  readonly url: string
  /** 1 for the first attempt */
  readonly attempt: number
  /** `Clock.currentTimeMillis` of the attempt */
  readonly time: number
  /** the HTTP status the URL answered, absent when the request failed */
  readonly status?: number
  /** why the request failed, when it did */
  readonly error?: string
  /** true when the URL answered HTTP 200 */
  readonly delivered: boolean
  /** the JSON body sent */
  readonly body: string
}

/**
 * A movement of the balance: `fund` (control API), `order`, `topUp` (negative) and `refund` (cancel).
 *
 * @since 0.1.0
 * @category models
 */
export interface LedgerEntry {
  /** `Clock.currentTimeMillis` of the movement */
  readonly time: number
  readonly kind: "fund" | "order" | "topUp" | "refund"
  /** API units; negative for money spent */
  readonly amount: number
  /** the orderNo, esimTranNo or transactionId concerned */
  readonly reference: string
  /** the balance after the movement */
  readonly balance: number
}

/**
 * An order as the simulator keeps it (see {@link Service.state}).
 *
 * @since 0.1.0
 * @category models
 */
export interface Order {
  readonly orderNo: string
  readonly transactionId: string
  readonly createTime: DateTime.Utc
  /** profiles ordered */
  readonly count: number
  /** API units paid */
  readonly amount: number
  /** false while the profiles are being allocated */
  readonly allocated: boolean
  readonly esimTranNos: ReadonlyArray<string>
}

/**
 * An SMS sent with `sms/send`, as the simulator keeps it (see {@link Service.state}).
 *
 * @since 0.1.0
 * @category models
 */
export interface Sms {
  readonly esimTranNo: string
  readonly iccid: string
  readonly message: string
  readonly time: DateTime.Utc
}

/**
 * The whole account at one moment.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly balance: number
  readonly webhook: string | undefined
  readonly orders: ReadonlyArray<Order>
  readonly profiles: ReadonlyArray<Profiles.Profile>
  readonly sms: ReadonlyArray<Sms>
  readonly ledger: ReadonlyArray<LedgerEntry>
}

/**
 * A control call that cannot apply, e.g. installing a profile that is not New.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Simulator } from "effect-esim-access"
 *
 * const installTwice = Effect.gen(function*() {
 *   const simulator = yield* Simulator.Simulator
 *   const [profile] = yield* simulator.profiles
 *   if (profile === undefined) return
 *   yield* simulator.install({ esimTranNo: profile.esimTranNo })
 *   yield* simulator.install({ esimTranNo: profile.esimTranNo }) // fails: the profile is no longer New
 * }).pipe(Effect.catchTag("SimulatorError", (e) => Effect.log(e.message)))
 * ```
 */
export class SimulatorError extends Schema.TaggedError<SimulatorError>()("SimulatorError", {
  message: Schema.String
}) {}

/**
 * The control API, for tests and demos.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** the access code requests must carry */
  readonly accessCode: string
  /** the simulator as a web handler; every transport uses it. A dropped connection is `Response.error()`. */
  readonly handle: (request: Request) => Effect.Effect<Response>
  /** adds API units to the balance; answers the new balance */
  readonly fund: (amount: number) => Effect.Effect<number, SimulatorError>
  readonly balance: Effect.Effect<number>
  readonly state: Effect.Effect<Snapshot>
  /** every allocated profile, as `esim/query` shows it */
  readonly profiles: Effect.Effect<ReadonlyArray<Profiles.Profile>>
  readonly profile: (ref: Profiles.ProfileRef) => Effect.Effect<Profiles.Profile, SimulatorError>
  /** the BASE catalogue */
  readonly catalogue: ReadonlyArray<Packages.Package>
  /**
   * Installs a New profile on a device: SMDP_EVENT DOWNLOAD, INSTALLATION and ENABLED, then ESIM_STATUS IN_USE.
   * Validity runs from now.
   */
  readonly install: (
    ref: Profiles.ProfileRef,
    options?: { readonly eid?: string | undefined }
  ) => Effect.Effect<Profiles.Profile, SimulatorError>
  /**
   * Uses data on a profile in use: DATA_USAGE when 50, 80 and 90 % are used (remainThreshold 0.5, 0.2, 0.1), then
   * ESIM_STATUS USED_UP when nothing is left.
   */
  readonly consume: (ref: Profiles.ProfileRef, bytes: number) => Effect.Effect<Profiles.Profile, SimulatorError>
  /** Moves an activated profile to one day before its expiry: VALIDITY_USAGE. */
  readonly expireSoon: (ref: Profiles.ProfileRef) => Effect.Effect<Profiles.Profile, SimulatorError>
  /** Moves a profile past its expiry: USED_EXPIRED, or UNUSED_EXPIRED when never installed. */
  readonly expire: (ref: Profiles.ProfileRef) => Effect.Effect<Profiles.Profile, SimulatorError>
  /** Faults the next request(s). */
  readonly injectFault: (fault: Fault, options?: FaultOptions) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** sets or clears the webhook URL without CHECK_HEALTH */
  readonly setWebhook: (url: string | undefined) => Effect.Effect<void>
  /** every webhook event generated so far, whether or not a URL was set */
  readonly events: Effect.Effect<ReadonlyArray<WebhookEvent.WebhookEvent>>
  /** every delivery attempt so far */
  readonly deliveries: Effect.Effect<ReadonlyArray<Delivery>>
  /** waits until every event generated so far had its first delivery attempt */
  readonly flush: Effect.Effect<void>
}

/**
 * The simulator's control service.
 *
 * @since 0.1.0
 * @category services
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Simulator } from "effect-esim-access"
 *
 * const topUpAccount = Effect.gen(function*() {
 *   const simulator = yield* Simulator.Simulator
 *   return yield* simulator.fund(1_000_000)
 * })
 * ```
 */
export class Simulator extends Context.Service<Simulator, Service>()("effect-esim-access/Simulator") {}

const controlError = (message: string) => new SimulatorError({ message })

/**
 * Builds a simulator. Its timer and webhook fibers live in the scope.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Simulator } from "effect-esim-access"
 *
 * const answer = Effect.scoped(Effect.gen(function*() {
 *   const simulator = yield* Simulator.make({ catalogue: "fixtures" })
 *   const request = new Request("http://localhost/api/v1/open/balance/query", {
 *     method: "POST",
 *     headers: { "RT-AccessCode": simulator.accessCode }
 *   })
 *   return yield* simulator.handle(request)
 * }))
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const seed = options.seed ?? 1
    const accessCode = options.accessCode ?? defaultAccessCode
    const catalogue = Catalogue.make({ seed, generate: options.catalogue !== "fixtures", packages: [] })
    const config: State.Config = {
      seed,
      allocationDelay: Routes.millis(options.allocationDelay ?? "5 seconds"),
      duplicateTransactionId: options.duplicateTransactionId ?? "replay",
      catalogue
    }
    const redelivery = options.webhook?.redelivery
    const sender = yield* Webhooks.make({
      client: options.webhook?.client ?? (yield* Webhooks.defaultClient),
      seed,
      redelivery: {
        times: Math.max(0, Math.floor(redelivery?.times ?? 3)),
        base: Duration.fromInputUnsafe(redelivery?.base ?? "10 seconds"),
        timeout: Duration.fromInputUnsafe(redelivery?.timeout ?? "10 seconds")
      }
    })
    const runtime = yield* Runtime.make({
      config,
      sender,
      initial: State.initial({ balance: options.balance ?? 10_000_000, webhook: options.webhook?.url })
    })
    const rateLimit = options.rateLimit === false ? undefined : {
      limit: Math.max(1, Math.floor(options.rateLimit?.limit ?? 8)),
      windowMillis: Routes.millis(options.rateLimit?.window ?? "1 second")
    }
    const handler = Routes.make({
      runtime,
      rateLimit,
      security: {
        accessCode,
        strict: options.signature === "strict",
        secretKey: options.secretKey,
        maxSkewMillis: 5 * 60_000
      }
    })

    const control = (
      f: (state: State.State, now: number) => State.Outcome<State.ProfileRecord, string>
    ): Effect.Effect<Profiles.Profile, SimulatorError> =>
      runtime.transact(f).pipe(
        Effect.flatMap((result) =>
          Result.isSuccess(result) ?
            Effect.succeed(State.toWire(result.success)) :
            Effect.fail(controlError(result.failure))
        )
      )

    const snapshot = (state: State.State): Snapshot => ({
      balance: state.balance,
      webhook: state.webhook,
      orders: [...state.orders.values()].map((o) => ({
        orderNo: o.orderNo,
        transactionId: o.transactionId,
        createTime: DateTime.makeUnsafe(o.createTime),
        count: o.count,
        amount: o.amount,
        allocated: o.allocated,
        esimTranNos: o.esimTranNos
      })),
      profiles: [...state.profiles.values()].map(State.toWire),
      sms: state.sms.map((s) => ({ ...s, time: DateTime.makeUnsafe(s.time) })),
      ledger: state.ledger
    })

    return {
      accessCode,
      handle: handler.handle,
      fund: (amount) =>
        runtime.transact((s, now) => State.fund(config, s, now, amount)).pipe(
          Effect.flatMap((result) =>
            Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(controlError(result.failure))
          )
        ),
      balance: runtime.read((s) => s.balance),
      state: runtime.read(snapshot),
      profiles: runtime.read((s) => [...s.profiles.values()].map(State.toWire)),
      profile: (ref) =>
        runtime.read((s) => State.findProfile(s, ref)).pipe(
          Effect.flatMap((p) =>
            p === undefined ?
              Effect.fail(controlError(`no profile ${ref.esimTranNo ?? ref.iccid ?? ""}`)) :
              Effect.succeed(State.toWire(p))
          )
        ),
      catalogue: catalogue.base,
      install: (ref, installOptions) => control((s, now) => State.install(config, s, now, ref, installOptions?.eid)),
      consume: (ref, bytes) => control((s, now) => State.consume(config, s, now, ref, bytes)),
      expireSoon: (ref) => control((s, now) => State.expireSoon(config, s, now, ref)),
      expire: (ref) => control((s, now) => State.expire(config, s, now, ref)),
      injectFault: handler.injectFault,
      clearFaults: handler.clearFaults,
      setWebhook: (url) =>
        runtime.transact((s) => ({ state: State.setWebhook(s, url), events: [], result: Result.succeed(undefined) }))
          .pipe(
            Effect.asVoid
          ),
      events: runtime.events,
      deliveries: sender.deliveries,
      flush: sender.flush
    } satisfies Service
  })

/**
 * An `HttpClient` that answers every request from the simulator, in process (no socket). A `Drop` or
 * `LostResponse` fault fails the request as a transport error.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { Simulator } from "effect-esim-access"
 *
 * const program = Effect.gen(function*() {
 *   const simulator = yield* Simulator.make()
 *   return Simulator.httpClient(simulator) satisfies HttpClient.HttpClient
 * })
 * ```
 */
export const httpClient = (simulator: Service): HttpClient.HttpClient =>
  HttpClient.make((request, _url, signal) =>
    Effect.gen(function*() {
      const web = yield* HttpClientRequest.toWeb(request, { signal }).pipe(
        Effect.mapError((cause) =>
          new HttpClientError.HttpClientError({ reason: new HttpClientError.InvalidUrlError({ request, cause }) })
        )
      )
      const response = yield* simulator.handle(web)
      if (response.type === "error") {
        return yield* new HttpClientError.HttpClientError({
          reason: new HttpClientError.TransportError({ request, description: "the simulator dropped the connection" })
        })
      }
      return HttpClientResponse.fromWeb(request, response)
    })
  )

/**
 * A simulator and an in-process `HttpClient` answering from it. Pair it with an `EsimAccessConfig` carrying the
 * simulator's access code; any base URL works.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Balance, EsimAccessConfig, Simulator } from "effect-esim-access"
 *
 * const program = Balance.query().pipe(
 *   Effect.provide(Layer.merge(
 *     EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
 *     Simulator.layer({ balance: 500_000 })
 *   ))
 * )
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<Simulator | HttpClient.HttpClient> =>
  Layer.effectContext(Effect.gen(function*() {
    const simulator = yield* make(options)
    return Context.make(Simulator, simulator).pipe(Context.add(HttpClient.HttpClient, httpClient(simulator)))
  }))

/** The body of a dropped connection: the server has already started the answer, so it resets the connection. */
const dropped = HttpServerResponse.stream(Stream.fail("the simulator dropped the connection"))

/**
 * The simulator as an HTTP app for an `HttpServer` or an `HttpRouter`, e.g. mounted beside your own routes.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpServer } from "effect/http"
 * import { Simulator } from "effect-esim-access"
 *
 * const serveIt = Effect.gen(function*() {
 *   const simulator = yield* Simulator.make()
 *   yield* HttpServer.serveEffect(Simulator.httpApp(simulator))
 * })
 * ```
 */
export const httpApp = (
  simulator: Service
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const web = yield* HttpServerRequest.toWeb(request).pipe(Effect.option)
    if (web._tag === "None") return HttpServerResponse.text("Bad Request", { status: 400 })
    const response = yield* simulator.handle(web.value)
    return response.type === "error" ? dropped : HttpServerResponse.fromWeb(response)
  })

/**
 * The simulator served by the `HttpServer` in context (platform-neutral: this module holds no Node code). On Node,
 * `serve({ port, host })` from `effect-esim-access/node/SimulatorServer` is the ready-made form: it takes the same
 * options plus `port` (default 0, a free port) and `host` (default `127.0.0.1`), brings `NodeHttpServer`, and
 * provides the listening address as `SimulatorServer`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { createServer } from "node:http"
 * import { Simulator } from "effect-esim-access"
 *
 * const SimulatorLive = Simulator.serve({ allocationDelay: "3 seconds" }).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 4010 }))
 * )
 * ```
 */
export const serve = (options: Options = {}): Layer.Layer<Simulator, never, HttpServer.HttpServer> =>
  Layer.effect(
    Simulator,
    Effect.gen(function*() {
      const simulator = yield* make(options)
      yield* HttpServer.serveEffect(httpApp(simulator))
      return simulator
    })
  )
