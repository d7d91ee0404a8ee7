#!/usr/bin/env node
/**
 * The `effect-esim-access` command-line tool, built with `effect/cli`. Every command is one call of the library;
 * credentials come from `ESIM_ACCESS_CODE` / `ESIM_ACCESS_SECRET_KEY` or flags, and `--base-url` points at the
 * simulator. Human-readable tables by default, `--json` for scripts; every typed error prints one line and exits
 * with status 1.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Option, Redacted } from "effect"
import type { Redacted as RedactedT } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
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
import { nestedSimulatorCommand } from "./internal/simulatorCommand.ts"
import { table } from "./internal/table.ts"

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

/** One line for a typed error, never the access code. */
const describe = (error: EsimAccessError | AllocationTimeout): string => {
  switch (error._tag) {
    case "AllocationTimeout":
      return `${error._tag}: ${error.message}`
    case "TransportError":
      return `${error._tag}: ${error.message}${error.bodyExcerpt ? ` (${error.bodyExcerpt})` : ""}`
    case "DecodeError":
      return `${error._tag}: ${error.message}`
    default:
      return `${error._tag} (${error.code}) on ${error.endpoint}: ${error.message}`
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
      return yield* new CliError.UserError({
        cause: undefined,
        userMessage: "no access code: set ESIM_ACCESS_CODE or pass --access-code"
      })
    }
    const accessCode = flags.accessCode.value
    const secretKey: RedactedT.Redacted<string> | undefined = Option.getOrUndefined(flags.secretKey)
    const layer = Layer.mergeAll(
      EsimAccessConfig.layer({ accessCode, secretKey, baseUrl: flags.baseUrl }),
      FetchHttpClient.layer
    )
    return yield* body(flags.json).pipe(
      Effect.provide(layer),
      Effect.mapError((error) => new CliError.UserError({ cause: error, userMessage: describe(error) }))
    )
  })

const print = (json: boolean, value: unknown, human: () => string) =>
  Console.log(json ? JSON.stringify(value, (_, v) => (Redacted.isRedacted(v) ? "<redacted>" : v), 2) : human())

const balance = Command.make("balance", {}, () =>
  withClient((json) =>
    Effect.gen(function*() {
      const result = yield* Balance.query()
      yield* print(json, result, () => `Balance: ${Money.format(result.balance)}`)
    })
  )).pipe(Command.withDescription("Show the prepaid balance"))

const packages = Command.make("packages", {
  location: Flag.String("location").pipe(
    Flag.withDescription("ISO country code (JP), region code (NA-3), !RG regional or !GL global"),
    Flag.optional
  ),
  type: Flag.Literals("type", ["BASE", "TOPUP"]).pipe(Flag.withDescription("catalogue"), Flag.optional),
  dataType: Flag.Literals("data-type", ["1", "2"]).pipe(
    Flag.withDescription("1 fixed plans, 2 day passes"),
    Flag.optional
  ),
  packageCode: Flag.String("package").pipe(Flag.withDescription("a packageCode (with --type TOPUP)"), Flag.optional),
  iccid: Flag.String("iccid").pipe(Flag.withDescription("top-ups for this eSIM (with --type TOPUP)"), Flag.optional)
}, (flags) =>
  withClient((json) =>
    Effect.gen(function*() {
      yield* Console.error("Downloading the catalogue…")
      const list = yield* Packages.list({
        locationCode: Option.getOrUndefined(flags.location),
        type: Option.getOrUndefined(flags.type),
        dataType: Option.getOrUndefined(flags.dataType),
        packageCode: Option.getOrUndefined(flags.packageCode),
        iccid: Option.getOrUndefined(flags.iccid)
      })
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
        ) + `\n${list.length} packages`)
    })
  )).pipe(Command.withDescription("List data packages"))

const locations = Command.make("locations", {}, () =>
  withClient((json) =>
    Effect.gen(function*() {
      const list = yield* Locations.list()
      yield* print(json, list, () =>
        table(
          ["code", "name", "type", "countries"],
          list.map((l) => [
            l.code,
            l.name,
            l.type === 1 ? "country" : "region",
            l.subLocationList.map((s) => s.code).join(",")
          ])
        ))
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
      p.expiredTime ? p.expiredTime.toString().slice(0, 10) : "",
      p.ac
    ])
  )

const order = Command.make("order", {
  packageCode: Flag.String("package").pipe(Flag.withDescription("packageCode or slug")),
  count: Flag.Int("count").pipe(Flag.withDescription("profiles to buy"), Flag.withDefault(1)),
  transactionId: Flag.String("transaction-id").pipe(
    Flag.withDescription("your unique id for this purchase: re-running with the same id never buys twice")
  ),
  periodNum: Flag.Int("period").pipe(Flag.withDescription("days, for day-pass plans"), Flag.optional),
  wait: Flag.Boolean("wait").pipe(
    Flag.withDescription("wait for the profiles and print activation codes and QR URLs"),
    Flag.withDefault(false)
  )
}, (flags) =>
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
        return yield* print(json, placed, () => `Ordered: ${placed.orderNo} (transactionId ${placed.transactionId})`)
      }
      yield* Console.error("Ordering and waiting for allocation…")
      const result = yield* Orders.createAndAwaitProfiles(params, {
        onPoll: (attempt) => Console.error(`  allocating… (check ${attempt})`)
      })
      yield* print(json, result, () =>
        `Order ${result.order.orderNo}\n` +
        result.profiles.map((p) => `ICCID ${p.iccid}\n  activation code: ${p.ac}\n  QR code: ${p.qrCodeUrl}`).join(
          "\n"
        ))
    })
  )).pipe(Command.withDescription("Order eSIM profiles"))

const profileFlags = {
  esimTranNo: Flag.String("esim-tran-no").pipe(Flag.withDescription("profile id (recommended)"), Flag.optional),
  iccid: Flag.String("iccid").pipe(Flag.withDescription("ICCID (ICCIDs are reused)"), Flag.optional)
}

const refOf = (flags: { readonly esimTranNo: Option.Option<string>; readonly iccid: Option.Option<string> }) =>
  Option.isSome(flags.esimTranNo) ?
    Effect.succeed<Profiles.ProfileRef>({ esimTranNo: flags.esimTranNo.value }) :
    Option.isSome(flags.iccid) ?
    Effect.succeed<Profiles.ProfileRef>({ iccid: flags.iccid.value }) :
    Effect.fail(new CliError.UserError({ cause: undefined, userMessage: "give --esim-tran-no or --iccid" }))

const profiles = Command.make("profiles", {
  orderNo: Flag.String("order").pipe(Flag.withDescription("all profiles of an order"), Flag.optional),
  ...profileFlags
}, (flags) =>
  withClient((json) =>
    Effect.gen(function*() {
      const params: Profiles.QueryParams = Option.isSome(flags.orderNo) ?
        { orderNo: flags.orderNo.value } :
        Option.isSome(flags.esimTranNo) ?
        { esimTranNo: flags.esimTranNo.value } :
        { iccid: Option.getOrElse(flags.iccid, () => "") }
      const result = yield* Profiles.query(params)
      yield* print(json, result.profiles, () => profileTable(result.profiles))
    })
  )).pipe(Command.withDescription("Show profiles by --order, --esim-tran-no or --iccid"))

const topup = Command.make("topup", {
  ...profileFlags,
  packageCode: Flag.String("package").pipe(Flag.withDescription("top-up packageCode (TOPUP_…) or slug")),
  transactionId: Flag.String("transaction-id").pipe(Flag.withDescription("your unique id for this purchase"))
}, (flags) =>
  Effect.flatMap(refOf(flags), (ref) =>
    withClient((json) =>
      Effect.gen(function*() {
        const result = yield* TopUp.create({
          ...ref,
          packageCode: flags.packageCode,
          transactionId: flags.transactionId
        })
        yield* print(json, result, () =>
          `Topped up ${result.iccid}: ${DataVolume.format(result.totalVolume)}, ${result.totalDuration} days, expires ${
            result.expiredTime.toString().slice(0, 10)
          }`)
      })
    ))).pipe(Command.withDescription("Top up a profile"))

const usage = Command.make("usage", {
  esimTranNos: Argument.String("esimTranNo").pipe(Argument.withDescription("1 to 10 profile ids"), Argument.variadic())
}, (args) =>
  withClient((json) =>
    Effect.gen(function*() {
      const records = yield* Usage.check(args.esimTranNos)
      yield* print(json, records, () =>
        table(
          ["esimTranNo", "used", "total", "updated"],
          records.map((r) => [
            r.esimTranNo,
            DataVolume.format(r.dataUsage),
            DataVolume.format(r.totalData),
            r.lastUpdateTime ? r.lastUpdateTime.toString() : ""
          ])
        ))
    })
  )).pipe(Command.withDescription("Show data usage (refreshed every 2 to 3 hours by the API)"))

const lifecycle = (name: string, description: string, run: typeof Profiles.cancel) =>
  Command.make(
    name,
    profileFlags,
    (flags) =>
      Effect.flatMap(refOf(flags), (ref) =>
        withClient((json) =>
          Effect.gen(function*() {
            yield* run(ref)
            yield* print(json, { ok: true, ...ref }, () => `${name}: done`)
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
        yield* print(json, { ok: true }, () => "SMS sent")
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
  )).pipe(Command.withDescription("Set the webhook URL"))

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

cli.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
