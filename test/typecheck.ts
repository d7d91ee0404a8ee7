/**
 * Type-level tests: compiled by `tsc --noEmit` (`npm run check`, part of `npm test`; tsconfig.json includes
 * `test/`), never run. Each `@ts-expect-error` line must fail to type-check, and each `assertType<Equals<…>>` must
 * see two exactly equal types, or the build fails.
 */
import { Context, DateTime, Effect, Match } from "effect"
import type { Stream } from "effect"
import { Orders, Profiles, Sms, TopUp } from "effect-esim-access"
import type {
  Balance,
  EsimAccessConfig,
  EsimAccessError,
  Locations,
  Packages,
  Usage,
  Webhook
} from "effect-esim-access"
import type { HttpClient } from "effect/http"

// @ts-expect-error two identifiers at once
Profiles.query({ orderNo: "B1", esimTranNo: "1" })
// @ts-expect-error an identifier and a time range
Profiles.stream({ iccid: "8900", startTime: DateTime.makeUnsafe(0) })
// @ts-expect-error both esimTranNo and iccid
Profiles.cancel({ esimTranNo: "1", iccid: "8900" })
// @ts-expect-error both esimTranNo and iccid
TopUp.create({ esimTranNo: "1", iccid: "8900", packageCode: "TOPUP_X", transactionId: "t" })
// @ts-expect-error neither esimTranNo nor iccid
Sms.send({ message: "hi" })
// @ts-expect-error transactionId is required
Orders.create({ packageInfoList: [{ packageCode: "CKH002", count: 1 }] })

// ---------------------------------------------------------------------------------------------------------------
// exact types

/** `true` only when `A` and `B` are the same type (not merely assignable either way, and `any` equals only `any`). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

/** Compiles only for `true`. */
const assertType = <T extends true>(): T | undefined => undefined

/** What every endpoint requires: the configuration and an HttpClient, nothing else (the limiter is in the config). */
type Requirements = EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
/** What every endpoint fails with: the documented union. */
type Failure = EsimAccessError.EsimAccessError

/** The error and requirement channels of an endpoint's effect (or stream), as one comparable pair. */
type Channels<T> = T extends Effect.Effect<infer _A, infer E, infer R> ? { readonly error: E; readonly requires: R }
  : T extends Stream.Stream<infer _A, infer E, infer R> ? { readonly error: E; readonly requires: R }
  : never

type Endpoint = { readonly error: Failure; readonly requires: Requirements }

const ref = { esimTranNo: "25010112340001" } as const
const order = { transactionId: "t", packageInfoList: [{ packageCode: "CKH002", count: 1 }] }

// endpoints
assertType<Equals<Channels<ReturnType<typeof Packages.list>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Orders.create>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.query>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.cancel>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.suspend>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.unsuspend>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.revoke>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof TopUp.create>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Balance.query>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Usage.check>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Sms.send>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Locations.list>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Webhook.save>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Webhook.query>>, Endpoint>>()

// workflows
assertType<Equals<Channels<ReturnType<typeof Profiles.stream>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Profiles.queryAll>>, Endpoint>>()
assertType<Equals<Channels<ReturnType<typeof Usage.checkAll>>, Endpoint>>()
// createAndAwaitProfiles adds AllocationTimeout, and nothing else, to the union
const awaited = Orders.createAndAwaitProfiles(order)
assertType<
  Equals<
    Channels<typeof awaited>,
    { readonly error: Failure | EsimAccessError.AllocationTimeout; readonly requires: Requirements }
  >
>()
// the orderStatus signal adds its requirements; its failures are ignored, so they never reach the error channel
class WebhookQueue extends Context.Service<WebhookQueue, { readonly take: Effect.Effect<void, "closed"> }>()(
  "test/WebhookQueue"
) {}
const signalled = Orders.createAndAwaitProfiles(order, {
  orderStatus: () => WebhookQueue.use((queue) => queue.take)
})
assertType<
  Equals<
    Channels<typeof signalled>,
    { readonly error: Failure | EsimAccessError.AllocationTimeout; readonly requires: Requirements | WebhookQueue }
  >
>()

// the success types users read
assertType<Equals<Effect.Success<ReturnType<typeof Orders.create>>, Orders.Order>>()
assertType<Equals<Effect.Success<typeof awaited>, Orders.OrderWithProfiles>>()
assertType<Equals<Effect.Success<ReturnType<typeof Profiles.cancel>>, void>>()
assertType<Equals<Stream.Success<ReturnType<typeof Profiles.stream>>, Profiles.Profile>>()

// the union is exactly the API errors plus the transport and decode failures
assertType<
  Equals<Failure, EsimAccessError.ApiError | EsimAccessError.TransportError | EsimAccessError.DecodeError>
>()
// and the union's schema decodes to the union
assertType<Equals<typeof EsimAccessError.EsimAccessError.Type, Failure>>()

// every endpoint requires exactly EsimAccessConfig | HttpClient and fails with EsimAccessError (assignability)
export const requirements: Effect.Effect<Orders.Order, Failure, Requirements> = Orders.create(order)

export const query = Profiles.query({ orderNo: "B1", pager: { pageNum: 1, pageSize: 50 } })

// ---------------------------------------------------------------------------------------------------------------
// exhaustive handling: a tag added to the union without a case here fails to compile

const call = Effect.gen(function*() {
  yield* Profiles.cancel(ref)
  return yield* Orders.createAndAwaitProfiles(order)
})

/** Every tag handled: the error channel is `never`. A new tag would stay in it and fail the assertion below. */
export const handled = call.pipe(
  Effect.catchTags({
    ProfileNotReady: (e) => Effect.succeed(e.code),
    InsufficientBalance: (e) => Effect.succeed(e.code),
    OperationNotAllowed: (e) => Effect.succeed(e.code),
    PriceMismatch: (e) => Effect.succeed(e.code),
    ProfilesUnavailable: (e) => Effect.succeed(e.code),
    NotFound: (e) => Effect.succeed(e.code),
    InvalidRequest: (e) => Effect.succeed(e.code),
    Authentication: (e) => Effect.succeed(e.code),
    DuplicateTransaction: (e) => Effect.succeed(e.code),
    ServerBusy: (e) => Effect.succeed(e.code),
    UnknownApiError: (e) => Effect.succeed(e.code),
    TransportError: (e) => Effect.succeed(e.reason),
    DecodeError: (e) => Effect.succeed(e.path),
    AllocationTimeout: (e) => Effect.succeed(e.orderNo)
  })
)
assertType<Equals<Effect.Error<typeof handled>, never>>()
assertType<Equals<Effect.Services<typeof handled>, Requirements>>()

/** The same as a `Match`: `Match.exhaustive` rejects a union with a tag no case covers. */
export const describeError: (error: Failure) => string = Match.type<Failure>().pipe(
  Match.tagsExhaustive({
    ProfileNotReady: () => "not allocated yet",
    InsufficientBalance: () => "top up the account",
    OperationNotAllowed: () => "not in this status",
    PriceMismatch: () => "refresh the catalogue",
    ProfilesUnavailable: () => "out of stock",
    NotFound: () => "no such package, order or profile",
    InvalidRequest: () => "invalid request",
    Authentication: () => "check the credentials",
    DuplicateTransaction: () => "already placed",
    ServerBusy: () => "busy",
    UnknownApiError: (e) => `unknown ${e.code}`,
    TransportError: (e) => e.reason,
    DecodeError: (e) => e.path
  })
)

// @ts-expect-error a case missing (DecodeError): not exhaustive
Match.type<Failure>().pipe(Match.tagsExhaustive({
  ProfileNotReady: () => "",
  InsufficientBalance: () => "",
  OperationNotAllowed: () => "",
  PriceMismatch: () => "",
  ProfilesUnavailable: () => "",
  NotFound: () => "",
  InvalidRequest: () => "",
  Authentication: () => "",
  DuplicateTransaction: () => "",
  ServerBusy: () => "",
  UnknownApiError: () => "",
  TransportError: () => ""
}))

// the helper itself tells apart what assignability does not
assertType<Equals<Equals<Failure, Failure | EsimAccessError.AllocationTimeout>, false>>()
assertType<Equals<Equals<Requirements, EsimAccessConfig.EsimAccessConfig>, false>>()
