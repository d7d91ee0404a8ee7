/**
 * The simulator server as an `effect/cli` command, shared by `effect-esim-access-simulator` and the
 * `effect-esim-access simulator` subcommand.
 *
 * @internal
 */
import { Console, Effect, Option } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { checkAll, checkInt } from "./errors.ts"

const serverFlags = {
  port: Flag.Int("port").pipe(
    Flag.withDescription("port to listen on, 0 to 65535 (0: any free port)"),
    Flag.withDefault(4010)
  ),
  host: Flag.String("host").pipe(Flag.withDescription("address to bind"), Flag.withDefault("127.0.0.1")),
  strict: Flag.Boolean("strict").pipe(
    Flag.withDescription("require a valid RT-Signature on every request"),
    Flag.withDefault(false)
  ),
  balance: Flag.Int("balance").pipe(
    Flag.withDescription("starting balance in API units (USD x 10,000), >= 0"),
    Flag.withDefault(10_000_000)
  ),
  seed: Flag.Int("seed").pipe(Flag.withDescription("seed of the generated catalogue and ids"), Flag.withDefault(1)),
  catalogue: Flag.Literals("catalogue", ["full", "fixtures"]).pipe(
    Flag.withDescription("about 3,000 packages, or the three fixture packages"),
    Flag.withDefault("full")
  ),
  allocationDelay: Flag.Int("allocation-delay").pipe(
    Flag.withDescription("seconds from an order to its profiles, >= 0"),
    Flag.withDefault(5)
  ),
  duplicates: Flag.Literals("duplicate-transaction-id", ["replay", "error"]).pipe(
    Flag.withDescription("a repeated transactionId replays the order, or answers 310402"),
    Flag.withDefault("replay")
  ),
  rateLimit: Flag.Int("rate-limit").pipe(
    Flag.withDescription("requests per second before HTTP 429 (0: no limit)"),
    Flag.withDefault(8)
  ),
  webhook: Flag.String("webhook").pipe(Flag.withDescription("webhook URL to send events to"), Flag.optional)
}

type ServerFlags = Command.Command.Config.Infer<typeof serverFlags>

const run = (
  flags: ServerFlags,
  credentials: { readonly accessCode: string | undefined; readonly secretKey: string | undefined }
) =>
  Effect.gen(function*() {
    // out-of-range numbers are one-line usage errors, before anything starts: Node's `listen` throws on a bad port
    // (a defect and a stack trace otherwise), and a negative balance, delay or rate limit means nothing
    yield* checkAll([
      checkInt("port", flags.port, 0, 65_535),
      checkInt("balance", flags.balance, 0),
      checkInt("allocation-delay", flags.allocationDelay, 0),
      checkInt("rate-limit", flags.rateLimit, 0)
    ])
    // loaded here, not at the top: every other command of the tool starts faster without the server modules
    const { layer, SimulatorServer } = yield* Effect.promise(() => import("../SimulatorServer.ts"))
    const { defaultAccessCode } = yield* Effect.promise(() => import("../../Simulator.ts"))
    const accessCode = credentials.accessCode ?? defaultAccessCode
    // the default code is public; a code of the user's own (flag or ESIM_ACCESS_CODE) is never printed
    const shown = accessCode === defaultAccessCode
    return yield* Effect.gen(function*() {
      const server = yield* SimulatorServer
      yield* Console.log(`eSIM Access simulator listening on ${server.url}`)
      yield* Console.log(`  base URL:    ${server.url}`)
      yield* Console.log(`  access code: ${shown ? accessCode : "the one you gave (not shown)"}`)
      yield* Console.log(
        `  try: curl -X POST ${server.url}/api/v1/open/balance/query -H "RT-AccessCode: ${
          shown ? accessCode : "<your access code>"
        }"`
      )
      return yield* Effect.never
    }).pipe(
      Effect.provide(layer({
        port: flags.port,
        host: flags.host,
        accessCode,
        secretKey: credentials.secretKey,
        signature: flags.strict ? "strict" : "off",
        balance: flags.balance,
        seed: flags.seed,
        catalogue: flags.catalogue,
        allocationDelay: `${flags.allocationDelay} seconds`,
        duplicateTransactionId: flags.duplicates,
        rateLimit: flags.rateLimit === 0 ? false : { limit: flags.rateLimit },
        webhook: { url: Option.getOrUndefined(flags.webhook) }
      })),
      // e.g. the port is taken: one line, not a stack trace
      Effect.catchTag("ServeError", (error) =>
        Effect.fail(
          new CliError.UserError({
            cause: error,
            userMessage: `cannot listen on ${flags.host}:${flags.port}: ${
              error.cause instanceof Error ? error.cause.message : String(error.cause)
            }`
          })
        ))
    )
  })

const description = "A stateful eSIM Access simulator (HTTP)"

/** The standalone command, with its own --access-code and --secret-key. */
export const simulatorCommand = <const Name extends string>(name: Name) =>
  Command.make(name, {
    ...serverFlags,
    accessCode: Flag.String("access-code").pipe(
      Flag.withDescription("the RT-AccessCode requests must carry (default: sim-access-code)"),
      Flag.optional
    ),
    secretKey: Flag.String("secret-key").pipe(
      Flag.withDescription("signing key of strict signature mode"),
      Flag.optional
    )
  }, (flags) =>
    run(flags, {
      accessCode: Option.getOrUndefined(flags.accessCode),
      secretKey: Option.getOrUndefined(flags.secretKey)
    })).pipe(
      Command.withDescription(description)
    )

/**
 * The command as a subcommand of a parent that owns --access-code and --secret-key: the simulator accepts the
 * parent's access code (the default one when none is given).
 */
export const nestedSimulatorCommand = <const Name extends string, R>(
  name: Name,
  credentials: Effect.Effect<
    { readonly accessCode: string | undefined; readonly secretKey: string | undefined },
    never,
    R
  >
) =>
  Command.make(
    name,
    serverFlags,
    (flags) =>
      Effect.flatMap(
        credentials,
        (c) => run(flags, c)
      )
  ).pipe(
    Command.withDescription(description)
  )
