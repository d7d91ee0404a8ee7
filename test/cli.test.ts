/**
 * The `effect-esim-access` command-line tool as users run it: `node src/node/cli.ts …` in a subprocess, against
 * simulator servers that this test process starts on 127.0.0.1 (port 0) and owns. Every run's stdout and stderr
 * are checked for the access code and the secret key, which must never appear.
 *
 * Subprocesses cost about half a second of CPU each, so independent runs go concurrently (bounded by
 * `maxProcesses`) and nothing sleeps: every wait is on a process exit or on a line of output.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { EsimAccessConfig, Orders, Simulator } from "effect-esim-access"
import { layer as serverLayer, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
import { FetchHttpClient } from "effect/http"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const cliPath = fileURLToPath(new URL("../src/node/cli.ts", import.meta.url))
const simulatorCliPath = fileURLToPath(new URL("../src/node/simulator-cli.ts", import.meta.url))
const cwd = fileURLToPath(new URL("..", import.meta.url))

/** Distinctive credentials: any appearance in any output is a leak. */
const accessCode = "cli-test-AC-7Qz9XfK2pL"
const secretKey = "cli-test-SK-Vb81RmW4tN"

const GiB = 1_073_741_824

// ---------------------------------------------------------------------------------------------------------------
// subprocesses

interface Result {
  readonly args: ReadonlyArray<string>
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

/** every run, for the final leak check and the timing summary */
const runs: Array<Result> = []

const leaks = (text: string) => [accessCode, secretKey].filter((secret) => text.includes(secret))

/** Asserts the credentials appear in neither stream. */
const expectNoSecrets = (result: Result) => {
  expect(leaks(result.stdout), `stdout of ${result.args.join(" ")}`).toEqual([])
  expect(leaks(result.stderr), `stderr of ${result.args.join(" ")}`).toEqual([])
}

/**
 * The child's environment: the test's own minus every ESIM_* variable and the npm script variables (the CLI's hints
 * read them: `npx vitest` would otherwise look like `npx effect-esim-access`), then `env` (undefined removes).
 */
const childEnv = (env: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !key.startsWith("ESIM_") && !/^npm_(lifecycle_|package_json$|config_user_agent$)/.test(key) && value !== undefined
    ) {
      base[key] = value
    }
  }
  base["NO_COLOR"] = "1"
  base["NODE_COMPILE_CACHE"] = compileCache
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete base[key]
    else base[key] = value
  }
  return base
}

/** util-linux `script`, to run the CLI on a pseudo-terminal */
const hasScript = process.platform === "linux" && spawnSync("script", ["--version"]).status === 0

/** a cache of compiled modules shared by the children: later startups skip most of the compiling */
const compileCache = mkdtempSync(join(tmpdir(), "esim-cli-test-"))

// at most this many children at once: enough to keep every core busy while others wait on I/O, few enough not to
// thrash a two-core machine
const maxProcesses = Math.min(8, Math.max(4, availableParallelism() * 3))
let active = 0
const queue: Array<() => void> = []
const acquire = () =>
  new Promise<void>((resolve) => {
    if (active < maxProcesses) {
      active++
      resolve()
    } else queue.push(resolve)
  })
const release = () => {
  const next = queue.shift()
  if (next) next()
  else active--
}

const launch = (
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>,
  script: string = cliPath
): ChildProcess =>
  spawn(process.execPath, ["--no-warnings", script, ...args], {
    cwd,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Runs the CLI (or another script) to completion and checks it leaked no credential. */
const cli = async (
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
  script: string = cliPath
): Promise<Result> => {
  await acquire()
  const start = Date.now()
  try {
    const result = await new Promise<Result>((resolve, reject) => {
      const child = launch(args, env, script)
      let stdout = ""
      let stderr = ""
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code, signal) => resolve({ args, code, signal, stdout, stderr, millis: Date.now() - start }))
    })
    runs.push(result)
    expectNoSecrets(result)
    return result
  } finally {
    release()
  }
}

/** Runs `effect-esim-access-simulator` (src/node/simulator-cli.ts) to completion. */
const standalone = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) =>
  cli(args, env, simulatorCliPath)

/**
 * Runs the CLI until `ready` matches its stderr (or, a promise, resolves), then sends it SIGINT (Ctrl-C) and waits
 * for the exit. A run that exits first is returned as it is (`interrupted: false`); one that never gets there is
 * killed after a while.
 */
const interruptWhen = async (
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>,
  ready: RegExp | Promise<unknown>
): Promise<Result & { readonly interrupted: boolean }> => {
  await acquire()
  const start = Date.now()
  try {
    const result = await new Promise<Result & { readonly interrupted: boolean }>((resolve, reject) => {
      const child = launch(args, env)
      let stdout = ""
      let stderr = ""
      let interrupted = false
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000)
      const interrupt = () => {
        if (interrupted || child.exitCode !== null) return
        interrupted = true
        child.kill("SIGINT")
      }
      if (!(ready instanceof RegExp)) void ready.then(interrupt)
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk
        if (ready instanceof RegExp && ready.test(stderr)) interrupt()
      })
      child.on("error", reject)
      child.on("close", (code, signal) => {
        clearTimeout(killer)
        resolve({ args, code, signal, stdout, stderr, millis: Date.now() - start, interrupted })
      })
    })
    runs.push(result)
    expectNoSecrets(result)
    return result
  } finally {
    release()
  }
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers (nor closes them); `connected` resolves at
 * the first connection, i.e. once a request is on its way.
 */
const makeSilentServer = async () => {
  const sockets = new Set<Socket>()
  let connected!: () => void
  const first = new Promise<void>((resolve) => (connected = resolve))
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on("error", () => undefined)
    socket.on("close", () => sockets.delete(socket))
    connected()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connected: first,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** The non-empty lines of a stream. */
const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "")

/** Exit 0, nothing alarming on stderr; answers stdout. */
const ok = (result: Result): string => {
  expect(result.code, `${result.args.join(" ")}\n${result.stderr}`).toBe(0)
  return result.stdout
}

/** Exit 0 with JSON on stdout; answers it parsed. */
const okJson = (result: Result): unknown => JSON.parse(ok(result))

/**
 * Exit 1 with exactly one line on stderr besides progress lines matching `progress`, nothing on stdout; answers
 * the line.
 */
const oneLineError = (result: Result, progress?: RegExp): string => {
  expect(result.code, `${result.args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(1)
  expect(result.stdout).toBe("")
  const errorLines = lines(result.stderr).filter((line) => progress === undefined || !progress.test(line))
  expect(errorLines, result.stderr).toHaveLength(1)
  expect(errorLines[0]).toMatch(/^error: /)
  return errorLines[0]!
}

// ---------------------------------------------------------------------------------------------------------------
// servers

/** the main account: strict signatures (so ESIM_ACCESS_SECRET_KEY is exercised), fixture catalogue, $1,000 */
const main = ManagedRuntime.make(serverLayer({
  port: 0,
  catalogue: "fixtures",
  allocationDelay: "1 second",
  rateLimit: false,
  accessCode,
  secretKey,
  signature: "strict"
}))

/** an account with $1.00, too little for any fixture plan but the day pass */
const poor = ManagedRuntime.make(serverLayer({
  port: 0,
  catalogue: "fixtures",
  rateLimit: false,
  balance: 10_000,
  accessCode
}))

/** an account whose orders are never allocated while the tests run: `profiles --order` answers 200010 */
const slow = ManagedRuntime.make(serverLayer({
  port: 0,
  catalogue: "fixtures",
  rateLimit: false,
  allocationDelay: "1 hour",
  accessCode
}))

let mainUrl = ""
let poorUrl = ""
let slowUrl = ""

/** A TCP server on 127.0.0.1 that accepts connections and never answers (nor closes them). */
let silent: Awaited<ReturnType<typeof makeSilentServer>>
let silentUrl = ""

/** The environment of a run against the main account. */
const mainEnv = (): Record<string, string> => ({
  ESIM_ACCESS_CODE: accessCode,
  ESIM_ACCESS_SECRET_KEY: secretKey,
  ESIM_ACCESS_BASE_URL: mainUrl
})

/**
 * A plain HTTP server: `/hook` answers 200 (a webhook URL passing CHECK_HEALTH), anything else answers 502 with
 * the request headers in the body, as a misconfigured proxy might.
 */
let helper: Server
let helperUrl = ""

/** Profiles ordered for the tests in the test process (through the library), ready when this resolves. */
interface Fixtures {
  /** 12 CKH002 (Spain) profiles; the first one installed and 512 MB used */
  readonly spain: ReadonlyArray<{ readonly esimTranNo: string; readonly iccid: string }>
  readonly spainOrderNo: string
  /** 5 CKH491 (North America, SMS) profiles; 0, 1 and 3 installed */
  readonly america: ReadonlyArray<{ readonly esimTranNo: string; readonly iccid: string }>
}
let fixtures: Promise<Fixtures>

const pick = (p: { readonly esimTranNo: string; readonly iccid: string }) => ({
  esimTranNo: p.esimTranNo,
  iccid: p.iccid
})

const setup = Effect.gen(function*() {
  const simulator = yield* Simulator.Simulator
  const order = (transactionId: string, packageCode: string, count: number) =>
    Orders.createAndAwaitProfiles({ transactionId, packageInfoList: [{ packageCode, count }] }, {
      interval: "200 millis"
    })
  const [spain, america] = yield* Effect.all([order("setup-spain", "CKH002", 12), order("setup-na", "CKH491", 5)], {
    concurrency: "unbounded"
  }).pipe(
    Effect.provide(Layer.mergeAll(
      EsimAccessConfig.layer({ accessCode, secretKey, baseUrl: mainUrl, rateLimit: false, retry: false }),
      FetchHttpClient.layer
    ))
  )
  const first = spain.profiles[0]!
  yield* simulator.install({ esimTranNo: first.esimTranNo })
  yield* simulator.consume({ esimTranNo: first.esimTranNo }, 512 * 1_048_576)
  // 0 and 1 for suspend and SMS, 3 for revoke (only an active profile can be revoked, reference §2.7)
  for (const p of [...america.profiles.slice(0, 2), america.profiles[3]!]) {
    yield* simulator.install({ esimTranNo: p.esimTranNo })
  }
  return {
    spain: spain.profiles.map(pick),
    spainOrderNo: spain.order.orderNo,
    america: america.profiles.map(pick)
  } satisfies Fixtures
})

const profileOf = (esimTranNo: string) =>
  main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.profile({ esimTranNo })))

beforeAll(async () => {
  ;[mainUrl, poorUrl, slowUrl] = await Promise.all([
    main.runPromise(Effect.map(SimulatorServer, (s) => s.url)),
    poor.runPromise(Effect.map(SimulatorServer, (s) => s.url)),
    slow.runPromise(Effect.map(SimulatorServer, (s) => s.url))
  ])
  silent = await makeSilentServer()
  silentUrl = silent.url
  helper = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      if (request.url === "/hook") response.writeHead(200).end("ok")
      else response.writeHead(502, { "content-type": "text/plain" }).end(JSON.stringify(request.headers))
    })
  })
  await new Promise<void>((resolve) => helper.listen(0, "127.0.0.1", resolve))
  helperUrl = `http://127.0.0.1:${(helper.address() as AddressInfo).port}`
  // not awaited here: the tests that need no profiles start at once
  fixtures = main.runPromise(setup)
  fixtures.catch(() => undefined)
})

afterAll(async () => {
  helper.closeAllConnections()
  await Promise.all([
    main.dispose(),
    poor.dispose(),
    slow.dispose(),
    new Promise((resolve) => helper.close(resolve)),
    silent.close()
  ])
  rmSync(compileCache, { recursive: true, force: true })
  // the per-run checks already ran; this one makes the scope of the guarantee visible
  for (const run of runs) expectNoSecrets(run)
  if (runs.length === 0) return
  const total = runs.reduce((n, r) => n + r.millis, 0)
  const slowest = runs.reduce((a, b) => (b.millis > a.millis ? b : a))
  console.log(
    `cli.test: ${runs.length} runs, mean ${Math.round(total / runs.length)} ms, slowest ${slowest.millis} ms (${
      slowest.args.join(" ")
    })`
  )
})

// ---------------------------------------------------------------------------------------------------------------

// runs queue for a free slot (maxProcesses), and that wait counts towards a test's time
describe.concurrent("effect-esim-access CLI", { timeout: 90_000 }, () => {
  it("balance: a table line and --json, credentials from flags or env", async () => {
    const [human, json] = await Promise.all([
      cli(["balance"], { ESIM_ACCESS_CODE: accessCode, ESIM_ACCESS_BASE_URL: poorUrl }),
      // flags instead of the environment, the secret key too: the main server rejects unsigned requests
      cli(["balance", "--json", "--access-code", accessCode, "--secret-key", secretKey, "--base-url", mainUrl])
    ])
    expect(ok(human)).toBe("Balance: $1.00\n")
    expect(human.stderr).toBe("")
    // other tests spend on the main account meanwhile
    expect(okJson(json)).toEqual({ balance: expect.any(Number) })
  })

  it("packages: the table, filters, --json, and progress on stderr while the catalogue downloads", async () => {
    const [all, json] = await Promise.all([
      cli(["packages"], mainEnv()),
      cli(["packages", "--location", "ES", "--data-type", "1", "--json"], mainEnv())
    ])
    const table = ok(all)
    expect(lines(table)[0]).toMatch(/^packageCode\s+slug\s+name\s+price\s+data\s+days\s+location$/)
    expect(table).toMatch(/CKH002\s+ES_3_30\s+Spain 3GB 30Days\s+\$1\.80\s+3 GB\s+30\s+ES/)
    expect(table).toMatch(/CKH491\s+NA-3_1_7\s+North America 1GB 7Days\s+\$5\.70\s+1 GB\s+7\s+NA-3/)
    expect(table).toMatch(/PJCB7UMFE\s+GE_500M_1\s+Georgia 500MB\/Day\s+\$0\.90\s+500 MB\s+1\s+GE/)
    expect(table).toContain("3 packages")
    expect(all.stderr).toContain("Downloading the catalogue")
    const parsed = okJson(json) as ReadonlyArray<Record<string, unknown>>
    expect(parsed).toHaveLength(1)
    expect(parsed[0]).toMatchObject({ packageCode: "CKH002", slug: "ES_3_30", price: 18000, volume: 3 * GiB })
    // progress goes to stderr only: stdout stays parseable
    expect(json.stderr).toContain("Downloading the catalogue")
  })

  it("packages --type TOPUP: the top-ups of a plan and of an eSIM", async () => {
    const { america } = await fixtures
    const [byPackage, byIccid] = await Promise.all([
      cli(["packages", "--type", "TOPUP", "--package", "CKH491"], mainEnv()),
      cli(["packages", "--type", "TOPUP", "--iccid", america[4]!.iccid, "--json"], mainEnv())
    ])
    expect(ok(byPackage)).toMatch(/TOPUP_CKH491\s+NA-3_1_7/)
    const parsed = okJson(byIccid) as ReadonlyArray<{ readonly packageCode: string }>
    expect(parsed.map((p) => p.packageCode)).toContain("TOPUP_CKH491")
  })

  it("locations: countries and regions, --json", async () => {
    const [human, json] = await Promise.all([cli(["locations"], mainEnv()), cli(["locations", "--json"], mainEnv())])
    const table = ok(human)
    expect(table).toMatch(/ES\s+Spain\s+country/)
    expect(table).toMatch(/NA-3\s+North America\s+region\s+US,CA,MX/)
    expect(table).toContain("3 locations")
    const parsed = okJson(json) as ReadonlyArray<{ readonly code: string; readonly subLocationList: unknown }>
    expect(parsed.find((l) => l.code === "NA-3")).toMatchObject({
      name: "North America",
      type: 2,
      subLocationList: expect.arrayContaining([{ code: "US", name: "United States" }])
    })
  })

  it("order: places an order, --json, and the same --transaction-id never buys twice", async () => {
    const first = await cli(["order", "--package", "CKH002", "--transaction-id", "cli-order-1"], mainEnv())
    const orderNo = /^Ordered (\S+) \(transactionId cli-order-1\)/.exec(ok(first))?.[1]
    expect(orderNo).toBeDefined()
    expect(first.stdout).toContain(`profiles --order ${orderNo}`)
    const again = okJson(
      await cli(["order", "--package", "CKH002", "--transaction-id", "cli-order-1", "--json"], mainEnv())
    )
    expect(again).toEqual({ orderNo, transactionId: "cli-order-1" })
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.orders.filter((o) => o.transactionId === "cli-order-1")).toHaveLength(1)
  })

  it("order --wait: prints activation codes and QR URLs, with progress on stderr; --json too", async () => {
    const [human, json] = await Promise.all([
      cli(["order", "--package", "ES_3_30", "--count", "2", "--transaction-id", "cli-wait-1", "--wait"], mainEnv()),
      cli(["order", "--package", "CKH002", "--transaction-id", "cli-wait-2", "--wait", "--json"], mainEnv())
    ])
    const text = ok(human)
    expect(text).toMatch(/^Order \S+ \(transactionId cli-wait-1\): 2 profiles/)
    expect(text.match(/activation code: LPA:1\$[^$\s]+\$[0-9A-F]+/g)).toHaveLength(2)
    expect(text.match(/QR code: +https:\/\/\S+\.png/g)).toHaveLength(2)
    expect(human.stderr).toMatch(/Ordering 2 profiles and waiting for allocation/)
    const parsed = okJson(json) as {
      readonly order: { readonly orderNo: string; readonly transactionId: string }
      readonly profiles: ReadonlyArray<{ readonly ac: string; readonly qrCodeUrl: string; readonly iccid: string }>
    }
    expect(parsed.order.transactionId).toBe("cli-wait-2")
    expect(parsed.profiles).toHaveLength(1)
    expect(parsed.profiles[0]!.ac).toMatch(/^LPA:1\$/)
    expect(parsed.profiles[0]!.qrCodeUrl).toMatch(/^https:\/\//)
    expect(json.stderr).toContain("waiting for allocation")
  })

  it("order --wait --timeout: AllocationTimeout names the order, which stays placed", async () => {
    // the first check comes after 3 seconds, so a 1-second deadline always passes first
    const result = await cli(
      ["order", "--package", "CKH002", "--transaction-id", "cli-timeout", "--wait", "--timeout", "1"],
      mainEnv()
    )
    expect(result.stderr).toContain("waiting for allocation")
    const line = oneLineError(result, /waiting for allocation/)
    const orderNo = /^error: AllocationTimeout: order (\S+) \(transactionId cli-timeout\):/.exec(line)?.[1]
    expect(orderNo).toBeDefined()
    // how to look it up later, as the tool was run
    expect(line).toMatch(new RegExp(`query it later: node src/node/cli\\.ts profiles --order ${orderNo}$`))
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.orders.map((o) => o.orderNo)).toContain(orderNo)
  })

  it("profiles: by order (every page), by esimTranNo, by ICCID, --json", async () => {
    const { spain, spainOrderNo } = await fixtures
    const [byOrder, byTranNo, byIccid] = await Promise.all([
      cli(["profiles", "--order", spainOrderNo], mainEnv()),
      cli(["profiles", "--esim-tran-no", spain[1]!.esimTranNo], mainEnv()),
      cli(["profiles", "--iccid", spain[2]!.iccid, "--json"], mainEnv())
    ])
    const table = ok(byOrder)
    expect(lines(table)[0]).toMatch(/^esimTranNo\s+iccid\s+status\s+smdp\s+used\s+total\s+expires\s+activation code$/)
    for (const p of spain) expect(table).toContain(p.esimTranNo)
    expect(table).toContain("12 profiles")
    // dates as dates, not DateTime.toString()
    expect(table).toMatch(/GOT_RESOURCE\s+RELEASED\s+0 B\s+3 GB\s+\d{4}-\d{2}-\d{2}\s+LPA:1\$/)
    expect(table).toMatch(/IN_USE\s+ENABLED\s+512 MB\s+3 GB/)
    expect(table).not.toContain("DateTime")
    expect(ok(byTranNo)).toContain(spain[1]!.iccid)
    expect(byTranNo.stdout).toContain("1 profile\n")
    const parsed = okJson(byIccid) as ReadonlyArray<{ readonly esimTranNo: string; readonly expiredTime: string }>
    expect(parsed.map((p) => p.esimTranNo)).toEqual([spain[2]!.esimTranNo])
    expect(parsed[0]!.expiredTime).toMatch(/^\d{4}-\d{2}-\d{2}T/)
  })

  it("topup: adds data and days, --json", async () => {
    const { america } = await fixtures
    const human = await cli(
      ["topup", "--esim-tran-no", america[4]!.esimTranNo, "--package", "TOPUP_CKH491", "--transaction-id", "cli-tu-1"],
      mainEnv()
    )
    expect(ok(human)).toMatch(
      new RegExp(`^Topped up ${america[4]!.iccid}: now 2 GB, 14 days, expires \\d{4}-\\d{2}-\\d{2}\\n$`)
    )
    const json = okJson(
      await cli(
        ["topup", "--iccid", america[4]!.iccid, "--package", "TOPUP_CKH491", "--transaction-id", "cli-tu-2", "--json"],
        mainEnv()
      )
    )
    expect(json).toMatchObject({ iccid: america[4]!.iccid, totalVolume: 3 * GiB, totalDuration: 21 })
  })

  it("usage: more than 10 ids are batched, in input order; unknown ids are named on stderr; --json", async () => {
    const { spain } = await fixtures
    const ids = spain.map((p) => p.esimTranNo).reverse()
    const [human, json] = await Promise.all([
      cli(["usage", ...ids, "99999999999999"], mainEnv()),
      cli(["usage", "--json", ...ids], mainEnv())
    ])
    const table = lines(ok(human))
    expect(table[0]).toMatch(/^esimTranNo\s+used\s+total\s+remaining\s+updated\s+age$/)
    expect(table.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(ids)
    expect(human.stdout).toMatch(new RegExp(`${spain[0]!.esimTranNo}\\s+512 MB\\s+3 GB\\s+2.5 GB\\s+\\d{4}-`))
    expect(human.stderr).toContain("no usage reported for: 99999999999999")
    const parsed = okJson(json) as ReadonlyArray<Record<string, unknown>>
    expect(parsed.map((r) => r["esimTranNo"])).toEqual(ids)
    expect(parsed.at(-1)).toMatchObject({ dataUsage: 512 * 1_048_576, totalData: 3 * GiB })
    expect(typeof parsed[0]!["stalenessSeconds"]).toBe("number")
  })

  it("suspend and unsuspend (by esimTranNo, then by ICCID), --json", async () => {
    const { america } = await fixtures
    const target = america[0]!
    expect(ok(await cli(["suspend", "--esim-tran-no", target.esimTranNo], mainEnv()))).toBe(
      `suspend: done for ${target.esimTranNo}\n`
    )
    expect((await profileOf(target.esimTranNo)).esimStatus).toBe("SUSPENDED")
    expect(okJson(await cli(["unsuspend", "--iccid", target.iccid, "--json"], mainEnv()))).toEqual({
      ok: true,
      iccid: target.iccid
    })
    expect((await profileOf(target.esimTranNo)).esimStatus).toBe("IN_USE")
  })

  it("cancel and revoke", async () => {
    const { america } = await fixtures
    const [cancelled, revoked] = await Promise.all([
      cli(["cancel", "--esim-tran-no", america[2]!.esimTranNo, "--json"], mainEnv()),
      cli(["revoke", "--esim-tran-no", america[3]!.esimTranNo], mainEnv())
    ])
    expect(okJson(cancelled)).toEqual({ ok: true, esimTranNo: america[2]!.esimTranNo })
    expect(ok(revoked)).toContain("revoke: done")
    expect((await profileOf(america[2]!.esimTranNo)).esimStatus).toBe("CANCEL")
    expect((await profileOf(america[3]!.esimTranNo)).esimStatus).toBe("REVOKED")
  })

  it("sms: sends to an installed profile", async () => {
    const { america } = await fixtures
    const target = america[1]!
    expect(ok(await cli(["sms", "--esim-tran-no", target.esimTranNo, "--message", "Welcome aboard"], mainEnv())))
      .toBe("SMS sent\n")
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.sms).toContainEqual(
      expect.objectContaining({ esimTranNo: target.esimTranNo, message: "Welcome aboard" })
    )
  })

  it("webhook set, then get (table and --json)", async () => {
    // the poor account: no other test sends it events
    const env = { ESIM_ACCESS_CODE: accessCode, ESIM_ACCESS_BASE_URL: poorUrl }
    expect(okJson(await cli(["webhook", "get", "--json"], env))).toEqual({ webhook: null })
    expect(ok(await cli(["webhook", "set", `${helperUrl}/hook`], env))).toBe(`Webhook set to ${helperUrl}/hook\n`)
    expect(ok(await cli(["webhook", "get"], env))).toBe(`${helperUrl}/hook\n`)
  })

  it("simulator: serves, adopts ESIM_ACCESS_CODE without printing it, and stops cleanly on SIGINT", async () => {
    const { banner, exit, stderr, stopMillis } = await serveAndCheck({ ESIM_ACCESS_CODE: accessCode })
    expect(banner).toContain("access code: the one you gave")
    expect(banner).toContain("RT-AccessCode: <your access code>")
    // a clean stop: 0, or the conventional 130 (128 + SIGINT), or killed by the signal itself; not a crash
    expect(exit.code === 0 || exit.code === 130 || exit.signal === "SIGINT", JSON.stringify(exit)).toBe(true)
    expect(stderr, "nothing on stderr: no stack trace").toBe("")
    // soon after the signal (typically ~50 ms), not after some timeout
    expect(stopMillis).toBeLessThan(sigintDeadline)
  })

  // -------------------------------------------------------------------------------------------------------------
  // numeric flags out of range: one line on stderr, exit 1, before anything starts (no defect, no stack trace)

  const badNumbers: ReadonlyArray<readonly [tool: "cli" | "simulator", args: ReadonlyArray<string>, line: string]> = [
    ["cli", ["simulator", "--port", "65536"], "error: --port must be an integer from 0 to 65535, got 65536"],
    ["cli", ["simulator", "--port", "-1"], "error: --port must be an integer from 0 to 65535, got -1"],
    ["cli", ["simulator", "--balance", "-5"], "error: --balance must be an integer >= 0, got -5"],
    ["cli", ["simulator", "--allocation-delay", "-1"], "error: --allocation-delay must be an integer >= 0, got -1"],
    ["cli", ["simulator", "--rate-limit", "-2"], "error: --rate-limit must be an integer >= 0, got -2"],
    ["simulator", ["--port", "99999"], "error: --port must be an integer from 0 to 65535, got 99999"],
    [
      "cli",
      ["order", "--package", "CKH002", "--transaction-id", "cli-bad-count-0", "--count", "0"],
      "error: --count must be an integer from 1 to 30, got 0"
    ],
    [
      "cli",
      ["order", "--package", "CKH002", "--transaction-id", "cli-bad-count-31", "--count", "31"],
      "error: --count must be an integer from 1 to 30, got 31"
    ],
    [
      "cli",
      ["order", "--package", "PJCB7UMFE", "--transaction-id", "cli-bad-period-0", "--period", "0"],
      "error: --period must be an integer from 1 to 365, got 0"
    ],
    [
      "cli",
      ["order", "--package", "CKH002", "--transaction-id", "cli-bad-timeout-0", "--wait", "--timeout", "0"],
      "error: --timeout must be an integer >= 1, got 0"
    ],
    [
      "cli",
      [
        "topup",
        "--esim-tran-no",
        "1",
        "--package",
        "TOPUP_CKH002",
        "--transaction-id",
        "cli-bad-tp",
        "--period",
        "366"
      ],
      "error: --period must be an integer from 1 to 365, got 366"
    ]
  ]

  it("numeric flags out of range: one line, exit 1, no request and no order", async () => {
    const results = await Promise.all(
      badNumbers.map(([tool, args]) => (tool === "cli" ? cli(args, mainEnv()) : standalone(args)))
    )
    for (const [i, result] of results.entries()) {
      expect(oneLineError(result), result.args.join(" ")).toBe(badNumbers[i]![2])
      expect(result.stderr).not.toMatch(/\bat |RangeError|ERR_SOCKET_BAD_PORT/)
    }
    const after = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    // nothing was ordered: the checks run before any request
    expect(after.orders.filter((o) => o.transactionId.startsWith("cli-bad-"))).toEqual([])
  })

  it("the standalone simulator: a port that is taken is one line too", async () => {
    const taken = new URL(mainUrl).port
    const line = oneLineError(await standalone(["--port", taken, "--catalogue", "fixtures"]))
    expect(line).toMatch(new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${taken}: `))
  })

  it.skipIf(!hasScript)("on a terminal: a spinner on stderr, erased before the error line", async () => {
    // util-linux `script` gives the child a pseudo-terminal; stdout and stderr then share it
    const args = ["order", "--package", "CKH002", "--transaction-id", "cli-tty", "--wait", "--timeout", "1"]
    const command = [process.execPath, "--no-warnings", cliPath, ...args].map((a) => `'${a}'`).join(" ")
    await acquire()
    const start = Date.now()
    const result = await new Promise<Result>((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd,
        env: childEnv({ ...mainEnv(), TERM: "xterm" }),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      child.on("error", reject)
      child.on("close", (code, signal) => resolve({ args, code, signal, stdout, stderr, millis: Date.now() - start }))
    }).finally(release)
    runs.push(result)
    expectNoSecrets(result)
    expect(result.code).toBe(1)
    // each frame erases the line and redraws it: spinner, label, elapsed time
    const erase = "\r\u001b[2K"
    expect(result.stdout).toContain(`${erase}⠋ Ordering 1 profile and waiting for allocation… `)
    expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Ordering 1 profile and waiting for allocation… \d+\.\ds/)
    // erased before the error line
    expect(result.stdout).toContain(`${erase}error: AllocationTimeout: order `)
  })

  // -------------------------------------------------------------------------------------------------------------
  // typed errors: one line on stderr, exit 1

  it("an unknown package: NotFound with the API's code 310241", async () => {
    const line = oneLineError(
      await cli(["order", "--package", "NOPE", "--transaction-id", "cli-nope"], mainEnv())
    )
    expect(line).toContain("NotFound")
    expect(line).toContain("310241")
  })

  it("insufficient balance: InsufficientBalance with 200007", async () => {
    const line = oneLineError(
      await cli(["order", "--package", "CKH002", "--transaction-id", "cli-poor"], {
        ESIM_ACCESS_CODE: accessCode,
        ESIM_ACCESS_BASE_URL: poorUrl
      })
    )
    expect(line).toMatch(/InsufficientBalance \(200007\) on esim\/order/)
  })

  it("a wrong access code, an operation the profile's status forbids, a missing profile flag", async () => {
    const { spain } = await fixtures
    const [auth, notAllowed, noRef, noProfilesFlag] = await Promise.all([
      cli(["balance", "--access-code", "wrong-code"], { ESIM_ACCESS_BASE_URL: poorUrl }),
      // a New profile cannot be suspended
      cli(["suspend", "--esim-tran-no", spain[3]!.esimTranNo], mainEnv()),
      cli(["sms", "--message", "hi"], mainEnv()),
      cli(["profiles"], mainEnv())
    ])
    expect(oneLineError(auth)).toMatch(/Authentication \(401001\) on balance\/query/)
    expect(oneLineError(notAllowed)).toMatch(/OperationNotAllowed \(200002\) on esim\/suspend/)
    expect(oneLineError(noRef)).toBe("error: give --esim-tran-no or --iccid")
    expect(oneLineError(noProfilesFlag)).toBe("error: give --order, --esim-tran-no or --iccid")
  })

  it("no access code: one line, non-zero exit, no request", async () => {
    const none = await cli(["balance"], { ESIM_ACCESS_BASE_URL: mainUrl })
    expect(oneLineError(none)).toBe("error: no access code: set ESIM_ACCESS_CODE or pass --access-code")
  })

  it("a bad base URL: TransportError when nothing listens, a clear line when it is not a URL", async () => {
    const [refused, notUrl] = await Promise.all([
      cli(["balance", "--base-url", "http://127.0.0.1:1"], { ESIM_ACCESS_CODE: accessCode }),
      cli(["balance", "--base-url", "api.example"], { ESIM_ACCESS_CODE: accessCode })
    ])
    // retried (announced on stderr as each retry starts), and the last line says how many attempts were made
    expect(lines(refused.stderr).filter((l) => l.includes("retrying"))).toEqual(
      [2, 3, 4].map((n) =>
        expect.stringMatching(
          new RegExp(`^TransportError: balance/query: connection failed.*, retrying \\(attempt ${n} of 4\\)…$`)
        )
      )
    )
    expect(oneLineError(refused, /retrying \(attempt/)).toMatch(
      /^error: TransportError: balance\/query: connection failed.* \(4 attempts\)$/
    )
    expect(oneLineError(notUrl)).toBe(`error: invalid base URL "api.example": expected http(s)://host[:port]`)
  })

  it("an error body that echoes the request headers is printed with the credentials masked", async () => {
    const result = await cli(["balance", "--base-url", helperUrl, "--retries", "1"], {
      ESIM_ACCESS_CODE: accessCode,
      ESIM_ACCESS_SECRET_KEY: secretKey
    })
    // the retry notice carries the same text, masked too (expectNoSecrets checked every line)
    expect(result.stderr).toMatch(
      /^TransportError: balance\/query: HTTP 502 .*<redacted>.*, retrying \(attempt 2 of 2\)…$/m
    )
    const line = oneLineError(result, /retrying \(attempt/)
    expect(line).toMatch(/^error: TransportError: /)
    expect(line).toContain("<redacted>")
  })

  // -------------------------------------------------------------------------------------------------------------
  // a new user's report

  it("Ctrl-C during order --wait once the order is placed: its orderNo and how to look it up, exit 130", async () => {
    const result = await interruptWhen(
      ["order", "--package", "CKH002", "--transaction-id", "cli-sigint", "--wait"],
      mainEnv(),
      /^Order \S+ placed \(transactionId cli-sigint\), waiting for allocation$/m
    )
    expect(result.interrupted, result.stderr).toBe(true)
    expect(result.code, result.stderr).toBe(130)
    expect(result.stdout).toBe("")
    const orderNo = /^Order (\S+) placed/m.exec(result.stderr)?.[1]
    expect(lines(result.stderr).at(-1)).toBe(
      `interrupted: order ${orderNo} (transactionId cli-sigint) is placed and paid for; the order exists, query it ` +
        `later: node src/node/cli.ts profiles --order ${orderNo}`
    )
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.orders.filter((o) => o.transactionId === "cli-sigint").map((o) => o.orderNo)).toEqual([orderNo])
  })

  it("Ctrl-C before the API confirmed the order: it may be placed, re-run with the same id; exit 130", async () => {
    // interrupted while the order request is on its way (a server of its own sees it arrive), with and without --wait
    const results = await Promise.all([["--wait"], []].map(async (wait) => {
      const server = await makeSilentServer()
      try {
        return await interruptWhen(
          ["order", "--package", "CKH002", "--transaction-id", "cli-sigint-silent", ...wait, "--base-url", server.url],
          { ESIM_ACCESS_CODE: accessCode },
          server.connected
        )
      } finally {
        await server.close()
      }
    }))
    for (const result of results) {
      expect(result.interrupted).toBe(true)
      expect(result.code, result.stderr).toBe(130)
      expect(result.stdout).toBe("")
      expect(lines(result.stderr).at(-1)).toBe(
        "interrupted before the order was confirmed: it may have been placed; run the same command again " +
          "(same --transaction-id cli-sigint-silent): it never buys twice"
      )
    }
  })

  it("simulator --strict without --secret-key: prints the signing key, and a try line that works", async () => {
    const { banner, exit, stderr } = await serveAndCheck({}, { extra: ["--strict"], runTryLine: true })
    expect(banner).toContain(
      "signing key: sim-access-code (strict mode without --secret-key: requests are signed with the access code)"
    )
    // a curl line cannot sign; the tool's own command can
    expect(banner).not.toContain("curl")
    expect(banner).toMatch(
      /try: node src\/node\/cli\.ts balance --base-url http:\/\/127\.0\.0\.1:\d+ --access-code sim-access-code --secret-key sim-access-code\n/
    )
    expect(exit.code === 0 || exit.code === 130 || exit.signal === "SIGINT", JSON.stringify(exit)).toBe(true)
    expect(stderr).toBe("")
  })

  it("profiles --order while the order is being allocated: one plain line, exit 75, with or without --json", async () => {
    const env = { ESIM_ACCESS_CODE: accessCode, ESIM_ACCESS_BASE_URL: slowUrl }
    const placed = okJson(
      await cli(["order", "--package", "CKH002", "--transaction-id", "cli-pending", "--json"], env)
    ) as { readonly orderNo: string }
    const results = await Promise.all([
      cli(["profiles", "--order", placed.orderNo], env),
      cli(["profiles", "--order", placed.orderNo, "--json"], env)
    ])
    for (const result of results) {
      expect(result.code, result.stderr).toBe(75)
      expect(result.stdout).toBe("")
      expect(lines(result.stderr)).toEqual([
        `order ${placed.orderNo} is still being allocated; try again in a few seconds (or use order --wait)`
      ])
    }
  })

  it("a server that never answers: retries on stderr as they start, --request-timeout per attempt, attempts counted", async () => {
    const env = { ESIM_ACCESS_CODE: accessCode }
    const [read, change] = await Promise.all([
      cli(["balance", "--base-url", silentUrl, "--request-timeout", "1", "--retries", "1"], env),
      // a state change is never retried after a timeout (the API may have acted): one attempt, said so
      cli(["suspend", "--iccid", "1", "--base-url", silentUrl, "--request-timeout", "1"], env)
    ])
    expect(read.code).toBe(1)
    expect(read.stdout).toBe("")
    expect(lines(read.stderr)).toEqual([
      "TransportError: balance/query: no answer within 1s, retrying (attempt 2 of 2)…",
      "error: TransportError: balance/query: no answer within 1s (2 attempts)"
    ])
    // two attempts of one second each (plus a short backoff and the start-up), not two of 30 seconds
    expect(read.millis).toBeGreaterThanOrEqual(2_000)
    expect(read.millis).toBeLessThan(20_000)
    expect(oneLineError(change)).toBe("error: TransportError: esim/suspend: no answer within 1s (1 attempt)")
  })

  it("an order with no answer says it may have been placed and how to resume without buying twice", async () => {
    const result = await cli(
      [
        "order",
        "--package",
        "CKH002",
        "--transaction-id",
        "cli-silent-order",
        "--base-url",
        silentUrl,
        "--request-timeout",
        "1",
        "--retries",
        "0"
      ],
      { ESIM_ACCESS_CODE: accessCode }
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(lines(result.stderr).at(-1)).toBe(
      "error: TransportError: esim/order: no answer within 1s (1 attempt); it may have been placed: run the same " +
        "command again (same --transaction-id), it never buys twice"
    )
  })

  it("boolean flags never take the next word: usage --json 1 2, usage --json 0 <id>, balance --json no", async () => {
    const { spain } = await fixtures
    const poorEnv = { ESIM_ACCESS_CODE: accessCode, ESIM_ACCESS_BASE_URL: poorUrl }
    const [ids, zero, no, explicit, waitNo] = await Promise.all([
      cli(["usage", "--json", "1", "2"], mainEnv()),
      cli(["usage", "--json", "0", spain[5]!.esimTranNo], mainEnv()),
      cli(["balance", "--json", "no"], poorEnv),
      cli(["balance", "--json=false"], poorEnv),
      cli(["order", "--package", "CKH002", "--transaction-id", "cli-bool-wait", "--wait", "no"], mainEnv())
    ])
    expect(okJson(ids)).toEqual([])
    expect(ids.stderr).toContain("no usage reported for: 1, 2")
    const parsed = okJson(zero) as ReadonlyArray<{ readonly esimTranNo: string }>
    expect(parsed.map((r) => r.esimTranNo)).toEqual([spain[5]!.esimTranNo])
    expect(zero.stderr).toContain("no usage reported for: 0")
    // "no" is an argument balance does not take: a usage error, not a table
    expect(no.code).not.toBe(0)
    expect(no.stdout).not.toMatch(/^Balance: /m)
    expect(no.stderr).toContain(`Unexpected positional argument: "no"`)
    expect(ok(explicit)).toBe("Balance: $1.00\n")
    expect(waitNo.code).not.toBe(0)
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.orders.filter((o) => o.transactionId === "cli-bool-wait")).toEqual([])
  })

  it("conflicting flags: one line, exit 1, before any request (and no order)", async () => {
    const taken = new URL(mainUrl).port
    // an address where nothing listens: a request would end in a TransportError, not the expected line
    const nowhere = ["--base-url", "http://127.0.0.1:1"]
    const both = "error: give --esim-tran-no or --iccid, not both"
    const conflicts: ReadonlyArray<readonly [tool: "cli" | "simulator", args: ReadonlyArray<string>, line: string]> = [
      [
        "cli",
        [
          "topup",
          "--esim-tran-no",
          "1",
          "--iccid",
          "2",
          "--package",
          "TOPUP_CKH002",
          "--transaction-id",
          "cli-cf-1",
          ...nowhere
        ],
        both
      ],
      ["cli", ["suspend", "--esim-tran-no", "1", "--iccid", "2", ...nowhere], both],
      [
        "cli",
        ["packages", "--iccid", "89000000000000000002", ...nowhere],
        "error: --iccid applies only with --type TOPUP (the top-ups an eSIM can take)"
      ],
      [
        "cli",
        ["packages", "--type", "BASE", "--iccid", "89000000000000000002", ...nowhere],
        "error: --iccid applies only with --type TOPUP (the top-ups an eSIM can take)"
      ],
      ["cli", ["sms", "--esim-tran-no", "1", "--iccid", "2", "--message", "hi", ...nowhere], both],
      [
        "cli",
        ["profiles", "--order", "B1", "--iccid", "2", ...nowhere],
        "error: give one of --order, --esim-tran-no or --iccid, not several"
      ],
      [
        "cli",
        ["order", "--package", "CKH002", "--transaction-id", "cli-cf-2", "--timeout", "5", ...nowhere],
        "error: --timeout applies only with --wait"
      ],
      // the plan's kind comes from the catalogue: that one lookup, then no order
      [
        "cli",
        ["order", "--package", "CKH002", "--transaction-id", "cli-cf-3", "--period", "3"],
        "error: --period applies to day-pass plans only; CKH002 (Spain 3GB 30Days) is a fixed plan"
      ],
      [
        "cli",
        ["order", "--package", "ES_3_30", "--transaction-id", "cli-cf-4", "--period", "3", "--wait"],
        "error: --period applies to day-pass plans only; ES_3_30 (Spain 3GB 30Days) is a fixed plan"
      ],
      // on a port that is taken: a server that started would fail differently
      [
        "cli",
        ["simulator", "--port", taken, "--webhook", "not-a-url"],
        `error: --webhook must be an http(s) URL, got "not-a-url"`
      ],
      [
        "simulator",
        ["--port", taken, "--webhook", "ftp://x"],
        `error: --webhook must be an http(s) URL, got "ftp://x"`
      ],
      ["cli", ["simulator", "--port", taken, "--json"], "error: --json does not apply to simulator"],
      [
        "cli",
        ["simulator", "--port", taken, "--base-url", "http://127.0.0.1:1", "--retries", "1"],
        "error: --base-url, --retries do not apply to simulator"
      ]
    ]
    const results = await Promise.all(
      conflicts.map(([tool, args]) => (tool === "cli" ? cli(args, mainEnv()) : standalone(args)))
    )
    for (const [i, result] of results.entries()) {
      expect(oneLineError(result), result.args.join(" ")).toBe(conflicts[i]![2])
    }
    const state = await main.runPromise(Effect.flatMap(Simulator.Simulator, (s) => s.state))
    expect(state.orders.filter((o) => o.transactionId.startsWith("cli-cf-"))).toEqual([])
  })

  it("simulator --help: every default, and none of the flags that do nothing for a server", async () => {
    const [nested, alone] = await Promise.all([cli(["simulator", "--help"], mainEnv()), standalone(["--help"])])
    for (const text of [ok(nested), ok(alone)]) {
      for (
        const shown of [
          "(default: 4010)",
          "(default: 127.0.0.1)",
          "(default: off)",
          "(default: 10000000, $1,000.00)",
          "(default: 1)",
          "(default: full)",
          "(default: 5)",
          "(default: replay)",
          "(default: 8)",
          "(default: none)",
          "--access-code",
          "--secret-key"
        ]
      ) expect(text).toContain(shown)
      for (const hidden of ["--json", "--base-url", "--request-timeout", "--retries"]) {
        expect(text).not.toContain(hidden)
      }
    }
    expect(nested.stdout).toContain("default: $ESIM_ACCESS_CODE, else sim-access-code")
  })

  it("the hint after order names the command as it was run, else both usual forms", async () => {
    const bin = mkdtempSync(join(tmpdir(), "esim-cli-bin-"))
    try {
      // as installed (node_modules/.bin/effect-esim-access), and under a name that tells nothing
      symlinkSync(cliPath, join(bin, "effect-esim-access"))
      symlinkSync(cliPath, join(bin, "esim"))
      const [node, npm, installed, unknown] = await Promise.all([
        cli(hintOrder("node"), mainEnv()),
        cli(hintOrder("npm"), {
          ...mainEnv(),
          npm_lifecycle_event: "cli",
          npm_lifecycle_script: "node --no-warnings src/node/cli.ts"
        }),
        cli(hintOrder("bin"), mainEnv(), join(bin, "effect-esim-access")),
        cli(hintOrder("other"), mainEnv(), join(bin, "esim"))
      ])
      const hintOf = (result: Result) => {
        const last = lines(ok(result)).at(-1)!
        const orderNo = /^Ordered (\S+)/.exec(result.stdout)?.[1]
        return last.replaceAll(orderNo ?? "?", "<orderNo>")
      }
      const prefix = "Profiles are allocated within seconds: "
      expect(hintOf(node)).toBe(`${prefix}node src/node/cli.ts profiles --order <orderNo>`)
      expect(hintOf(npm)).toBe(`${prefix}npm run cli -- profiles --order <orderNo>`)
      expect(hintOf(installed)).toBe(`${prefix}effect-esim-access profiles --order <orderNo>`)
      expect(hintOf(unknown)).toBe(
        `${prefix}effect-esim-access profiles --order <orderNo> (or: npm run cli -- profiles --order <orderNo>)`
      )
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  // -------------------------------------------------------------------------------------------------------------
  // --help

  const help: ReadonlyArray<readonly [command: ReadonlyArray<string>, mentions: ReadonlyArray<string>]> = [
    [[], ["--access-code", "--secret-key", "--base-url", "--json", "balance", "webhook", "simulator"]],
    [["balance"], ["--access-code", "--base-url", "--json"]],
    [["packages"], ["--location", "--type", "--data-type", "--package", "--iccid"]],
    [["locations"], ["--json"]],
    [["order"], ["--package", "--count", "--transaction-id", "--period", "--wait", "--timeout"]],
    [["profiles"], ["--order", "--esim-tran-no", "--iccid"]],
    [["topup"], ["--esim-tran-no", "--iccid", "--package", "--transaction-id", "--period"]],
    [["usage"], ["esimTranNo", "10 at a time"]],
    [["suspend"], ["--esim-tran-no", "--iccid"]],
    [["unsuspend"], ["--esim-tran-no", "--iccid"]],
    [["cancel"], ["--esim-tran-no", "--iccid", "refunded"]],
    [["revoke"], ["--esim-tran-no", "--iccid"]],
    [["sms"], ["--esim-tran-no", "--iccid", "--message"]],
    [["webhook"], ["get", "set"]],
    [["webhook", "get", "-h"], ["--json"]],
    [["webhook", "set"], ["url", "CHECK_HEALTH"]],
    [["simulator"], ["--port", "--host", "--catalogue", "--allocation-delay", "--balance", "--rate-limit"]]
  ]

  it.each(help)("--help on %j", async (command, mentions) => {
    // credentials in the environment: help must not show them as defaults
    const args = command.at(-1) === "-h" ? command : [...command, "--help"]
    const text = ok(await cli(args, mainEnv()))
    expect(text).toContain("USAGE")
    expect(text).toContain(`effect-esim-access ${command.filter((c) => c !== "-h").join(" ")}`.trim())
    for (const mention of mentions) expect(text).toContain(mention)
    // boolean flags are plain switches (they never take a value from the next word)
    expect(text).not.toContain("[=boolean]")
  })
})

/** An order whose output ends with the hint to look it up. */
const hintOrder = (id: string) => ["order", "--package", "CKH002", "--transaction-id", `cli-hint-${id}`]

/** How long the simulator may take to stop after SIGINT (it takes about 50 ms; a loaded 2-core machine is slower). */
const sigintDeadline = 5_000

/**
 * Starts `simulator --port 0` (and `extra`) in a subprocess, waits for its banner, checks `balance` against it (with
 * the access code it should accept, or as the banner's `try:` line says with `runTryLine`), then stops it with
 * SIGINT and waits for the exit.
 */
const serveAndCheck = async (
  env: Record<string, string | undefined>,
  options: { readonly extra?: ReadonlyArray<string>; readonly runTryLine?: boolean } = {}
) => {
  await acquire()
  const start = Date.now()
  const args = ["simulator", "--port", "0", "--catalogue", "fixtures", ...(options.extra ?? [])]
  const child = launch(args, env)
  let stdout = ""
  let stderr = ""
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  )
  let exit: { code: number | null; signal: NodeJS.Signals | null }
  let stopMillis = 0
  try {
    const [url, tryLine] = await new Promise<[string, string]>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*try: (.*)\n/.exec(stdout)
        if (match) resolve([match[1]!, match[2]!])
      })
      void exited.then(() => reject(new Error(`simulator exited early:\n${stdout}\n${stderr}`)))
    })
    // the simulator holds one slot meanwhile; maxProcesses >= 3 leaves room for this run
    const words = tryLine.split(" ")
    const balance = options.runTryLine === true ?
      // the printed command, from `balance` on, with nothing from the environment
      await cli(words.slice(Math.max(0, words.indexOf("balance"))), {}) :
      await cli(["balance", "--base-url", url], {
        ESIM_ACCESS_CODE: env["ESIM_ACCESS_CODE"] ?? Simulator.defaultAccessCode
      })
    expect(ok(balance)).toBe("Balance: $1000.00\n")
  } finally {
    const signalled = Date.now()
    child.kill("SIGINT")
    // a child that ignores the signal is killed after the deadline, and the test sees how long it took
    const killer = setTimeout(() => child.kill("SIGKILL"), sigintDeadline)
    exit = await exited
    clearTimeout(killer)
    stopMillis = Date.now() - signalled
    release()
  }
  const result: Result = { args, ...exit, stdout, stderr, millis: Date.now() - start }
  runs.push(result)
  expectNoSecrets(result)
  return { banner: stdout, exit, stderr, stopMillis }
}
