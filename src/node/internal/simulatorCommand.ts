/**
 * The simulator server as an `effect/cli` command, shared by `effect-esim-access-simulator` and the
 * `effect-esim-access simulator` subcommand.
 *
 * @internal
 */
import { Console, Effect, Option } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { check, checkAll, checkInt, isHttpUrl, userError } from "./errors.ts"
import { hint } from "./invocation.ts"

// effect/cli's help shows no defaults: each description says its own
const serverFlags = {
  port: Flag.Int("port").pipe(
    Flag.withDescription("port to listen on, 0 to 65535, 0 for any free port (default: 4010)"),
    Flag.withDefault(4010)
  ),
  host: Flag.String("host").pipe(
    Flag.withDescription("address to bind (default: 127.0.0.1)"),
    Flag.withDefault("127.0.0.1")
  ),
  strict: Flag.Boolean("strict").pipe(
    // never takes the next word as its value (see cli.ts)
    Flag.withOptionalValue("true"),
    Flag.withDescription(
      "require a valid RT-Signature on every request, signed with --secret-key or else the access code (default: off)"
    ),
    Flag.withDefault(false)
  ),
  balance: Flag.Int("balance").pipe(
    Flag.withDescription("starting balance in API units (USD x 10,000), >= 0 (default: 10000000, $1,000.00)"),
    Flag.withDefault(10_000_000)
  ),
  seed: Flag.Int("seed").pipe(
    Flag.withDescription("seed of the generated catalogue and ids (default: 1)"),
    Flag.withDefault(1)
  ),
  catalogue: Flag.Literals("catalogue", ["full", "fixtures"]).pipe(
    Flag.withDescription("about 3,000 packages, or the three fixture packages (default: full)"),
    Flag.withDefault("full")
  ),
  allocationDelay: Flag.Int("allocation-delay").pipe(
    Flag.withDescription("seconds from an order to its profiles, >= 0 (default: 5)"),
    Flag.withDefault(5)
  ),
  duplicates: Flag.Literals("duplicate-transaction-id", ["replay", "error"]).pipe(
    Flag.withDescription("a repeated transactionId replays the order, or answers 310402 (default: replay)"),
    Flag.withDefault("replay")
  ),
  rateLimit: Flag.Int("rate-limit").pipe(
    Flag.withDescription("requests per second before HTTP 429, 0 for no limit (default: 8)"),
    Flag.withDefault(8)
  ),
  webhook: Flag.String("webhook").pipe(
    Flag.withDescription("http(s) URL to send webhook events to (default: none)"),
    Flag.optional
  )
}

type ServerFlags = Command.Command.Config.Infer<typeof serverFlags>

interface Credentials {
  readonly accessCode: string | undefined
  readonly secretKey: string | undefined
}

/** The banner's lines about signing and the request to try, for the mode the server runs in. */
const howToCall = (
  url: string,
  strict: boolean,
  access: { readonly code: string; readonly shown: boolean },
  secretKey: string | undefined
): ReadonlyArray<string> => {
  const code = access.shown ? access.code : "<your access code>"
  if (!strict) {
    return [`  try: curl -X POST ${url}/api/v1/open/balance/query -H "RT-AccessCode: ${code}"`]
  }
  // a signature needs a fresh timestamp and an HMAC (reference §1.3): a curl line cannot carry one, the tool can.
  // Without --secret-key the simulator checks signatures made with the access code (as the API does).
  const key = secretKey !== undefined ? "<your secret key>" : code
  return [
    secretKey !== undefined ?
      "  signing key: the one you gave (not shown)" :
      `  signing key: ${
        access.shown ? access.code : "your access code (not shown)"
      } (strict mode without --secret-key: requests are signed with the access code)`,
    `  try: ${hint(`balance --base-url ${url} --access-code ${code} --secret-key ${key}`)}`
  ]
}

const run = (flags: ServerFlags, credentials: Credentials) =>
  Effect.gen(function*() {
    // out-of-range numbers are one-line usage errors, before anything starts: Node's `listen` throws on a bad port
    // (a defect and a stack trace otherwise), and a negative balance, delay or rate limit means nothing
    yield* checkAll([
      checkInt("port", flags.port, 0, 65_535),
      checkInt("balance", flags.balance, 0),
      checkInt("allocation-delay", flags.allocationDelay, 0),
      checkInt("rate-limit", flags.rateLimit, 0),
      ...Option.toArray(Option.map(flags.webhook, (url) =>
        check(isHttpUrl(url), `--webhook must be an http(s) URL, got ${JSON.stringify(url)}`)))
    ])
    // loaded here, not at the top: every other command of the tool starts faster without the server modules
    const { layer, SimulatorServer } = yield* Effect.promise(() =>
      import("../SimulatorServer.ts")
    )
    const { defaultAccessCode } = yield* Effect.promise(() => import("../../Simulator.ts"))
    const accessCode = credentials.accessCode ?? defaultAccessCode
    // the default code is public; a code of the user's own (flag or ESIM_ACCESS_CODE) is never printed
    const shown = accessCode === defaultAccessCode
    return yield* Effect.gen(function*() {
      const server = yield* SimulatorServer
      yield* Console.log(
        [
          `eSIM Access simulator listening on ${server.url}`,
          `  base URL:    ${server.url}`,
          `  access code: ${shown ? accessCode : "the one you gave (not shown)"}`,
          ...howToCall(server.url, flags.strict, { code: accessCode, shown }, credentials.secretKey)
        ].join("\n")
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
      Flag.withDescription("signing key of strict signature mode (default: the access code)"),
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
 * How the parent's --access-code and --secret-key read in the nested command's help (its other flags are hidden
 * there, see cli.ts).
 */
export const nestedCredentialDescriptions: Readonly<Record<string, string>> = {
  "access-code": "the RT-AccessCode requests must carry (default: $ESIM_ACCESS_CODE, else sim-access-code)",
  "secret-key": "signing key of --strict mode (default: $ESIM_ACCESS_SECRET_KEY, else the access code)"
}

/**
 * The command as a subcommand of a parent that owns --access-code and --secret-key: the simulator accepts the
 * parent's access code (the default one when none is given). `unused` names the parent's flags given on the command
 * line that mean nothing to a server (such as --json): each is a one-line usage error.
 */
export const nestedSimulatorCommand = <const Name extends string, R>(
  name: Name,
  parent: Effect.Effect<Credentials & { readonly unused: ReadonlyArray<string> }, never, R>
) =>
  Command.make(
    name,
    serverFlags,
    (flags) =>
      Effect.flatMap(parent, (c) =>
        c.unused.length > 0 ?
          Effect.fail(
            userError(`${c.unused.join(", ")} ${c.unused.length === 1 ? "does" : "do"} not apply to ${name}`)
          ) :
          run(flags, c))
  ).pipe(
    Command.withDescription(description)
  )
