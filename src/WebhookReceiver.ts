/**
 * Receiving eSIM Access webhooks (reference §4): decode the POSTed event, hand it to your handler, answer so that
 * eSIM Access redelivers exactly when it should. Three ways to mount one receiver:
 *
 * - {@link app}: an HTTP app effect to put behind any route of any Effect HTTP server;
 * - {@link layer}: a `Layer` that adds `POST /esim-access/webhook` (or your path) to the app's `HttpRouter`;
 * - {@link toWebHandler} / {@link toWebHandlerLayer}: a web-standard `(Request) => Promise<Response>` for hosts that
 *   do not run Effect (Bun, Deno, Cloudflare Workers, Next.js route handlers, …).
 *
 * Answers: `200` once the handler succeeded (and for a duplicate or a `CHECK_HEALTH`), `400` with a short reason
 * for a body that is not an event, `413` over the body-size limit, `403` when IP verification rejects the sender,
 * `409` while the same event is still being handled (de-duplication on), `500` when the handler fails (no details
 * in the body), `405` for a method other than POST.
 *
 * Platform-neutral: only `effect`, `effect/http` and `effect/net`; hashing uses Web Crypto.
 *
 * @since 0.1.0
 */
import {
  Array as Arr,
  ByteSize,
  Cause,
  Clock,
  Context,
  Duration,
  Effect,
  Exit,
  Layer,
  Option,
  Order,
  Result,
  Schema
} from "effect"
import { HttpEffect, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { IpNetwork, NetAddress } from "effect/net"
import * as WebhookEvent from "./WebhookEvent.ts"

// ---------------------------------------------------------------------------------------------------------------
// handlers
// ---------------------------------------------------------------------------------------------------------------

/**
 * What you write: a function from an event to an effect. Succeeding answers `200`; failing (or dying) answers `500`,
 * so eSIM Access delivers the event again.
 *
 * @since 0.1.0
 * @category handlers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const onEvent: WebhookReceiver.Handler = (event) => Effect.logInfo("eSIM Access event", event._tag)
 * ```
 */
export type Handler<E = never, R = never> = (event: WebhookEvent.WebhookEvent) => Effect.Effect<void, E, R>

/**
 * The event of one `_tag`.
 *
 * @since 0.1.0
 * @category handlers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const onLowData = (event: WebhookReceiver.EventOf<"DataUsage">) =>
 *   Effect.logWarning("data left", event.content.remainThreshold)
 * ```
 */
export type EventOf<Tag extends WebhookEvent.WebhookEvent["_tag"]> = Extract<WebhookEvent.WebhookEvent, { _tag: Tag }>

/**
 * One optional case per event tag, for {@link match}.
 *
 * @since 0.1.0
 * @category handlers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const cases = {
 *   EsimStatus: (event) => Effect.logInfo(event.content.iccid, event.content.esimStatus)
 * } satisfies WebhookReceiver.Cases
 * ```
 */
export type Cases = {
  readonly [Tag in WebhookEvent.WebhookEvent["_tag"]]?: (event: EventOf<Tag>) => Effect.Effect<void, unknown, unknown>
}

type CaseEffects<C extends Cases> = {
  [Tag in keyof C]: C[Tag] extends (event: never) => infer X ? X : never
}[keyof C]

/**
 * Builds a {@link Handler} from one function per event tag. Tags without a case are acknowledged (`200`) and
 * otherwise ignored; `CheckHealth` only reaches a handler with `handleCheckHealth: true`.
 *
 * @since 0.1.0
 * @category handlers
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const onEvent = WebhookReceiver.match({
 *   DataUsage: (event) =>
 *     event.content.remainThreshold <= 0.1 ?
 *       Effect.logWarning("low data", event.content.iccid) :
 *       Effect.void,
 *   ValidityUsage: (event) => Effect.logWarning("expires in", event.content.remain, "day(s)", event.content.iccid),
 *   Unknown: (event) => Effect.logInfo("new event type", event.notifyType)
 * })
 * ```
 */
export const match = <const C extends Cases>(
  cases: C & { readonly [K in Exclude<keyof C, keyof Cases>]: never }
): Handler<Effect.Error<CaseEffects<C>>, Effect.Services<CaseEffects<C>>> =>
(event) => {
  const f = (cases as Cases)[event._tag] as
    | ((
      event: WebhookEvent.WebhookEvent
    ) => Effect.Effect<void, Effect.Error<CaseEffects<C>>, Effect.Services<CaseEffects<C>>>)
    | undefined
  return f === undefined ? Effect.void : f(event)
}

// ---------------------------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------------------------

/**
 * The addresses eSIM Access sends webhooks from (reference §4.1, AWS Singapore).
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * WebhookReceiver.senderIps.includes("3.1.131.226") // true
 * ```
 */
export const senderIps: ReadonlyArray<string> = [
  "3.1.131.226",
  "54.254.74.88",
  "18.136.190.97",
  "18.136.60.197",
  "18.136.19.137"
]

/**
 * The route {@link layer} adds when no `path` is given.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * WebhookReceiver.defaultPath // "/esim-access/webhook"
 * ```
 */
export const defaultPath = "/esim-access/webhook"

/**
 * The default body-size limit: 1 MiB. Real events are a few hundred bytes.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * WebhookReceiver.defaultMaxBodySize // 1048576
 * ```
 */
export const defaultMaxBodySize = 1024 * 1024

/**
 * The addresses {@link VerifyIpOptions} `proxies` trusts by default: loopback and the private ranges, where reverse
 * proxies and load balancers usually sit (`127.0.0.0/8`, `::1`, `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`,
 * `fc00::/7`). IPv4-mapped IPv6 spellings (`::ffff:10.0.0.1`) count as their IPv4 address.
 *
 * @since 0.1.0
 * @category constants
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * // your load balancers, plus the defaults
 * const proxies = [...WebhookReceiver.defaultProxies, "100.64.0.0/10"]
 * ```
 */
export const defaultProxies: ReadonlyArray<string> = [
  "127.0.0.0/8",
  "::1",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7"
]

/**
 * Sender IP verification.
 *
 * `trustedProxies` is the number of reverse proxies you run in front of the server. With `0` (the default) only the
 * address of the connected socket counts and `X-Forwarded-For` is ignored. With `n`, the address checked is the
 * `n`-th entry from the right of `X-Forwarded-For`: the one your outermost proxy appended. Entries further left were
 * written by the client and never count.
 *
 * A header is only believed when it came through your proxies: the socket's peer, and the `n - 1` entries to the
 * right of the one checked (the addresses of your inner proxies), must all be in `proxies` (default
 * {@link defaultProxies}: loopback and private ranges). Otherwise the request is answered `403`, so a client that
 * reaches the server directly cannot pass by writing an allowed address into `X-Forwarded-For`. For the web handler
 * the peer is the `remoteAddress` your host reports; without one, a request with `trustedProxies >= 1` is answered
 * `403`. Invalid entries of `allow` and `proxies` are ignored (and logged once).
 *
 * @since 0.1.0
 * @category options
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * // behind one load balancer in 10.1.0.0/16, with an extra sender for a staging relay
 * const verifyIp: WebhookReceiver.VerifyIpOptions = {
 *   trustedProxies: 1,
 *   proxies: ["10.1.0.0/16"],
 *   allow: ["3.1.131.226", "10.20.0.0/16"]
 * }
 * ```
 */
export interface VerifyIpOptions {
  /** addresses or CIDR networks; default {@link senderIps} */
  readonly allow?: ReadonlyArray<string> | undefined
  /** reverse proxies in front of the server; default 0 (also for `NaN`, `Infinity` or a negative number) */
  readonly trustedProxies?: number | undefined
  /**
   * addresses or CIDR networks of your proxies, checked when `trustedProxies >= 1`: the socket's peer and every
   * `X-Forwarded-For` hop between it and the checked entry must be one of them; default {@link defaultProxies}
   */
  readonly proxies?: ReadonlyArray<string> | undefined
}

/**
 * Options of the in-memory de-duplication store.
 *
 * @since 0.1.0
 * @category options
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const dedupe: WebhookReceiver.MemoryStoreOptions = { capacity: 50_000, ttl: "2 days" }
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * most events remembered; the oldest are forgotten first; default 10 000. A value that is not a finite number of
   * at least 1 (`NaN`, `Infinity`, `0`, negative) falls back to the default, so a bad setting never turns
   * de-duplication off or lets the store grow without bound.
   */
  readonly capacity?: number | undefined
  /**
   * how long a handled event is remembered; default 1 day. A duration that is not positive (or `NaN`) falls back
   * to the default.
   */
  readonly ttl?: Duration.Input | undefined
}

/**
 * Receiver options. Everything is off or at its default unless set.
 *
 * @since 0.1.0
 * @category options
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const options: WebhookReceiver.Options = {
 *   verifyIp: { trustedProxies: 1 },
 *   dedupe: true,
 *   maxBodySize: 64 * 1024
 * }
 * ```
 */
export interface Options {
  /**
   * bytes; larger bodies get `413` (checked against Content-Length, then while reading); default 1 MiB. `NaN`,
   * `Infinity` and negative values fall back to the default.
   */
  readonly maxBodySize?: number | undefined
  /** `true` for the published sender IPs with no proxy; off by default */
  readonly verifyIp?: boolean | VerifyIpOptions | undefined
  /**
   * Skip events already handled, by `notifyId`, or by a SHA-256 of `notifyType` and `content` when there is no
   * `notifyId` (absent, `null` or empty). Uses the {@link WebhookDedupeStore} in the request's context (or, for
   * {@link layer}, the one present when the layer is built), else an in-memory store private to this receiver (an
   * object sets its options). Off by default.
   */
  readonly dedupe?: boolean | MemoryStoreOptions | undefined
  /** pass `CHECK_HEALTH` to the handler; by default it is answered `200` without reaching it */
  readonly handleCheckHealth?: boolean | undefined
}

/**
 * {@link Options} plus the route path for {@link layer}.
 *
 * @since 0.1.0
 * @category options
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const options: WebhookReceiver.LayerOptions = { path: "/hooks/esim", verifyIp: true }
 * ```
 */
export interface LayerOptions extends Options {
  /** default {@link defaultPath} */
  readonly path?: HttpRouter.PathInput | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// de-duplication store
// ---------------------------------------------------------------------------------------------------------------

/**
 * What {@link DedupeStore.claim} found: `claimed` (new: the caller handles it), `duplicate` (already handled)
 * or `in-flight` (another delivery of it is being handled now).
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * const claim: WebhookReceiver.Claim = "claimed"
 * ```
 */
export type Claim = "claimed" | "duplicate" | "in-flight"

/**
 * A store failed (e.g. a Redis timeout). The receiver answers `500` when `claim` fails, so the event is redelivered.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * new WebhookReceiver.WebhookDedupeStoreError({ message: "redis timeout" })
 * ```
 */
export class WebhookDedupeStoreError extends Schema.TaggedError<WebhookDedupeStoreError>()("WebhookDedupeStoreError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/**
 * The store's operations. `claim` must be atomic (in Redis: `SET key in-flight NX PX <lock ttl>`): of concurrent
 * claims of one key exactly one gets `claimed`. After the handler, the receiver calls `complete` (remember it as
 * handled, `SET key done PX <ttl>`) on success and `release` (forget it, `DEL key`) on failure or interruption, so
 * a failed delivery can be redelivered and handled.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * // a store that remembers nothing
 * const nothing: WebhookReceiver.DedupeStore = {
 *   claim: () => Effect.succeed("claimed"),
 *   complete: () => Effect.void,
 *   release: () => Effect.void
 * }
 * ```
 */
export interface DedupeStore {
  readonly claim: (key: string) => Effect.Effect<Claim, WebhookDedupeStoreError>
  readonly complete: (key: string) => Effect.Effect<void, WebhookDedupeStoreError>
  readonly release: (key: string) => Effect.Effect<void, WebhookDedupeStoreError>
}

/**
 * The de-duplication store service. Provide one (e.g. backed by Redis, to share across instances) and every
 * receiver with `dedupe` on uses it; without it each receiver keeps its own in-memory store.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * // one memory store shared by every receiver of the app
 * const DedupeLive: Layer.Layer<WebhookReceiver.WebhookDedupeStore> = WebhookReceiver.layerMemoryStore({ ttl: "2 days" })
 * ```
 */
export class WebhookDedupeStore extends Context.Service<WebhookDedupeStore, DedupeStore>()(
  "effect-esim-access/WebhookDedupeStore"
) {}

interface Entry {
  readonly state: "in-flight" | "done"
  readonly expiresAt: number
}

/** the default capacity of the in-memory store */
const defaultCapacity = 10_000
const defaultTtlMillis = 24 * 60 * 60 * 1000

/** `value` when it is a finite number of at least `min`, floored; else `fallback` */
const finiteAtLeast = (value: number | undefined, min: number, fallback: number): number =>
  value !== undefined && Number.isFinite(value) && value >= min ? Math.floor(value) : fallback

/** a positive duration in milliseconds (`Infinity` allowed), else `fallback`; an unparsable input too */
const positiveMillis = (input: Duration.Input | undefined, fallback: number): number => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  if (Option.isNone(decoded)) return fallback
  const millis = Duration.toMillis(decoded.value)
  return millis > 0 ? millis : fallback
}

const memoryStore = (options: MemoryStoreOptions = {}): DedupeStore => {
  const capacity = finiteAtLeast(options.capacity, 1, defaultCapacity)
  const ttl = positiveMillis(options.ttl, defaultTtlMillis)
  // insertion order is age order: every write deletes the key first
  const entries = new Map<string, Entry>()
  const evict = (now: number) => {
    for (const [key, entry] of entries) {
      if (entries.size < capacity) return
      if (entry.expiresAt <= now || entry.state === "done") entries.delete(key)
    }
    // still full: only in-flight entries are left; drop the oldest
    for (const key of entries.keys()) {
      if (entries.size < capacity) return
      entries.delete(key)
    }
  }
  return {
    claim: (key) =>
      Effect.map(Clock.currentTimeMillis, (now): Claim => {
        const entry = entries.get(key)
        if (entry !== undefined && entry.expiresAt > now) return entry.state === "done" ? "duplicate" : "in-flight"
        entries.delete(key)
        evict(now)
        // an in-flight entry is removed by complete or release; the expiry only bounds a lost one
        entries.set(key, { state: "in-flight", expiresAt: now + ttl })
        return "claimed"
      }),
    complete: (key) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        entries.delete(key)
        evict(now)
        entries.set(key, { state: "done", expiresAt: now + ttl })
      }),
    release: (key) => Effect.sync(() => void entries.delete(key))
  }
}

/**
 * A bounded in-memory store: at most `capacity` keys (oldest handled ones forgotten first), each handled key
 * remembered for `ttl`. Expiry reads Effect's `Clock`, so `TestClock` drives it. Atomic within one process.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * Effect.gen(function*() {
 *   const store = yield* WebhookReceiver.makeMemoryStore({ capacity: 1000 })
 *   yield* store.claim("notifyId:abc") // "claimed"
 * })
 * ```
 */
export const makeMemoryStore = (options?: MemoryStoreOptions): Effect.Effect<DedupeStore> =>
  Effect.sync(() => memoryStore(options))

/**
 * A layer providing {@link WebhookDedupeStore} with {@link makeMemoryStore}.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const Routes = WebhookReceiver.layer(() => Effect.void, { dedupe: true }).pipe(
 *   Layer.provide(WebhookReceiver.layerMemoryStore({ capacity: 100_000 }))
 * )
 * ```
 */
export const layerMemoryStore = (options?: MemoryStoreOptions): Layer.Layer<WebhookDedupeStore> =>
  Layer.effect(WebhookDedupeStore, makeMemoryStore(options))

/**
 * JSON with sorted keys. Iterative, not recursive: a body nested thousands of levels deep (`JSON.parse` reads a
 * million) must not overflow the stack.
 */
const canonicalJson = (value: unknown): string => {
  const out: Array<string> = []
  // pending work, last first: text to write as is, or a value to serialise
  const stack: Array<string | { readonly value: unknown }> = [{ value }]
  const pushAll = (items: Array<string | { readonly value: unknown }>) => {
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]!)
  }
  while (stack.length > 0) {
    const item = stack.pop()!
    if (typeof item === "string") {
      out.push(item)
      continue
    }
    const v = item.value
    if (Array.isArray(v)) {
      const items: Array<string | { readonly value: unknown }> = ["["]
      v.forEach((element, i) => items.push(...(i === 0 ? [] : [","]), { value: element }))
      items.push("]")
      pushAll(items)
    } else if (typeof v === "object" && v !== null) {
      const record = v as Record<string, unknown>
      const items: Array<string | { readonly value: unknown }> = ["{"]
      Arr.sort(Object.keys(record), Order.String).forEach((key, i) =>
        items.push(`${i === 0 ? "" : ","}${JSON.stringify(key)}:`, { value: record[key] })
      )
      items.push("}")
      pushAll(items)
    } else {
      out.push(JSON.stringify(v) ?? "null")
    }
  }
  return out.join("")
}

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * The de-duplication key of a parsed body: `notifyId:<id>`, or, without a `notifyId` (absent, `null` or empty),
 * `sha256:<hex>` of the canonical JSON (sorted keys) of its `notifyType` and `content`, so key order and whitespace
 * do not matter.
 *
 * @since 0.1.0
 * @category de-duplication
 * @example
 * ```ts
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * WebhookReceiver.dedupeKey({ notifyType: "ORDER_STATUS", notifyId: "447602ac", content: {} })
 * // Effect<"notifyId:447602ac">
 * ```
 */
export const dedupeKey = (body: unknown): Effect.Effect<string> => {
  const record = typeof body === "object" && body !== null ? body as Record<string, unknown> : {}
  const notifyId = record["notifyId"]
  if (typeof notifyId === "string" && notifyId !== "") return Effect.succeed(`notifyId:${notifyId}`)
  const bytes = new TextEncoder().encode(
    canonicalJson({ notifyType: record["notifyType"] ?? null, content: record["content"] ?? null })
  )
  return Effect.map(
    Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", bytes)),
    (digest) => `sha256:${hex(digest)}`
  )
}

// ---------------------------------------------------------------------------------------------------------------
// IP verification
// ---------------------------------------------------------------------------------------------------------------

const parseIp = (input: string | undefined): NetAddress.IpAddress | undefined => {
  if (input === undefined) return undefined
  let s = input.trim()
  if (s.startsWith("[") && s.includes("]")) s = s.slice(1, s.indexOf("]")) // [v6]:port
  const ip = NetAddress.ipFromString(s)
  if (Result.isSuccess(ip)) return NetAddress.toCanonical(ip.success)
  const inet = NetAddress.inetAddressFromString(s) // v4:port
  return Result.isSuccess(inet) ? NetAddress.toCanonical(inet.success.address) : undefined
}

/**
 * An address or CIDR network. Addresses are compared in canonical form (`::ffff:10.0.0.1` is `10.0.0.1`), so an
 * IPv4-mapped network (`::ffff:10.0.0.0/104`) is turned into its IPv4 network (`10.0.0.0/8`).
 */
const parseNetwork = (entry: string): IpNetwork.IpNetwork | undefined => {
  if (entry.includes("/")) {
    const parsed = IpNetwork.fromString(entry.trim())
    if (Result.isFailure(parsed)) return undefined
    const network = parsed.success
    const v4 = NetAddress.toCanonical(network.address)
    if (NetAddress.width(network.address) === 128 && NetAddress.width(v4) === 32 && network.prefixLength >= 96) {
      const mapped = IpNetwork.make(v4, network.prefixLength - 96)
      return Result.isSuccess(mapped) ? mapped.success : undefined
    }
    return network
  }
  const ip = parseIp(entry)
  if (ip === undefined) return undefined
  const network = IpNetwork.make(ip, NetAddress.width(ip))
  return Result.isSuccess(network) ? network.success : undefined
}

interface IpCheck {
  readonly networks: ReadonlyArray<IpNetwork.IpNetwork>
  readonly proxies: ReadonlyArray<IpNetwork.IpNetwork>
  readonly invalid: ReadonlyArray<string>
  readonly trustedProxies: number
}

const parseNetworks = (entries: ReadonlyArray<string>, invalid: Array<string>): ReadonlyArray<IpNetwork.IpNetwork> => {
  const networks: Array<IpNetwork.IpNetwork> = []
  for (const entry of entries) {
    const network = parseNetwork(entry)
    if (network === undefined) invalid.push(entry)
    else networks.push(network)
  }
  return networks
}

const makeIpCheck = (option: boolean | VerifyIpOptions | undefined): IpCheck | undefined => {
  if (option === undefined || option === false) return undefined
  const o: VerifyIpOptions = option === true ? {} : option
  const invalid: Array<string> = []
  const networks = parseNetworks(o.allow ?? senderIps, invalid)
  const proxies = parseNetworks(o.proxies ?? defaultProxies, invalid)
  // NaN, Infinity or a negative count mean 0: only the socket's address counts (the strictest reading)
  return { networks, proxies, invalid, trustedProxies: finiteAtLeast(o.trustedProxies, 0, 0) }
}

const isProxy = (check: IpCheck, ip: NetAddress.IpAddress) =>
  check.proxies.some((network) => IpNetwork.contains(network, ip))

/**
 * The address to check, or why there is none. With proxies, `X-Forwarded-For` is believed only as far as it was
 * written by them: the socket's peer and every hop right of the counted entry must be trusted proxies.
 */
const senderAddress = (
  request: HttpServerRequest.HttpServerRequest,
  check: IpCheck,
  socketHint: Option.Option<string>
): Result.Result<NetAddress.IpAddress, Record<string, string>> => {
  // the web handlers' reported address, else the socket's peer (never a remoteAddress rewritten by middleware)
  const peer = parseIp(Option.getOrUndefined(Option.orElse(socketHint, () => request.peerAddress)))
  if (check.trustedProxies === 0) {
    return peer === undefined ? Result.fail({ cause: "no socket address" }) : Result.succeed(peer)
  }
  if (peer === undefined) return Result.fail({ cause: "no peer address to check against the trusted proxies" })
  if (!isProxy(check, peer)) {
    return Result.fail({ cause: "peer is not a trusted proxy", peer: NetAddress.formatIp(peer) })
  }
  const header = request.headers["x-forwarded-for"]
  const hops = header === undefined ? [] : header.split(",").map((s) => s.trim())
  const index = hops.length - check.trustedProxies
  if (index < 0) return Result.fail({ cause: "missing X-Forwarded-For entry" })
  for (let i = hops.length - 1; i > index; i--) {
    const hop = parseIp(hops[i])
    if (hop === undefined) return Result.fail({ cause: "invalid X-Forwarded-For entry" })
    if (!isProxy(check, hop)) {
      return Result.fail({ cause: "X-Forwarded-For hop is not a trusted proxy", hop: NetAddress.formatIp(hop) })
    }
  }
  const ip = parseIp(hops[index])
  return ip === undefined ? Result.fail({ cause: "invalid X-Forwarded-For entry" }) : Result.succeed(ip)
}

// ---------------------------------------------------------------------------------------------------------------
// the receiver
// ---------------------------------------------------------------------------------------------------------------

/** Set by the web handlers: the client address the host reported, for IP verification. */
const WebClientAddress = Context.Reference<Option.Option<string>>("effect-esim-access/WebhookReceiver/ClientAddress", {
  defaultValue: () => Option.none()
})

const respond = (status: number, body: string) => HttpServerResponse.text(body, { status })

const reject = (status: number, reason: string, annotations: Record<string, unknown> = {}) =>
  Effect.as(
    Effect.logWarning("eSIM Access webhook rejected").pipe(
      Effect.annotateLogs({ status, reason, ...annotations })
    ),
    respond(status, reason)
  )

const isJsonContentType = (header: string | undefined) => {
  if (header === undefined) return true
  const type = (header.split(";")[0] ?? "").trim().toLowerCase()
  return type === "" || type === "application/json" || /^application\/[\w.-]+\+json$/.test(type)
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** ids only: no volumes, no eid, no free text */
const eventIds = (event: WebhookEvent.WebhookEvent): Record<string, string> => {
  const ids: Record<string, string> = { notifyType: event.notifyType }
  if (event.notifyId !== undefined) ids["notifyId"] = event.notifyId
  if (event._tag !== "Unknown") {
    const content: Record<string, unknown> = event.content
    for (const key of ["orderNo", "esimTranNo", "iccid", "transactionId"]) {
      const value = content[key]
      if (typeof value === "string") ids[key] = value
    }
  }
  return ids
}

/**
 * The receiver as an HTTP app effect: it reads the current `HttpServerRequest` and always succeeds with a response,
 * so it can sit behind any route, in any Effect HTTP server, with any middleware.
 *
 * @since 0.1.0
 * @category mounting
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const receiver = WebhookReceiver.app((event) => Effect.logInfo(event._tag), { verifyIp: true })
 *
 * // e.g. as one route among yours
 * const Route = HttpRouter.add("POST", "/hooks/esim", receiver)
 * ```
 */
export const app = <E, R>(
  handler: Handler<E, R>,
  options: Options = {}
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
  makeApp(handler, options, Option.none())

/** `captured`: a store found when a layer was built, used when the request's context has none */
const makeApp = <E, R>(
  handler: Handler<E, R>,
  options: Options,
  captured: Option.Option<DedupeStore>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> => {
  const maxBodySize = Math.min(Number.MAX_SAFE_INTEGER, finiteAtLeast(options.maxBodySize, 0, defaultMaxBodySize))
  const ipCheck = makeIpCheck(options.verifyIp)
  let warnedInvalid = false
  const dedupeOption = options.dedupe
  const dedupe = dedupeOption === undefined || dedupeOption === false ?
    undefined :
    Option.getOrElse(captured, () => memoryStore(dedupeOption === true ? {} : dedupeOption))

  const verifyIp = (request: HttpServerRequest.HttpServerRequest, check: IpCheck) =>
    Effect.gen(function*() {
      if (check.invalid.length > 0 && !warnedInvalid) {
        warnedInvalid = true
        yield* Effect.logWarning("eSIM Access webhook: ignoring invalid allow or proxies entries").pipe(
          Effect.annotateLogs({ entries: check.invalid.join(", ") })
        )
      }
      const address = senderAddress(request, check, yield* WebClientAddress)
      if (Result.isFailure(address)) return Option.some(yield* reject(403, "forbidden", address.failure))
      if (!check.networks.some((network) => IpNetwork.contains(network, address.success))) {
        return Option.some(
          yield* reject(403, "forbidden", {
            cause: "sender IP not allowed",
            address: NetAddress.formatIp(address.success)
          })
        )
      }
      return Option.none<HttpServerResponse.HttpServerResponse>()
    })

  // suspended: a handler that throws before returning its effect is a failed handler (500, logged, the claim
  // released so the redelivery is handled), not an exception past the receiver
  const runHandler = (event: WebhookEvent.WebhookEvent, ids: Record<string, string>) =>
    Effect.suspend(() => handler(event)).pipe(
      Effect.withSpan("WebhookReceiver.handle", { attributes: ids }),
      Effect.annotateLogs(ids)
    )

  const failed = (cause: Cause.Cause<unknown>, ids: Record<string, string>) =>
    Cause.hasInterruptsOnly(cause) ?
      Effect.interrupt :
      Effect.as(
        Effect.logError("eSIM Access webhook handler failed", cause).pipe(Effect.annotateLogs(ids)),
        respond(500, "handler failed")
      )

  const handle = (event: WebhookEvent.WebhookEvent, body: unknown, ids: Record<string, string>) =>
    Effect.gen(function*() {
      if (dedupe === undefined) {
        const exit = yield* Effect.exit(runHandler(event, ids))
        return Exit.isSuccess(exit) ? respond(200, "ok") : yield* failed(exit.cause, ids)
      }
      const store = Option.getOrElse(yield* Effect.serviceOption(WebhookDedupeStore), () => dedupe)
      const key = yield* dedupeKey(body)
      return yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const claim = yield* Effect.result(store.claim(key))
          if (Result.isFailure(claim)) {
            yield* Effect.logError("eSIM Access webhook: de-duplication store failed", claim.failure).pipe(
              Effect.annotateLogs(ids)
            )
            return respond(500, "store failed")
          }
          if (claim.success === "duplicate") {
            yield* Effect.logDebug("eSIM Access webhook duplicate skipped").pipe(Effect.annotateLogs(ids))
            return respond(200, "duplicate")
          }
          if (claim.success === "in-flight") {
            return yield* reject(409, "delivery in progress", ids).pipe(
              Effect.map(HttpServerResponse.setHeader("retry-after", "5"))
            )
          }
          const exit = yield* Effect.exit(restore(runHandler(event, ids)))
          if (Exit.isSuccess(exit)) {
            yield* store.complete(key).pipe(
              Effect.catch((error) =>
                Effect.logWarning("eSIM Access webhook: could not mark as handled", error).pipe(
                  Effect.annotateLogs(ids)
                )
              )
            )
            return respond(200, "ok")
          }
          yield* store.release(key).pipe(
            Effect.catch((error) =>
              Effect.logWarning("eSIM Access webhook: could not release", error).pipe(Effect.annotateLogs(ids))
            )
          )
          return yield* failed(exit.cause, ids)
        })
      )
    })

  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") {
      return yield* reject(405, "method not allowed").pipe(Effect.map(HttpServerResponse.setHeader("allow", "POST")))
    }
    if (ipCheck !== undefined) {
      const rejected = yield* verifyIp(request, ipCheck)
      if (Option.isSome(rejected)) return rejected.value
    }
    if (!isJsonContentType(request.headers["content-type"])) return yield* reject(400, "unsupported content type")
    const declared = request.headers["content-length"]
    if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > maxBodySize) {
      return yield* reject(413, "body too large")
    }
    const bytes = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpServerRequest.MaxBodySize, ByteSize.bytes(maxBodySize)),
      Effect.result
    )
    if (Result.isFailure(bytes)) {
      const reason = bytes.failure.reason
      return yield* (reason._tag === "RequestParseError" && reason.reason === "BodyTooLarge" ?
        reject(413, "body too large") :
        reject(400, "unreadable body"))
    }
    let text: string
    try {
      text = utf8.decode(bytes.success)
    } catch {
      return yield* reject(400, "malformed JSON", { cause: "not UTF-8" })
    }
    if (text.trim() === "") return yield* reject(400, "empty body")
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return yield* reject(400, "malformed JSON")
    }
    const decoded = yield* Effect.result(WebhookEvent.decode(body))
    if (Result.isFailure(decoded)) {
      // the response names the field and the problem; the log gets the field only (values may be personal)
      return yield* Effect.as(
        Effect.logWarning("eSIM Access webhook rejected").pipe(
          Effect.annotateLogs({ status: 400, reason: "invalid event", path: decoded.failure.path })
        ),
        respond(400, `invalid event: ${decoded.failure.message}`)
      )
    }
    const event = decoded.success
    const ids = eventIds(event)
    yield* Effect.logDebug("eSIM Access webhook received").pipe(Effect.annotateLogs(ids))
    if (event._tag === "CheckHealth" && options.handleCheckHealth !== true) return respond(200, "ok")
    return yield* handle(event, body, ids)
  })
}

/**
 * A layer that adds the receiver as a `POST` route to the app's `HttpRouter`, at `options.path` (default
 * {@link defaultPath}). The handler's requirements become requirements of the served app (provide them to
 * `HttpRouter.serve(...)`, as for any route). A {@link WebhookDedupeStore} may be provided to this layer or to the
 * served app; without one, each build of the layer gets its own in-memory store.
 *
 * @since 0.1.0
 * @category mounting
 * @example
 * ```ts
 * import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { createServer } from "node:http"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const Webhooks = WebhookReceiver.layer((event) => Effect.logInfo(event._tag), { path: "/hooks/esim", dedupe: true })
 *
 * HttpRouter.serve(Webhooks).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })),
 *   Layer.launch,
 *   NodeRuntime.runMain
 * )
 * ```
 */
export const layer = <E, R>(
  handler: Handler<E, R>,
  options: LayerOptions = {}
): Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | HttpRouter.Request.From<"Requires", Exclude<R, HttpRouter.Provided>>
> =>
  Layer.unwrap(
    Effect.map(
      Effect.serviceOption(WebhookDedupeStore),
      (captured) => HttpRouter.add("POST", options.path ?? defaultPath, makeApp(handler, options, captured))
    )
  )

/**
 * A web-standard handler. Pass the client address your host reports as `remoteAddress` when IP verification is on
 * (Bun: `server.requestIP(request)?.address`; Deno: `info.remoteAddr.hostname`). It plays the socket's part: with
 * `trustedProxies >= 1` it must be one of your `proxies`, and without it such a request is answered `403`. On a
 * platform that reports no address but sets a header it guarantees (Cloudflare Workers: `CF-Connecting-IP`), pass
 * that header's value as `remoteAddress` and keep `trustedProxies` at 0.
 *
 * @since 0.1.0
 * @category mounting
 * @example
 * ```ts
 * import type { WebhookReceiver } from "effect-esim-access"
 *
 * declare const handler: WebhookReceiver.WebHandler
 * const response = await handler(new Request("https://example.com/hook", { method: "POST", body: "{}" }))
 * ```
 */
export interface WebHandler {
  (request: Request, info?: { readonly remoteAddress?: string | undefined } | undefined): Promise<Response>
}

const webHandler =
  (handle: (request: Request, context?: Context.Context<never>) => Promise<Response>): WebHandler => (request, info) =>
    handle(
      request,
      info?.remoteAddress === undefined ?
        undefined :
        Context.make(WebClientAddress, Option.some(info.remoteAddress)) as Context.Context<never>
    )

/**
 * The receiver as a `(Request) => Promise<Response>` function, for a handler that needs no services. Each call of
 * `toWebHandler` makes an independent receiver (with its own in-memory de-duplication store).
 *
 * @since 0.1.0
 * @category mounting
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookReceiver } from "effect-esim-access"
 *
 * const handler = WebhookReceiver.toWebHandler((event) => Effect.logInfo(event._tag))
 *
 * // Bun.serve({ fetch: (request, server) => handler(request, { remoteAddress: server.requestIP(request)?.address }) })
 * // export const POST = (request: Request) => handler(request) // Next.js route handler
 * ```
 */
export const toWebHandler = <E>(handler: Handler<E, never>, options?: Options): WebHandler =>
  webHandler(HttpEffect.toWebHandler(app(handler, options)))

/**
 * The receiver as a `(Request) => Promise<Response>` function for a handler with requirements: `layer` provides
 * them (built once, when this is called). Call `dispose` on shutdown to release the layer; afterwards the handler
 * answers 503. If the layer fails to build, every request is answered 500 (the sender redelivers) and the failure
 * is logged once.
 *
 * @since 0.1.0
 * @category mounting
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { EsimAccessConfig, Profiles, WebhookReceiver } from "effect-esim-access"
 *
 * const { handler, dispose } = WebhookReceiver.toWebHandlerLayer(
 *   WebhookReceiver.match({
 *     OrderStatus: (event) => Effect.asVoid(Profiles.query({ orderNo: event.content.orderNo }))
 *   }),
 *   Layer.mergeAll(EsimAccessConfig.layer({ accessCode: "…" }), FetchHttpClient.layer)
 * )
 * ```
 */
export const toWebHandlerLayer = <E, R, LE>(
  handler: Handler<E, R>,
  layer: Layer.Layer<R, LE>,
  options?: Options
): { readonly handler: WebHandler; readonly dispose: () => Promise<void> } => {
  const web = HttpEffect.toWebHandlerLayer(app(handler, options), layer)
  const handle = webHandler(web.handler as (request: Request, context?: Context.Context<never>) => Promise<Response>)
  let disposed = false
  let reported = false
  return {
    // Effect's adapter rejects every request when the layer failed to build; a web host turns a rejection into a
    // crash or an HTML error page, so the sender gets a plain 500 instead (it redelivers on 5xx) and the failure is
    // logged once. After `dispose` the layer's services are gone: 503, and the sender redelivers elsewhere or later.
    handler: (request, info) =>
      disposed ?
        Promise.resolve(plain(503, "receiver stopped")) :
        handle(request, info).catch((error: unknown) => {
          if (!reported) {
            reported = true
            Effect.runFork(
              Effect.logError("WebhookReceiver: the handler's layer failed to build; answering 500", error)
            )
          }
          return plain(500, "receiver unavailable")
        }),
    dispose: () => {
      disposed = true
      return web.dispose()
    }
  }
}

const plain = (status: number, text: string): Response =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } })
