#!/usr/bin/env node
/**
 * The `effect-esim-access` command-line tool, built with `effect/cli`. Every command is one call of the library;
 * credentials come from `ESIM_ACCESS_CODE` / `ESIM_ACCESS_SECRET_KEY` or flags, and `--base-url` points at the
 * simulator. Human-readable tables by default, `--json` for scripts; progress goes to stderr; every typed error
 * prints one line on stderr and exits with status 1. The access code and the secret key are never printed.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Config, Console, Duration, Effect, Layer, Option, Redacted } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import * as Balance from "../Balance.ts"
import * as DataVolume from "../DataVolume.ts"
import * as EsimAccessConfig from "../EsimAccessConfig.ts"
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
import { checkAll, checkInt, formatter, userError } from "./internal/errors.ts"
import { withProgress } from "./internal/progress.ts"
import { nestedSimulatorCommand } from "./internal/simulatorCommand.ts"
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
    baseUrl: Flag.String("base-url").pipe(
      Flag.withDescription("API base URL, e.g. the simulator's (default: $ESIM_ACCESS_BASE_URL or production)"),
      Flag.withFallbackConfig(Config.String("ESIM_ACCESS_BASE_URL")),
      Flag.withDefault(EsimAccessConfig.defaultBaseUrl)
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("print JSON instead of tables"), Flag.withDefault(false))
  }),
  Command.withDescription("The eSIM Access wholesale API from the command line")
)

/** One line for a typed error. */
const describe = (error: EsimAccessError | AllocationTimeout): string => {
  switch (error._tag) {
    case "AllocationTimeout":
      return `${error._tag}: ${error.message}`
    case "TransportError":
      return `${error._tag}: ${error.message}${error.bodyExcerpt ? ` (${error.bodyExcerpt})` : ""}`
    case "DecodeError":
      return `${error._tag} on ${error.endpoint}: ${error.message}`
    default:
      return `${error._tag} (${error.code}) on ${error.endpoint}: ${error.message}`
  }
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

const validBaseUrl = (text: string): boolean => {
  try {
    const url = new URL(text)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/**
 * Runs a command body with the configuration from the shared flags, turning every typed error into one line on
 * stderr and exit status 1.
 */
const withClient = <A>(
  body: (
    json: boolean
  ) => Effect.Effect<A, EsimAccessError | AllocationTimeout, EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient>
) =>
  Effect.gen(function*() {
    const flags = yield* root
    if (Option.isNone(flags.accessCode) || Redacted.value(flags.accessCode.value) === "") {
      return yield* userError("no access code: set ESIM_ACCESS_CODE or pass --access-code")
    }
    if (!validBaseUrl(flags.baseUrl)) {
      return yield* userError(`invalid base URL ${JSON.stringify(flags.baseUrl)}: expected http(s)://host[:port]`)
    }
    const accessCode = flags.accessCode.value
    const secretKey = Option.getOrUndefined(flags.secretKey)
    const secrets = [accessCode, ...(secretKey === undefined ? [] : [secretKey])].map(Redacted.value)
    const layer = Layer.mergeAll(
      EsimAccessConfig.layer({ accessCode, secretKey, baseUrl: flags.baseUrl }),
      FetchHttpClient.layer
    )
    return yield* body(flags.json).pipe(
      Effect.provide(layer),
      Effect.mapError((error) => userError(scrub(describe(error), secrets), error))
    )
  })

/** JSON (Redacted values masked, dates as ISO strings) or the human rendering, on stdout. */
const print = (json: boolean, value: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(value, (_, v) => (Redacted.isRedacted(v) ? "<redacted>" : v), 2) : human())

/** at most 30 eSIMs in one order (reference §2.2) */
const maxBatch = 30
/** a day pass runs 1 to 365 days (reference §2.2) */
const maxPeriod = 365

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

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
  periodNum: Flag.Int("period").pipe(Flag.withDescription("days, 1 to 365, for day-pass plans"), Flag.optional),
  wait: Flag.Boolean("wait").pipe(
    Flag.withDescription("wait for the profiles and print activation codes and QR URLs"),
    Flag.withDefault(false)
  ),
  timeout: Flag.Int("timeout").pipe(
    Flag.withDescription("with --wait: seconds to wait for allocation, >= 1 (default 90); the order stays placed"),
    Flag.withDefault(90)
  )
}, (flags) =>
  Effect.andThen(
    checkAll([
      checkInt("count", flags.count, 1, maxBatch),
      ...Option.toArray(Option.map(flags.periodNum, (n) => checkInt("period", n, 1, maxPeriod))),
      checkInt("timeout", flags.timeout, 1)
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
        if (!flags.wait) {
          const placed = yield* Orders.create(params)
          return yield* print(json, placed, () =>
            `Ordered ${placed.orderNo} (transactionId ${placed.transactionId}).\n` +
            `Profiles are allocated within seconds: effect-esim-access profiles --order ${placed.orderNo}`)
        }
        const result = yield* withProgress(
          `Ordering ${plural(flags.count, "profile")} and waiting for allocation`,
          (progress) =>
            Orders.createAndAwaitProfiles(params, {
              deadline: `${flags.timeout} seconds`,
              onPoll: (poll) => progress.update(`Waiting for allocation (check ${poll})`)
            })
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
    Command.withDescription("Order eSIM profiles"),
    Command.withExamples([{
      command: "effect-esim-access order --package JP_1_7 --transaction-id shop-1042 --wait",
      description: "buy one Japan plan and print its activation code and QR URL"
    }])
  )

const profileFlags = {
  esimTranNo: Flag.String("esim-tran-no").pipe(Flag.withDescription("profile id (recommended)"), Flag.optional),
  iccid: Flag.String("iccid").pipe(Flag.withDescription("ICCID (ICCIDs are reused)"), Flag.optional)
}

const refOf = (flags: { readonly esimTranNo: Option.Option<string>; readonly iccid: Option.Option<string> }) =>
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
        const result = yield* Profiles.queryAll(params)
        yield* print(json, result, () => profileTable(result) + `\n${plural(result.length, "profile")}`)
      })
    )
  })).pipe(Command.withDescription("Show profiles by --order, --esim-tran-no or --iccid"))

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
        secretKey: Option.getOrUndefined(Option.map(flags.secretKey, Redacted.value))
      }))
    )
  ]),
  Command.run({ version: "0.1.0" })
)

cli.pipe(Effect.provide(formatter), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
