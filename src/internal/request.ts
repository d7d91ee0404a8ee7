/**
 * The one request pipeline. An endpoint declares its path, request schema and response schema; everything else
 * happens here, once: validation, the body, signing, the shared rate limiter, the per-attempt timeout, the HTTP
 * call, the envelope, mapping error codes to tagged errors, decoding `obj`, the retry schedule and the span.
 *
 * @internal
 */
import { Clock, Duration, Effect, Redacted, Schedule, Schema, SchemaIssue } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import type { HttpClientError, HttpClientResponse } from "effect/http"
import { CatalogueCache } from "../CatalogueCache.ts"
import { EsimAccessConfig } from "../EsimAccessConfig.ts"
import * as Errors from "../EsimAccessError.ts"
import { codeTable } from "./errorCodes.ts"
import { sha256, toHex } from "./sha256.ts"
import * as Signature from "./signature.ts"
import type { Endpoint } from "./wire/endpoint.ts"
import { Envelope } from "./wire/envelope.ts"
import * as FastDecode from "./wire/fastDecode.ts"

/** Headers that carry secrets: recorded as `<redacted>` in spans. */
const secretHeaders = ["rt-accesscode", "rt-signature"]

const excerptLength = 200

/**
 * Text flattened to one line and cut to `length` characters. Text that came from the server is scrubbed BEFORE it
 * is cut: cut first, a credential echoed across the cut would leave a prefix of itself that the scrub no longer
 * recognises.
 */
const excerpt = (text: string, length = excerptLength): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > length ? `${flat.slice(0, length)}…` : flat
}

/** Renders an issue path as `obj.packageList[12].price`. */
const renderPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, key) => typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`,
    ""
  )

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * The first problem of a schema error: its field path and a one-line message, both scrubbed of the credentials
 * (the message quotes the offending value, which a server may have echoed from the headers) and then shortened.
 */
const shortMessage = (error: Schema.SchemaError, root: ReadonlyArray<PropertyKey>, scrub: Scrub) => {
  const first = formatter(error.issue).issues[0]
  const segments = (first?.path ?? []).map((segment) =>
    typeof segment === "object" && segment !== null ? segment.key : segment
  )
  return {
    path: excerpt(scrub(renderPath([...root, ...segments]))),
    message: excerpt(scrub(first?.message ?? "invalid value"))
  }
}

/**
 * Replaces the configured credentials in text that came from the server (a proxy page or an error message may
 * echo the headers it was sent) before the text goes into an error. Very short values are left alone, where a
 * match would more likely be a coincidence than an echo.
 */
const makeScrub = (secrets: ReadonlyArray<string | undefined>): Scrub => {
  const values = secrets.filter((s): s is string => s !== undefined && s.length >= 4)
    // a schema message quotes a value as JSON: a credential with characters JSON escapes appears escaped there
    .flatMap((s) => {
      const quoted = JSON.stringify(s).slice(1, -1)
      return quoted === s ? [s] : [s, quoted]
    })
    // the longest first, so that a credential containing another is replaced whole
    .sort((a, b) => b.length - a.length)
  return (text: string): string => values.reduce((acc, secret) => acc.replaceAll(secret, "<redacted>"), text)
}

type Scrub = (text: string) => string

/** The documented shape of an error code: six digits (numeric codes are padded to six by the envelope). */
const documentedCode = /^\d{6}$/

/**
 * The server's `errorCode` as it goes into an error (and the span attribute `esim_access.error_code`). A documented
 * code is a public constant and is kept; any other text is the server's and is scrubbed of the credentials and
 * shortened, like its message.
 */
const safeCode = (code: string, scrub: Scrub): string =>
  documentedCode.test(code) && codeTable[code] !== undefined ? code : excerpt(scrub(code), 32)

const decodeError = (endpoint: string, error: Schema.SchemaError, scrub: Scrub) => {
  const { message, path } = shortMessage(error, ["obj"], scrub)
  return new Errors.DecodeError({ endpoint, path, message: `${path}: ${message}` })
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
const retryAfterMillis = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && value.trim() !== "") return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * What is behind a transport failure: the system error code (`ECONNREFUSED`, `ENOTFOUND`...) from the cause chain,
 * else the innermost cause's message (fetch wraps everything in "fetch failed").
 */
const transportCause = (cause: unknown): string | undefined => {
  let current = cause
  let innermost: string | undefined
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, message } = current as { readonly code?: unknown; readonly message?: unknown }
    if (typeof code === "string" && /^E[A-Z0-9_]+$/.test(code)) return code
    if (typeof message === "string" && message !== "") innermost = message
    current = (current as { readonly cause?: unknown }).cause
  }
  return innermost
}

const fromHttpClientError = (endpoint: string, error: HttpClientError.HttpClientError, scrub: Scrub) => {
  const cause = error.reason._tag === "TransportError" ? transportCause(error.reason.cause) : undefined
  const details = [
    cause === undefined ? undefined : excerpt(scrub(cause)),
    error.reason.description ? excerpt(scrub(error.reason.description)) : undefined
  ]
    .filter((part) => part !== undefined && part !== "")
  return new Errors.TransportError({
    endpoint,
    reason: "Connection",
    message: `${endpoint}: ${error.reason._tag === "TransportError" ? "connection failed" : error.reason._tag}${
      details.length > 0 ? ` (${details.join(": ")})` : ""
    }`
  })
}

/** Whether the configured base URL can address the API at all (checked before sending, never retried). */
const badBaseUrl = (baseUrl: string): string | undefined => {
  const url = URL.parse(baseUrl)
  // the text itself is quoted only when it cannot be a URL, so a password in it is never repeated
  if (url === null) {
    return `the base URL is not a URL: ${JSON.stringify(excerpt(baseUrl.replace(/\/\/[^/@]*@/, "//…@")))}`
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `the base URL must be http or https, not ${url.protocol}`
  }
  // fetch refuses URLs with credentials; the API authenticates with RT-AccessCode, not with the URL
  if (url.username !== "" || url.password !== "") {
    return `the base URL must not carry a user name or password (${url.protocol}//…@${url.host})`
  }
  if (url.search !== "" || url.hash !== "") {
    return `the base URL must not have a query or fragment: ${url.protocol}//${url.host}${url.pathname}…`
  }
  // a common slip: the endpoint prefix is the client's to add
  if (/\/api\/v1\/open\/?$/.test(url.pathname)) {
    return `the base URL must stop before /api/v1/open (the client adds it): ${url.protocol}//${url.host}`
  }
  return undefined
}

/** Header values travel as visible ASCII; anything else cannot be sent and would fail every attempt. */
const badAccessCode = (accessCode: string): string | undefined =>
  accessCode === "" ?
    "the access code is empty" :
    /^[\x21-\x7e]+$/.test(accessCode) ?
    undefined :
    "the access code has characters an HTTP header cannot carry (spaces, line breaks or non-ASCII)"

/**
 * Which failures a retry may repeat. Reads are always safe. Orders and top-ups are safe because the identical body
 * carries the same transactionId (reference §6). Other state changes (cancel, suspend, SMS, webhook) are retried
 * only when the API surely did not act: HTTP 429, 503 and the busy codes; never after a timeout or a dropped
 * connection, where the first attempt may have gone through.
 */
const retryable = (kind: Endpoint<Schema.Top, Schema.Top>["retry"], error: Errors.EsimAccessError): boolean => {
  if (!Errors.isTransient(error)) return false
  if (kind !== "state-change") return true
  if (error._tag === "TransportError") return error.status === 429 || error.status === 503
  return error._tag === "ServerBusy"
}

type Failure = Errors.EsimAccessError

const encoder = new TextEncoder()

/** A short, non-reversible key for the account (never the access code itself). */
const accountKey = (accessCode: string): string => toHex(sha256(encoder.encode(accessCode))).slice(0, 16)

/** The longest `Retry-After` a retry waits for; a server asking for more gets its error returned instead. */
const maxRetryAfterMillis = 60_000

/** The code and message of a failure envelope in `text`, if it is one. */
const envelopeError = (text: string): { readonly code: string; readonly message: string } | undefined => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  const decoded = Schema.decodeUnknownOption(Envelope)(json)
  if (decoded._tag === "None" || decoded.value.success) return undefined
  const code = decoded.value.errorCode ?? ""
  return code === "" ? undefined : { code, message: decoded.value.errorMsg ?? decoded.value.errorMessage ?? "" }
}

// decoding goes through the fast path: answers already in their decoded shape skip Schema's machinery, anything
// else is decoded (and its errors reported) by Schema itself (see wire/fastDecode.ts)
const decodeEnvelope = FastDecode.decodeUnknownEffect(Envelope, { json: true })

/**
 * `Effect.retry(once, policy)`, with the retry machinery set up only after a first failure: the first failure is
 * replayed into `Effect.retry`, so the schedule sees the same failures at the same times and the policy behaves
 * exactly as `Effect.retry` would, while a call that succeeds at once (nearly all of them) pays nothing for it.
 */
const retryAfterFailure = <A, R>(
  once: Effect.Effect<A, Failure, R>,
  policy: {
    readonly schedule: Schedule.Schedule<unknown, Failure>
    readonly while: (error: Failure) => boolean
  }
): Effect.Effect<A, Failure, R> =>
  Effect.catch(once, (first) => {
    if (!policy.while(first)) return Effect.fail(first)
    let replayed = false
    return Effect.retry(
      Effect.suspend(() => {
        if (replayed) return once
        replayed = true
        return Effect.fail(first)
      }),
      policy
    )
  })

interface Prepared<Req extends Schema.Top, Res extends Schema.Top> {
  readonly encode: (input: Req["Type"]) => Effect.Effect<unknown, Schema.SchemaError, Req["EncodingServices"]>
  /** decodes the `obj` of a fresh `JSON.parse` (nothing else holds it, see wire/fastDecode.ts) */
  readonly decodeObj: (obj: unknown) => Effect.Effect<Res["Type"], Schema.SchemaError, Res["DecodingServices"]>
}

// an endpoint's encoder and decoder, built on its first call (the fast decoder compiles its schema once)
const preparedCache = new WeakMap<Endpoint<Schema.Top, Schema.Top>, Prepared<Schema.Top, Schema.Top>>()

const prepared = <Req extends Schema.Top, Res extends Schema.Top>(endpoint: Endpoint<Req, Res>): Prepared<Req, Res> => {
  const hit = preparedCache.get(endpoint) as Prepared<Req, Res> | undefined
  if (hit !== undefined) return hit
  const made: Prepared<Req, Res> = {
    encode: Schema.encodeUnknownEffect(endpoint.request),
    decodeObj: FastDecode.decodeUnknownEffect(endpoint.response, { json: true })
  }
  preparedCache.set(endpoint, made as unknown as Prepared<Schema.Top, Schema.Top>)
  return made
}

interface Resolved {
  readonly accessCode: string
  readonly scrub: Scrub
  /** why no request can be sent with this configuration (checked before sending, never retried) */
  readonly problem: string | undefined
}

// what every call derives from a configuration, once per configuration
const resolvedCache = new WeakMap<EsimAccessConfig["Service"], Resolved>()

const resolved = (config: EsimAccessConfig["Service"]): Resolved => {
  const hit = resolvedCache.get(config)
  if (hit !== undefined) return hit
  const accessCode = Redacted.value(config.accessCode)
  const made: Resolved = {
    accessCode,
    scrub: makeScrub([accessCode, config.secretKey === undefined ? undefined : Redacted.value(config.secretKey)]),
    problem: badAccessCode(accessCode) ?? badBaseUrl(config.baseUrl)
  }
  resolvedCache.set(config, made)
  return made
}

/**
 * Runs one endpoint call.
 */
export const execute = <Req extends Schema.Top, Res extends Schema.Top>(
  endpoint: Endpoint<Req, Res>,
  /**
   * the request body, or a function building it from the caller's parameters: called inside the pipeline, so
   * parameters of another shape than the types say (from JavaScript, or `as any`) are an `InvalidRequest`, not an
   * exception
   */
  input: Req["Type"] | (() => Req["Type"])
): Effect.Effect<
  Res["Type"],
  Failure,
  EsimAccessConfig | HttpClient.HttpClient | Req["EncodingServices"] | Res["DecodingServices"]
> =>
  Effect.gen(function*() {
    const path = endpoint.path
    const config = yield* EsimAccessConfig
    const client = yield* HttpClient.HttpClient
    const { decodeObj, encode } = prepared(endpoint)
    const { accessCode, scrub, problem } = resolved(config)
    let body_: Req["Type"]
    try {
      body_ = typeof input === "function" ? (input as () => Req["Type"])() : input
    } catch {
      return yield* new Errors.InvalidRequest({
        code: "client",
        endpoint: path,
        message: "the parameters are not of the documented shape"
      })
    }
    const encoded = yield* encode(body_).pipe(
      Effect.mapError((error) => {
        const { message, path: field } = shortMessage(error, [], scrub)
        return new Errors.InvalidRequest({
          code: "client",
          endpoint: path,
          message: field === "" ? message : `${field}: ${message}`
        })
      })
    )
    if (problem !== undefined) {
      return yield* new Errors.InvalidRequest({ code: "client", endpoint: path, message: problem })
    }
    // serialised once: every attempt sends (and signs) these exact bytes
    const body = JSON.stringify(encoded)
    const url = `${config.baseUrl}/api/v1/open/${path}`
    const timeout = endpoint.slow === true ? config.catalogueTimeout : config.timeout
    let attempt = 0

    const readResponse = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.gen(function*() {
        const text = yield* response.text.pipe(Effect.mapError((e) => fromHttpClientError(path, e, scrub)))
        if (response.status < 200 || response.status >= 300) {
          // an API error envelope behind a non-2xx status keeps its code (429 stays a transport-level limit)
          const apiError = response.status === 429 ? undefined : envelopeError(text)
          if (apiError !== undefined) {
            return yield* Errors.fromCode(safeCode(apiError.code, scrub), scrub(apiError.message), path, attempt)
          }
          const retryAfter = retryAfterMillis(response.headers["retry-after"], yield* Clock.currentTimeMillis)
          return yield* new Errors.TransportError({
            endpoint: path,
            reason: "Status",
            status: response.status,
            bodyExcerpt: excerpt(scrub(text)),
            message: `${path}: HTTP ${response.status}`,
            ...(retryAfter === undefined ? {} : { retryAfter })
          })
        }
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          return yield* new Errors.DecodeError({
            endpoint: path,
            path: "",
            message: `the answer is not JSON: ${excerpt(scrub(text)) || "(empty body)"}`
          })
        }
        const envelope = yield* decodeEnvelope(json).pipe(
          Effect.mapError((error) => {
            const { message, path: field } = shortMessage(error, [], scrub)
            return new Errors.DecodeError({ endpoint: path, path: field, message: `envelope ${field}: ${message}` })
          })
        )
        if (!envelope.success) {
          return yield* Errors.fromCode(
            safeCode(envelope.errorCode ?? "", scrub),
            scrub(envelope.errorMsg ?? envelope.errorMessage ?? ""),
            path,
            attempt
          )
        }
        return yield* decodeObj(envelope.obj).pipe(Effect.mapError((error) => decodeError(path, error, scrub)))
      })

    const once = Effect.gen(function*() {
      attempt++
      yield* Effect.annotateCurrentSpan({ "esim_access.attempt": attempt })
      yield* config.rateLimit.take
      let request = HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeader("RT-AccessCode", accessCode),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyText(body, "application/json")
      )
      if (config.secretKey !== undefined) {
        // a fresh timestamp and request id on every attempt (reference §1.3)
        const timestamp = String(yield* Clock.currentTimeMillis)
        const requestId = Signature.requestId()
        const signature = Signature.sign(Redacted.value(config.secretKey), {
          timestamp,
          requestId,
          accessCode,
          body
        })
        request = HttpClientRequest.setHeaders(request, {
          "RT-Timestamp": timestamp,
          "RT-RequestID": requestId,
          "RT-Signature": signature
        })
      }
      return yield* client.execute(request).pipe(
        Effect.mapError((e) => fromHttpClientError(path, e, scrub)),
        Effect.flatMap(readResponse),
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new Errors.TransportError({
                endpoint: path,
                reason: "Timeout",
                message: `${path}: no answer within ${Duration.format(timeout)}`
              })
            )
        })
      )
    })

    const retried = config.retry === undefined ? once : retryAfterFailure(once, {
      // a server's Retry-After is a floor under the backoff
      schedule: config.retry.pipe(
        Schedule.modifyDelay(({ duration, input }) =>
          Effect.succeed(
            input._tag === "TransportError" && input.retryAfter !== undefined ?
              Duration.max(duration, Duration.millis(input.retryAfter)) :
              duration
          )
        )
      ),
      while: (error: Failure) =>
        retryable(endpoint.retry, error) &&
        !(error._tag === "TransportError" && error.retryAfter !== undefined && error.retryAfter > maxRetryAfterMillis)
    })

    // the opt-in catalogue cache: keyed by account, base URL, endpoint and the exact body (every filter)
    const cache = yield* Effect.serviceOption(CatalogueCache)
    const ttl = cache._tag === "Some" ? cache.value.ttl(path) : undefined
    const cached = cache._tag === "Some" && ttl !== undefined ?
      cache.value.get(`${accountKey(accessCode)}|${config.baseUrl}|${path}|${body}`, ttl, retried) :
      retried

    return yield* cached.pipe(
      Effect.tapError((error) =>
        Effect.annotateCurrentSpan({
          "esim_access.error": error._tag,
          ...("code" in error ? { "esim_access.error_code": error.code } : {})
        })
      )
    )
  }).pipe(
    Effect.updateService(Headers.CurrentRedactedNames, (names) => [...names, ...secretHeaders]),
    // no stack trace: it would point here, not at the caller's code, and capturing it is a third of the span's cost
    Effect.withSpan(`EsimAccess.${endpoint.path}`, { attributes: { "esim_access.endpoint": endpoint.path } }, {
      captureStackTrace: false
    })
  )
