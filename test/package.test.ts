/**
 * The published package as a user gets it: `npm pack` (whose `prepack` runs `npm run build`), the tarball installed
 * into a fresh project in a temporary folder, then
 *
 * - what the tarball holds: `dist/` (`.js`, `.d.ts`, maps), `src/` (for the maps), README, LICENSE, CHANGELOG,
 *   and nothing of `test/`, `bench/`, `scripts/`, `examples/`, no build state, no secrets;
 * - an ESM script that imports the package root and `effect-esim-access/Simulator` and completes the quick start
 *   (balance, packages, order, wait for the profile, activation code) on the in-process simulator;
 * - the two installed executables;
 * - a consumer `.ts` file type-checked against the published `.d.ts` with `strict`, `exactOptionalPropertyTypes`
 *   and `NodeNext`, without `skipLibCheck`;
 * - the size of a bundle of `Balance` from the installed package (`test/treeshake.test.ts` covers the sources).
 *
 * Installs use the npm cache first (`--prefer-offline`): `npm ci` has put `effect` and `@effect/platform-node` there.
 * The child processes run without the test's `--conditions=@effect-esim-access/source`, like a user's.
 */
import { build } from "esbuild"
import { spawnSync, type SpawnSyncOptions } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "..")
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  readonly version: string
  readonly devDependencies: Record<string, string>
}

/** The environment of every child: Node 22 (the one running this test) first on PATH, no source condition. */
const env = (): NodeJS.ProcessEnv => {
  const result: NodeJS.ProcessEnv = { ...process.env }
  const options = (process.env["NODE_OPTIONS"] ?? "").split(/\s+/).filter((o) =>
    o !== "" && !o.startsWith("--conditions")
  )
  if (options.length > 0) result["NODE_OPTIONS"] = options.join(" ")
  else delete result["NODE_OPTIONS"]
  for (const key of Object.keys(result)) if (key.startsWith("ESIM_ACCESS_")) delete result[key]
  result["PATH"] = [path.dirname(process.execPath), process.env["PATH"]].join(path.delimiter)
  result["NO_COLOR"] = "1"
  return result
}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (command: string, args: ReadonlyArray<string>, options: SpawnSyncOptions = {}): Run => {
  const result = spawnSync(command, args, { encoding: "utf8", env: env(), timeout: 90_000, ...options })
  if (result.error) throw result.error
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) }
}

const ok = (command: string, args: ReadonlyArray<string>, options: SpawnSyncOptions = {}): string => {
  const result = run(command, args, options)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")}: status ${result.status}\n${result.stdout}\n${result.stderr}`)
  }
  return result.stdout
}

interface PackedFile {
  readonly path: string
  readonly size: number
}

let temp = ""
let project = ""
let packed: { readonly filename: string; readonly size: number; readonly files: ReadonlyArray<PackedFile> }
const timings: Record<string, number> = {}
const timed = <A>(label: string, f: () => A): A => {
  const started = Date.now()
  try {
    return f()
  } finally {
    timings[label] = Date.now() - started
  }
}

beforeAll(() => {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-esim-access-package-"))
  // npm prints the lifecycle scripts' output (prepack runs the build) before the JSON
  const out = timed(
    "npm pack (with the build)",
    () => ok("npm", ["pack", "--json", "--pack-destination", temp], { cwd: root })
  )
  const json = out.slice(out.search(/^\[/m))
  packed = (JSON.parse(json) as ReadonlyArray<typeof packed>)[0]!
  project = path.join(temp, "consumer")
  fs.mkdirSync(project)
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)
  )
  timed("npm install", () =>
    ok("npm", [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      path.join(temp, packed.filename),
      `effect@${pkg.devDependencies["effect"]}`,
      // only the CLI and the Node simulator server need it (an optional peer dependency)
      `@effect/platform-node@${pkg.devDependencies["@effect/platform-node"]}`
    ], { cwd: project }))
}, 180_000)

afterAll(() => {
  console.log(
    `package: ${packed?.filename} ${
      ((packed?.size ?? 0) / 1024).toFixed(0)
    } KiB packed, ${packed?.files.length} files; ` +
      Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")
  )
  if (temp !== "") fs.rmSync(temp, { recursive: true, force: true })
})

describe("the tarball", () => {
  it("holds dist/ (js, d.ts, maps), src/, README, LICENSE, CHANGELOG and package.json only", () => {
    const paths = packed.files.map((f) => f.path)
    const top = new Set(paths.map((p) => p.split("/")[0]))
    expect([...top].sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "dist", "package.json", "src"])
    for (const entry of ["index", "Balance", "Simulator", "EsimAccessTest", "node/SimulatorServer", "node/cli"]) {
      for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"]) expect(paths).toContain(`dist/${entry}${ext}`)
    }
    // no tests, benchmarks, scripts, examples, build state or local configuration
    const unwanted = paths.filter((p) =>
      /(^|\/)(test|tests|bench|scripts|examples|build|\.changeset)\//.test(p) ||
      /\.(test|spec)\.[cm]?[jt]s$/.test(p) ||
      /tsbuildinfo$|(^|\/)\.(env|npmrc)|\.(pem|key)$|(^|\/)tsconfig/.test(p)
    )
    expect(unwanted).toEqual([])
    expect(packed.size).toBeLessThan(400 * 1024)
  })

  it("contains no secrets", () => {
    const installed = path.join(project, "node_modules", "effect-esim-access")
    const patterns = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bnpm_[A-Za-z0-9]{36}\b/,
      /\bgh[pousr]_[A-Za-z0-9]{36}\b/,
      /_authToken\s*=/
    ]
    // a real access code the maintainer may have in the environment must not have leaked into a file
    const own = [process.env["ESIM_ACCESS_CODE"], process.env["ESIM_ACCESS_SECRET_KEY"]].filter((s): s is string =>
      s !== undefined && s.length >= 8
    )
    const hits: Array<string> = []
    for (const file of packed.files) {
      const text = fs.readFileSync(path.join(installed, file.path), "utf8")
      for (const pattern of patterns) if (pattern.test(text)) hits.push(`${file.path}: ${pattern}`)
      for (const secret of own) if (text.includes(secret)) hits.push(`${file.path}: the ESIM_ACCESS_* value`)
    }
    expect(hits).toEqual([])
  })

  it("has executable bins with a shebang", () => {
    for (const bin of ["dist/node/cli.js", "dist/node/simulator-cli.js"]) {
      const file = path.join(project, "node_modules", "effect-esim-access", bin)
      expect(fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
      expect(fs.statSync(file).mode & 0o111).not.toBe(0)
    }
  })
})

describe("installed in a fresh project", () => {
  it("an ESM script imports the root and the simulator and completes the quick start", () => {
    fs.writeFileSync(
      path.join(project, "quickstart.mjs"),
      `import { Effect, Layer } from "effect"
import { Balance, EsimAccessConfig, Money, Orders, Packages, Simulator as FromRoot } from "effect-esim-access"
import * as Simulator from "effect-esim-access/Simulator"

if (FromRoot.layer !== Simulator.layer) throw new Error("two copies of the Simulator module")

const program = Effect.gen(function*() {
  const before = (yield* Balance.query()).balance
  const [plan] = yield* Packages.list({ locationCode: "JP" })
  let polls = 0
  const { order, profiles } = yield* Orders.createAndAwaitProfiles({
    transactionId: "package-test-1",
    amount: plan.price,
    packageInfoList: [{ packageCode: plan.packageCode, count: 1, price: plan.price }]
  }, { interval: "100 millis", onPoll: () => Effect.sync(() => { polls++ }) })
  const after = (yield* Balance.query()).balance
  return {
    before: Money.format(before),
    after: Money.format(after),
    spent: before - after,
    price: plan.price,
    orderNo: order.orderNo,
    ac: profiles[0].ac,
    polls
  }
})

const result = await program.pipe(
  Effect.provide(Layer.merge(
    EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
    Simulator.layer({ allocationDelay: "300 millis" })
  )),
  Effect.runPromise
)
console.log(JSON.stringify(result))
`
    )
    const out = timed("quick start", () => ok(process.execPath, ["quickstart.mjs"], { cwd: project }))
    const result = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>
    expect(result["before"]).toBe("$1000.00")
    expect(result["spent"]).toBe(result["price"])
    expect(result["orderNo"]).toMatch(/^B\d+$/)
    expect(result["ac"]).toMatch(/^LPA:1\$/)
    // the order was placed before its profile was allocated: at least one poll answered ProfileNotReady
    expect(result["polls"]).toBeGreaterThanOrEqual(1)
  })

  it("internal modules and the CLI entry files are not importable", () => {
    for (const specifier of ["effect-esim-access/internal/request", "effect-esim-access/node/cli"]) {
      const result = run(
        process.execPath,
        ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)})`],
        {
          cwd: project
        }
      )
      expect(result.status).not.toBe(0)
      expect(result.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/)
    }
  })

  it("runs the installed executables", () => {
    const bin = (name: string) => path.join(project, "node_modules", ".bin", name)
    const help = ok(bin("effect-esim-access"), ["--help"], { cwd: project })
    expect(help).toMatch(/balance/)
    expect(help).toMatch(/simulator/)
    // the tool reports the package's version (it is written in src/node/cli.ts: bump it with the package)
    expect(ok(bin("effect-esim-access"), ["--version"], { cwd: project })).toContain(pkg.version)
    // a command against a simulator that is not running: one line on stderr, status 1
    const failed = run(bin("effect-esim-access"), ["balance", "--base-url", "http://127.0.0.1:9"], {
      cwd: project,
      env: { ...env(), ESIM_ACCESS_CODE: "sim-access-code" }
    })
    expect(failed.status).toBe(1)
    expect(failed.stderr).toMatch(/^error: TransportError/m)
    expect(ok(bin("effect-esim-access-simulator"), ["--help"], { cwd: project })).toMatch(/--port/)
  })

  it("type-checks a consumer against the published .d.ts (strict, exactOptionalPropertyTypes, NodeNext)", () => {
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022", "DOM", "DOM.Iterable"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            noEmit: true,
            skipLibCheck: false,
            types: []
          },
          files: ["consumer.ts"]
        },
        null,
        2
      )
    )
    fs.writeFileSync(
      path.join(project, "consumer.ts"),
      `import { Effect, Layer, Schedule } from "effect"
import type { HttpClient } from "effect/http"
import {
  Balance,
  EsimAccessConfig,
  EsimAccessError,
  EsimAccessTest,
  Money,
  Orders,
  Packages,
  Profiles,
  WebhookReceiver
} from "effect-esim-access"
import * as Simulator from "effect-esim-access/Simulator"
import * as Testing from "effect-esim-access/EsimAccessTest"
import { layer as simulatorServer, SimulatorServer } from "effect-esim-access/node/SimulatorServer"

export const program: Effect.Effect<
  ReadonlyArray<string>,
  EsimAccessError.EsimAccessError,
  EsimAccessConfig.EsimAccessConfig | HttpClient.HttpClient
> = Effect.gen(function*() {
  const { balance } = yield* Balance.query()
  const amount: number = balance
  // @ts-expect-error the balance is a number (a wrong type here proves the types are not any)
  const wrong: string = balance
  const [plan] = yield* Packages.list({ locationCode: "JP" })
  if (plan === undefined) return []
  const order = yield* Orders.create({
    transactionId: "shop-order-1042",
    amount: plan.price,
    packageInfoList: [{ packageCode: plan.packageCode, count: 1, price: plan.price }]
  })
  const { profiles } = yield* Profiles.query({ orderNo: order.orderNo }).pipe(
    Effect.retry({ while: (e) => e._tag === "ProfileNotReady", schedule: Schedule.spaced("3 seconds"), times: 10 })
  )
  yield* Effect.log(Money.format(amount), wrong)
  return profiles.map((p) => p.ac)
})

// an optional option may be given as undefined, under exactOptionalPropertyTypes too
export const config = EsimAccessConfig.layer({ accessCode: "x", baseUrl: undefined })

export const inProcess = program.pipe(
  Effect.provide(Layer.merge(
    EsimAccessConfig.layer({ accessCode: Simulator.defaultAccessCode, baseUrl: Simulator.baseUrl }),
    Simulator.layer({ allocationDelay: "1 second" })
  ))
)

export const overHttp = Effect.gen(function*() {
  const { url } = yield* SimulatorServer
  return url
}).pipe(Effect.provide(simulatorServer({ port: 0 })))

export const fake = Balance.query().pipe(
  Effect.provide(Testing.layer({ "balance/query": () => EsimAccessTest.ok({ balance: 1 }) }))
)

export const handler = WebhookReceiver.toWebHandler(WebhookReceiver.match({
  DataUsage: (event) => Effect.log(event.content.iccid)
}))
export const answer: Promise<Response> = handler(new Request("http://x/hook", { method: "POST", body: "{}" }))

// @ts-expect-error internal modules are not exported
import type * as Internal from "effect-esim-access/internal/request"
export type Hidden = Internal.Nothing
`
    )
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc")
    const result = timed("tsc consumer.ts", () => run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project }))
    expect(result.stdout + result.stderr).toBe("")
    expect(result.status).toBe(0)
  })

  it("bundles Balance alone from the installed package (effect external)", async () => {
    fs.writeFileSync(
      path.join(project, "balance.mjs"),
      `import { Balance } from "effect-esim-access"\nexport const program = Balance.query()\n`
    )
    const result = await build({
      entryPoints: [path.join(project, "balance.mjs")],
      absWorkingDir: project,
      bundle: true,
      format: "esm",
      platform: "neutral",
      minify: true,
      write: false,
      metafile: true,
      external: ["effect", "effect/*"],
      logLevel: "silent"
    })
    // the inputs of the output that contributed bytes (metafile.inputs also lists what was parsed and dropped)
    const inputs = Object.values(result.metafile.outputs)[0]!.inputs
    const ours = Object.entries(inputs)
      .filter(([p, { bytesInOutput }]) => p.includes("node_modules/effect-esim-access/") && bytesInOutput > 0)
      .map(([p]) => p.replace(/.*node_modules\/effect-esim-access\/dist\//, ""))
    const bytes = result.outputFiles[0]!.contents.byteLength
    console.log(`Balance from dist (effect external, minified): ${bytes} bytes from ${ours.sort().join(", ")}`)
    expect(ours.filter((p) => /Simulator|WebhookReceiver|Redis|node\//.test(p))).toEqual([])
    expect(bytes).toBeLessThan(40 * 1024)
  })
})
