#!/usr/bin/env node
/**
 * The `effect-esim-access` command-line tool, built with `effect/cli`. Every command is one call of the library;
 * credentials come from `ESIM_ACCESS_CODE` / `ESIM_ACCESS_SECRET_KEY` or flags, and `--base-url` points at the
 * simulator. Human-readable tables by default, `--json` for scripts; progress goes to stderr; every typed error
 * prints one line on stderr and exits with status 1 (75 when an order's profiles are not allocated yet), an
 * interruption (Ctrl-C) 130. The access code and the secret key are never printed.
 *
 * Boolean flags (`--json`, `--wait`, `--strict`) are switches: they never take the next word as their value
 * (`Flag.withOptionalValue`), so `usage --json 1 2` reads the ids 1 and 2; `--json=false` is the explicit form.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Config, Console, Duration, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Balance from "../Balance.ts"
import * as DataVolume from "../DataVolume.ts"
import * as EsimAccessConfig from "../EsimAccessConfig.ts"
import * as Errors from "../EsimAccessError.ts"
import type { AllocationTimeout, EsimAccessError } from "../EsimAccessError.ts"
import * as Locations from "../Locations.ts"
import * as Money from "../Money.ts"
import * as Orders from "../Orders.ts"
import * as Packages from "../Packages.ts"
import * as Profiles from "../Profiles.ts"
import * as Sms from "../Sms.ts"
import * as TopUp from "../TopUp.ts"
import * as Usage from "../Usage.ts"
import * as Webhook from "../Webhook.ts"
import {
  check,
  checkAll,
  checkInt,
  isHttpUrl,
  makeFormatter,
  Pending,
  pendingExitCode,
  userError
} from "./internal/errors.ts"
import { hint } from "./internal/invocation.ts"
import { notice, withProgress } from "./internal/progress.ts"
import { nestedCredentialDescriptions, nestedSimulatorCommand } from "./internal/simulatorCommand.ts"
import { age, date, dateTime, list, table } from "./internal/table.ts"

const root = Command.make("effect-esim-access").pipe(
  Command.withSharedFlags({
    accessCode: Flag.Redacted("access-code").pipe(
      Flag.withDescription("eSIM Access access code (default: $ESIM_ACCESS_CODE)"),
      Flag.withFallbackConfig(Config.Redacted("ESIM_ACCESS_CODE")),
      Flag.optional
    ),
    secretKey: Flag.Redacted("secret-key").pipe(
      Flag.withDescription("secret key to sign requests (default: $ESIM_ACCESS_SECRET_KEY)"),
      Flag.withFallbackConfig(Config.Redacted("ESIM_ACCESS_SECRET_KEY")),
      Flag.optional
    ),
    // no fallback here: `simulator` tells a --base-url on its command line (an error) from the variable (ignored)
    baseUrl: Flag.String("base-url").pipe(
      Flag.withDescription(
        `API base URL, e.g. the simulator's (default: $ESIM_ACCESS_BASE_URL, else ${EsimAccessConfig.defaultBaseUrl})`
      ),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(
      // a switch: `--json 1` is --json and the argument 1, never --json=1
      Flag.withOptionalValue("true"),
      Flag.withDescription("print JSON instead of tables (default: off)"),
      Flag.optional
    ),
    requestTimeout: Flag.Int("request-timeout").pipe(
      Flag.withDescription("seconds to wait for each attempt's answer, >= 1 (default: 30, the catalogue 120)"),
      Flag.optional
    ),
    retries: Flag.Int("retries").pipe(
      Flag.withDescription("retries after a transient failure (no answer, HTTP 429 or 5xx, busy), >= 0 (default: 3)"),
      Flag.optional
    )
  }),
  Command.withDescription("The eSIM Access wholesale API from the command line")
)

/** The shared flags that only the API commands use: `simulator` rejects them and its help leaves them out. */
const apiOnlyFlags = ["base-url", "json", "request-timeout", "retries"] as const

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The command that shows an order's profiles, as the user can run it. */
const lookUp = (orderNo: string) => hint(`profiles --order ${orderNo}`)

/**
 * One line for a typed error; `attempts`, when known, is how many attempts the failed call made (always named for
 * a transport failure, which is the one retried: "no answer within 30s (4 attempts)").
 */
const describe = (error: EsimAccessError | AllocationTimeout, attempts?: number): string => {
  const tries = attempts === undefined || (attempts === 1 && error._tag !== "TransportError") ?
    "" :
    ` (${plural(attempts, "attempt")})`
  switch (error._tag) {
    case "AllocationTimeout":
      // the library's line names the order; the CLI adds its transactionId and the command to look it up later
      return `${error._tag}: ${
        error.message.replace(
          `order ${error.orderNo}:`,
          `order ${error.orderNo} (transactionId ${error.transactionId}):`
        )
      }: ${lookUp(error.orderNo)}`
    case "TransportError": {
      const line = `${error._tag}: ${error.message}${error.bodyExcerpt ? ` (${error.bodyExcerpt})` : ""}${tries}`
      // no answer to a purchase: it may have gone through, and the same transactionId never buys twice
      return error.reason !== "Status" && (error.endpoint === "esim/order" || error.endpoint === "esim/topup") ?
        `${line}; it may have been placed: run the same command again (same --transaction-id), it never buys twice` :
        line
    }
    case "DecodeError":
      return `${error._tag} on ${error.endpoint}: ${error.message}${tries}`
    default:
      return `${error._tag} (${error.code}) on ${error.endpoint}: ${error.message}${tries}`
  }
}

const isCallError = Schema.is(Errors.EsimAccessError)
const isAllocationTimeout = Schema.is(Errors.AllocationTimeout)

/** `esim/query` from `https://host/api/v1/open/esim/query`: the `endpoint` of the errors. */
const endpointOf = (url: string) => url.split("/api/v1/open/")[1] ?? url

/**
 * The CLI's HttpClient: fetch, plus a look at every attempt. The library retries inside its request pipeline, with
 * the schedule of the configuration, and every retried attempt runs with that schedule's metadata (its input is the
 * failure being retried), so an attempt after the first is announced on stderr as it starts ("…, retrying (attempt
 * 2 of 4)…"), and the attempts of each endpoint are counted for the final error line.
 */
const attemptTracker = (announce: (error: EsimAccessError, attempt: number) => Effect.Effect<void>) => {
  const attempts = new Map<string, number>()
  const layer = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.tapRequest(client, (request) =>
        Effect.gen(function*() {
          const meta = yield* Schedule.CurrentMetadata
          // a repeat around the call (the allocation polls) has metadata too, with another input: not a retry
          const retried = meta.attempt >= 1 && isCallError(meta.input) ? meta.input : undefined
          const attempt = retried === undefined ? 1 : meta.attempt + 1
          attempts.set(endpointOf(request.url), attempt)
          if (retried !== undefined) yield* announce(retried, attempt)
        })))
  ).pipe(Layer.provide(FetchHttpClient.layer))
  return { layer, attemptsOf: (endpoint: string) => attempts.get(endpoint) }
}

/**
 * Masks the credentials in text that came from elsewhere (an error body may echo request headers), and keeps it
 * on one line.
 */
const scrub = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.reduce(
    (acc, secret) => (secret.length > 0 ? acc.split(secret).join("<redacted>") : acc),
    text.replace(/\s*[\r\n]+\s*/g, " ")
  )

/** `--base-url`, else `ESIM_ACCESS_BASE_URL` (empty means unset, as in the library), else production. */
const baseUrlOf = (flag: Option.Option<string>) =>
  Option.isSome(flag) ? Effect.succeed(flag.value) : Config.String("ESIM_ACCESS_BASE_URL").pipe(
    Config.withDefault(""),
    Effect.map((value) => value.trim() === "" ? EsimAccessConfig.defaultBaseUrl : value.trim()),
    Effect.orElseSucceed(() => EsimAccessConfig.defaultBaseUrl)
  )

/** the library's default number of retries (EsimAccessConfig.RetryOptions) */
const defaultRetries = 3

/**
 * Runs a command body with the configuration from the shared flags, turning every typed error into one line on
 * stderr and exit status 1 (other failures, such as usage errors and {@link Pending}, pass as they are).
 */
const withClient = <A, E>(
  body: (
    json: boolean
  ) => Effect.Effect<A, E, EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient>
) =>
  Effect.gen(function*() {
    const flags = yield* root
    if (Option.isNone(flags.accessCode) || Redacted.value(flags.accessCode.value) === "") {
      return yield* userError("no access code: set ESIM_ACCESS_CODE or pass --access-code")
    }
    const baseUrl = yield* baseUrlOf(flags.baseUrl)
    if (!isHttpUrl(baseUrl)) {
      return yield* userError(`invalid base URL ${JSON.stringify(baseUrl)}: expected http(s)://host[:port]`)
    }
    yield* checkAll([
      ...Option.toArray(Option.map(flags.requestTimeout, (n) => checkInt("request-timeout", n, 1))),
      ...Option.toArray(Option.map(flags.retries, (n) => checkInt("retries", n, 0)))
    ])
    const accessCode = flags.accessCode.value
    const secretKey = Option.getOrUndefined(flags.secretKey)
    const secrets = [accessCode, ...(secretKey === undefined ? [] : [secretKey])].map(Redacted.value)
    const retries = Option.getOrElse(flags.retries, () => defaultRetries)
    // per attempt: the library times every attempt out on its own (the catalogue with its longer timeout)
    const timeout = Option.getOrUndefined(Option.map(flags.requestTimeout, (n) => Duration.seconds(n)))
    const tracker = attemptTracker((error, attempt) =>
      notice(scrub(`${describe(error)}, retrying (attempt ${attempt} of ${retries + 1})…`, secrets))
    )
    const layer = Layer.mergeAll(
      EsimAccessConfig.layer({
        accessCode,
        secretKey,
        baseUrl,
        timeout,
        catalogueTimeout: timeout,
        retry: retries === 0 ? false : { times: retries }
      }),
      tracker.layer
    )
    const json = Option.getOrElse(flags.json, () => false)
    return yield* body(json).pipe(
      Effect.provide(layer),
      Effect.mapError((error) =>
        isCallError(error) ?
          userError(scrub(describe(error, tracker.attemptsOf(error.endpoint)), secrets), error) :
          isAllocationTimeout(error) ?
          userError(scrub(describe(error), secrets), error) :
          error
      )
    )
  })

/** JSON (Redacted values masked, dates as ISO strings) or the human rendering, on stdout. */
const print = (json: boolean, value: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(value, (_, v) => (Redacted.isRedacted(v) ? "<redacted>" : v), 2) : human())

/** at most 30 eSIMs in one order (reference §2.2) */
const maxBatch = 30
/** a day pass runs 1 to 365 days (reference §2.2) */
const maxPeriod = 365

const balance = Command.make("balance", {}, () =>
  withClient((json) =>
    Effect.gen(function*() {
      const result = yield* Balance.query()
      yield* print(json, result, () => `Balance: ${Money.format(result.balance)}`)
    })
  )).pipe(
    Command.withDescription("Show the prepaid balance (--json: API units, USD x 10,000)"),
    Command.withExamples([{ command: "effect-esim-access balance", description: "Balance: $1000.00" }])
  )

const packages = Command.make("packages", {
  location: Flag.String("location").pipe(
    Flag.withDescription("ISO country code (JP), region code (NA-3), !RG regional or !GL global"),
    Flag.optional
  ),
  type: Flag.Literals("type", ["BASE", "TOPUP"]).pipe(
    Flag.withDescription("BASE plans (default) or TOPUP packages (with --package or --iccid)"),
    Flag.optional
  ),
  dataType: Flag.Literals("data-type", ["1", "2"]).pipe(
    Flag.withDescription("1 fixed plans, 2 day passes"),
    Flag.optional
  ),
  packageCode: Flag.String("package").pipe(
    Flag.withDescription("one packageCode; with --type TOPUP, the top-ups of that plan"),
    Flag.optional
  ),
  iccid: Flag.String("iccid").pipe(Flag.withDescription("with --type TOPUP: the top-ups of this eSIM"), Flag.optional)
}, (flags) =>
  withClient((json) =>
    Effect.gen(function*() {
      // the API filters by ICCID only for top-ups (reference §2.1); without TOPUP it would list the whole catalogue
      if (Option.isSome(flags.iccid) && Option.getOrUndefined(flags.type) !== "TOPUP") {
        return yield* userError("--iccid applies only with --type TOPUP (the top-ups an eSIM can take)")
      }
      const list = yield* withProgress("Downloading the catalogue", () =>
        Packages.list({
          locationCode: Option.getOrUndefined(flags.location),
          type: Option.getOrUndefined(flags.type),
          dataType: Option.getOrUndefined(flags.dataType),
          packageCode: Option.getOrUndefined(flags.packageCode),
          iccid: Option.getOrUndefined(flags.iccid)
        }))
      yield* print(json, list, () =>
        table(
          ["packageCode", "slug", "name", "price", "data", "days", "location"],
          list.map((p) => [
            p.packageCode,
            p.slug,
            p.name,
            Money.format(p.price),
            DataVolume.format(p.volume),
            String(p.duration),
            p.locationCode ?? p.location
          ])
        ) + `\n${plural(list.length, "package")}`)
    })
  )).pipe(
    Command.withDescription("List data packages (the full catalogue is about 3 MB)"),
    Command.withExamples([
      { command: "effect-esim-access packages --location JP", description: "plans for Japan" },
      { command: "effect-esim-access packages --type TOPUP --iccid 8986…", description: "top-ups for an eSIM" }
    ])
  )

const locations = Command.make("locations", {}, () =>
  withClient((json) =>
    Effect.gen(function*() {
      const result = yield* withProgress("Downloading the locations", () => Locations.list())
      yield* print(json, result, () =>
        table(
          ["code", "name", "type", "countries"],
          result.map((l) => [
            l.code,
            l.name,
            l.type === 1 ? "country" : "region",
            list(l.subLocationList.map((s) => s.code), 12)
          ])
        ) + `\n${plural(result.length, "location")}`)
    })
  )).pipe(Command.withDescription("List supported countries and regions"))

const profileTable = (profiles: ReadonlyArray<Profiles.Profile>) =>
  table(
    ["esimTranNo", "iccid", "status", "smdp", "used", "total", "expires", "activation code"],
    profiles.map((p) => [
      p.esimTranNo,
      p.iccid,
      p.esimStatus,
      p.smdpStatus,
      DataVolume.format(p.orderUsage),
      DataVolume.format(p.totalVolume),
      date(p.expiredTime),
      p.ac
    ])
  )

const order = Command.make("order", {
  packageCode: Flag.String("package").pipe(Flag.withDescription("packageCode or slug")),
  count: Flag.Int("count").pipe(
    Flag.withDescription(`profiles to buy, 1 to ${maxBatch} (default 1)`),
    Flag.withDefault(1)
  ),
  transactionId: Flag.String("transaction-id").pipe(
    Flag.withDescription("your unique id for this purchase: re-running with the same id never buys twice")
  ),
  periodNum: Flag.Int("period").pipe(
    Flag.withDescription("days, 1 to 365, for day-pass plans only (a fixed plan is refused)"),
    Flag.optional
  ),
  wait: Flag.Boolean("wait").pipe(
    Flag.withOptionalValue("true"),
    Flag.withDescription(
      "wait for the profiles and print activation codes and QR URLs; on Ctrl-C, prints the orderNo (exit 130)"
    ),
    Flag.withDefault(false)
  ),
  timeout: Flag.Int("timeout").pipe(
    Flag.withDescription("with --wait: seconds to wait for allocation, >= 1 (default: 90); the order stays placed"),
    Flag.optional
  )
}, (flags) =>
  Effect.andThen(
    checkAll([
      checkInt("count", flags.count, 1, maxBatch),
      ...Option.toArray(Option.map(flags.periodNum, (n) => checkInt("period", n, 1, maxPeriod))),
      ...Option.toArray(Option.map(flags.timeout, (n) => checkInt("timeout", n, 1))),
      check(flags.wait || Option.isNone(flags.timeout), "--timeout applies only with --wait")
    ]),
    withClient((json) =>
      Effect.gen(function*() {
        const params = {
          transactionId: flags.transactionId,
          packageInfoList: [{
            packageCode: flags.packageCode,
            count: flags.count,
            periodNum: Option.getOrUndefined(flags.periodNum)
          }]
        }
        // the API ignores periodNum on a fixed plan (reference §2.2): a --period there is a mistake about the plan,
        // refused before ordering
        if (Option.isSome(flags.periodNum)) yield* refuseFixedPlan(flags.packageCode)
        // until the API confirms the order, an interruption leaves it unknown whether it was placed: a re-run with
        // the same transactionId finds out without buying twice
        const unconfirmed = Console.error(
          `interrupted before the order was confirmed: it may have been placed; run the same command again ` +
            `(same --transaction-id ${flags.transactionId}): it never buys twice`
        )
        if (!flags.wait) {
          const placed = yield* Orders.create(params).pipe(Effect.onInterrupt(() => unconfirmed))
          return yield* print(json, placed, () =>
            `Ordered ${placed.orderNo} (transactionId ${placed.transactionId}).\n` +
            `Profiles are allocated within seconds: ${lookUp(placed.orderNo)}`)
        }
        let placed: string | undefined
        const result = yield* withProgress(
          `Ordering ${plural(flags.count, "profile")} and waiting for allocation`,
          (progress) =>
            Orders.createAndAwaitProfiles(params, {
              deadline: `${Option.getOrElse(flags.timeout, () => 90)} seconds`,
              onPoll: (poll) => progress.update(`Waiting for allocation of ${placed ?? "the order"} (check ${poll})`),
              // called once the order is placed (or found again, on a re-run) with its orderNo. It never
              // completes, so it never ends a pause early, as a webhook signal would
              orderStatus: (orderNo) =>
                Effect.sync(() => void (placed = orderNo)).pipe(
                  Effect.andThen(
                    progress.update(
                      `Order ${orderNo} placed (transactionId ${flags.transactionId}), waiting for allocation`
                    )
                  ),
                  Effect.andThen(Effect.never)
                )
            })
        ).pipe(
          // Ctrl-C: the spinner is gone by now (withProgress ends first); the order is not lost, say where it is
          Effect.onInterrupt(() =>
            placed === undefined ? unconfirmed : Console.error(
              `interrupted: order ${placed} (transactionId ${flags.transactionId}) is placed and paid for; ` +
                `the order exists, query it later: ${lookUp(placed)}`
            )
          )
        )
        yield* print(json, result, () =>
          [
            `Order ${result.order.orderNo} (transactionId ${result.order.transactionId}): ${
              plural(result.profiles.length, "profile")
            }`,
            ...result.profiles.map((p) =>
              [
                "",
                `ICCID ${p.iccid} (esimTranNo ${p.esimTranNo})`,
                `  activation code: ${p.ac}`,
                `  QR code:         ${p.qrCodeUrl}`,
                ...(p.shortUrl ? [`  install link:    ${p.shortUrl}`] : [])
              ].join("\n")
            )
          ].join("\n"))
      })
    )
  )).pipe(
    Command.withDescription("Order eSIM profiles (exit 130 on Ctrl-C, after printing what became of the order)"),
    Command.withExamples([{
      command: "effect-esim-access order --package JP_1_7 --transaction-id shop-1042 --wait",
      description: "buy one Japan plan and print its activation code and QR URL"
    }])
  )

/**
 * Fails when `code` (a packageCode or slug) is a fixed plan, for which `--period` means nothing. A package the
 * catalogue does not list is left to the order, which names it (NotFound).
 */
const refuseFixedPlan = (code: string) =>
  Effect.gen(function*() {
    const byCode = yield* Packages.list({ packageCode: code })
    const found = byCode.length > 0 ? byCode : yield* Packages.list({ slug: code })
    const plan = found.find((p) => p.packageCode === code || p.slug === code) ?? found[0]
    // dataType 1 is a fixed plan; 2 to 4 are day passes (reference §2.1)
    if (plan?.dataType === 1) {
      return yield* userError(`--period applies to day-pass plans only; ${code} (${plan.name}) is a fixed plan`)
    }
  })

const profileFlags = {
  esimTranNo: Flag.String("esim-tran-no").pipe(Flag.withDescription("profile id (recommended)"), Flag.optional),
  iccid: Flag.String("iccid").pipe(Flag.withDescription("ICCID (ICCIDs are reused)"), Flag.optional)
}

const refOf = (flags: { readonly esimTranNo: Option.Option<string>; readonly iccid: Option.Option<string> }) =>
  Option.isSome(flags.esimTranNo) && Option.isSome(flags.iccid) ?
    Effect.fail(userError("give --esim-tran-no or --iccid, not both")) :
    Option.isSome(flags.esimTranNo) ?
    Effect.succeed<Profiles.ProfileRef>({ esimTranNo: flags.esimTranNo.value }) :
    Option.isSome(flags.iccid) ?
    Effect.succeed<Profiles.ProfileRef>({ iccid: flags.iccid.value }) :
    Effect.fail(userError("give --esim-tran-no or --iccid"))

const profiles = Command.make("profiles", {
  orderNo: Flag.String("order").pipe(Flag.withDescription("all profiles of an order"), Flag.optional),
  ...profileFlags
}, (flags) =>
  Effect.gen(function*() {
    const given = [flags.orderNo, flags.esimTranNo, flags.iccid].filter(Option.isSome).length
    if (given > 1) return yield* userError("give one of --order, --esim-tran-no or --iccid, not several")
    const params: Profiles.StreamParams | undefined = Option.isSome(flags.orderNo) ?
      { orderNo: flags.orderNo.value } :
      Option.isSome(flags.esimTranNo) ?
      { esimTranNo: flags.esimTranNo.value } :
      Option.isSome(flags.iccid) ?
      { iccid: flags.iccid.value } :
      undefined
    if (params === undefined) return yield* userError("give --order, --esim-tran-no or --iccid")
    return yield* withClient((json) =>
      Effect.gen(function*() {
        // every page, however many profiles the order has
        const result = yield* Profiles.queryAll(params).pipe(
          // 200010: the order exists and is paid for, its profiles are being allocated (not a failure)
          Effect.catchTag("ProfileNotReady", (error) =>
            Effect.fail(
              params.orderNo === undefined ? error : new Pending({
                line:
                  `order ${params.orderNo} is still being allocated; try again in a few seconds (or use order --wait)`
              })
            ))
        )
        yield* print(json, result, () => profileTable(result) + `\n${plural(result.length, "profile")}`)
      })
    )
  })).pipe(
    Command.withDescription(
      `Show profiles by one of --order, --esim-tran-no or --iccid (an order still being allocated: one line on ` +
        `stderr and exit ${pendingExitCode}, not 1)`
    )
  )

const topup = Command.make("topup", {
  ...profileFlags,
  packageCode: Flag.String("package").pipe(Flag.withDescription("top-up packageCode (TOPUP_…) or slug")),
  transactionId: Flag.String("transaction-id").pipe(Flag.withDescription("your unique id for this purchase")),
  periodNum: Flag.Int("period").pipe(Flag.withDescription("days, 1 to 365, for day-pass profiles"), Flag.optional)
}, (flags) =>
  Effect.andThen(
    checkAll(Option.toArray(Option.map(flags.periodNum, (n) => checkInt("period", n, 1, maxPeriod)))),
    Effect.flatMap(refOf(flags), (ref) =>
      withClient((json) =>
        Effect.gen(function*() {
          const result = yield* TopUp.create({
            ...ref,
            packageCode: flags.packageCode,
            transactionId: flags.transactionId,
            periodNum: Option.getOrUndefined(flags.periodNum)
          })
          yield* print(json, result, () =>
            `Topped up ${result.iccid}: now ${DataVolume.format(result.totalVolume)}, ${
              plural(result.totalDuration, "day")
            }, expires ${date(result.expiredTime)}`)
        })
      ))
  )).pipe(
    Command.withDescription("Top up a profile (list top-ups with: packages --type TOPUP --iccid …)")
  )

const usage = Command.make("usage", {
  esimTranNos: Argument.String("esimTranNo").pipe(
    Argument.withDescription("profile ids, any number (sent 10 at a time)"),
    Argument.variadic({ min: 1 })
  )
}, (args) =>
  withClient((json) =>
    Effect.gen(function*() {
      const reports = yield* Usage.checkAll(args.esimTranNos)
      const found = new Set(reports.map((r) => r.esimTranNo))
      const missing = [...new Set(args.esimTranNos)].filter((id) => !found.has(id))
      if (missing.length > 0) yield* Console.error(`no usage reported for: ${missing.join(", ")}`)
      yield* print(
        json,
        reports.map(({ staleness, ...record }) => ({
          ...record,
          stalenessSeconds: staleness === undefined ? null : Math.floor(Duration.toMillis(staleness) / 1000)
        })),
        () =>
          table(
            ["esimTranNo", "used", "total", "remaining", "updated", "age"],
            reports.map((r) => [
              r.esimTranNo,
              DataVolume.format(r.dataUsage),
              DataVolume.format(r.totalData),
              DataVolume.format(Math.max(0, r.totalData - r.dataUsage)),
              dateTime(r.lastUpdateTime),
              age(r.staleness)
            ])
          )
      )
    })
  )).pipe(Command.withDescription("Show data usage (the API settles it every 2 to 3 hours)"))

const lifecycle = (name: string, description: string, run: typeof Profiles.cancel) =>
  Command.make(
    name,
    profileFlags,
    (flags) =>
      Effect.flatMap(refOf(flags), (ref) =>
        withClient((json) =>
          Effect.gen(function*() {
            yield* run(ref)
            yield* print(
              json,
              { ok: true, ...ref },
              () => `${name}: done for ${ref.esimTranNo ?? `ICCID ${ref.iccid ?? ""}`}`
            )
          })
        ))
  ).pipe(Command.withDescription(description))

const sms = Command.make("sms", {
  ...profileFlags,
  message: Flag.String("message").pipe(Flag.withDescription("1 to 500 characters"))
}, (flags) =>
  Effect.flatMap(refOf(flags), (ref) =>
    withClient((json) =>
      Effect.gen(function*() {
        yield* Sms.send({ ...ref, message: flags.message })
        yield* print(json, { ok: true, ...ref }, () => "SMS sent")
      })
    ))).pipe(Command.withDescription("Send an SMS to an installed profile"))

const webhookGet = Command.make("get", {}, () =>
  withClient((json) =>
    Effect.gen(function*() {
      const result = yield* Webhook.query()
      yield* print(json, result, () => result.webhook ?? "(no webhook set)")
    })
  )).pipe(Command.withDescription("Show the webhook URL"))

const webhookSet = Command.make("set", {
  url: Argument.String("url").pipe(Argument.withDescription("https URL that answers 200 to CHECK_HEALTH"))
}, (args) =>
  withClient((json) =>
    Effect.gen(function*() {
      yield* Webhook.save(args.url)
      yield* print(json, { webhook: args.url }, () => `Webhook set to ${args.url}`)
    })
  )).pipe(Command.withDescription("Set the webhook URL (the API first POSTs CHECK_HEALTH to it)"))

const webhook = Command.make("webhook").pipe(
  Command.withDescription("Get or set the webhook URL"),
  Command.withSubcommands([webhookGet, webhookSet])
)

const cli = root.pipe(
  Command.withSubcommands([
    balance,
    packages,
    locations,
    order,
    profiles,
    topup,
    usage,
    lifecycle("suspend", "Pause a profile's data service", Profiles.suspend),
    lifecycle("unsuspend", "Resume a suspended profile", Profiles.unsuspend),
    lifecycle("cancel", "Cancel an unused profile (refunded)", Profiles.cancel),
    lifecycle("revoke", "Revoke a profile (not refunded)", Profiles.revoke),
    sms,
    webhook,
    nestedSimulatorCommand(
      "simulator",
      Effect.map(root, (flags) => ({
        accessCode: Option.getOrUndefined(Option.map(flags.accessCode, Redacted.value)),
        secretKey: Option.getOrUndefined(Option.map(flags.secretKey, Redacted.value)),
        // given on the command line (ESIM_ACCESS_BASE_URL is not: it is set for the other commands)
        unused: [
          ...(Option.isSome(flags.baseUrl) ? ["--base-url"] : []),
          ...(Option.isSome(flags.json) ? ["--json"] : []),
          ...(Option.isSome(flags.requestTimeout) ? ["--request-timeout"] : []),
          ...(Option.isSome(flags.retries) ? ["--retries"] : [])
        ]
      }))
    )
  ]),
  Command.run({ version: "0.1.0" })
)

// `simulator --help` leaves out the shared flags that do not apply to a server, and says what the credentials
// mean there
const formatter = makeFormatter({
  inherited: (path) =>
    path.length === 2 && path[1] === "simulator" ? { hide: apiOnlyFlags, describe: nestedCredentialDescriptions } : {}
})

cli.pipe(Effect.provide(formatter), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
