/**
 * Every example runs, as a user runs it (`npm run example -- examples/<file>`: Node with the package's source
 * condition), and does what its header says. `npm run check` type-checks them; the testing example
 * (`testing-with-the-simulator.test.ts`) is a vitest file of its own.
 */
import { Effect, ManagedRuntime } from "effect"
import { Simulator } from "effect-esim-access"
import { layer as simulatorServer, SimulatorServer } from "effect-esim-access/node/SimulatorServer"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import http from "node:http"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "..")
const source = "--conditions=@effect-esim-access/source"

/** The test's environment without credentials (the examples then use the simulator), Node 22 first on PATH. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const result: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("ESIM_ACCESS_") && value !== undefined) result[key] = value
  }
  result["PATH"] = [path.dirname(process.execPath), process.env["PATH"]].join(path.delimiter)
  result["NO_COLOR"] = "1"
  return { ...result, ...extra }
}

interface Exit {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end. */
const run = (command: string, args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
  new Promise<Exit>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: env(extra) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const example = (file: string, args: ReadonlyArray<string> = [], extra: Record<string, string> = {}) =>
  run(process.execPath, ["--no-warnings", source, path.join("examples", file), ...args], extra)

const servers: Array<ChildProcess> = []
afterAll(() => {
  for (const child of servers.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
})

/** Starts a server example and resolves with the URL it prints ("Listening on http://…"). */
const serve = (file: string) =>
  new Promise<{ readonly child: ChildProcess; readonly url: string; readonly output: () => string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ["--no-warnings", source, path.join("examples", file)], {
        cwd: root,
        // a placeholder access code: the posted events need no API call
        env: env({ PORT: "0", ESIM_ACCESS_CODE: "example-test-access-code" })
      })
      servers.push(child)
      let output = ""
      const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${output}`)), 20_000)
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const match = /Listening on (http:\/\/[\d.]+:\d+)/.exec(output)
        if (match) {
          clearTimeout(timer)
          resolve({ child, url: match[1]!, output: () => output })
        }
      }
      child.stdout.on("data", onData)
      child.stderr.on("data", onData)
      child.on("exit", (code) => reject(new Error(`${file} exited (${code}):\n${output}`)))
    }
  )

interface Proxied {
  readonly method: string
  readonly path: string
  readonly accessCode: string | undefined
}

/**
 * An HTTP proxy on loopback that records every request (method, path, access code) and forwards it to `target`,
 * set once the target is known.
 */
const countingProxy = () =>
  new Promise<{ url: string; target: string; requests: Array<Proxied>; close: () => Promise<void> }>((resolve) => {
    const requests: Array<Proxied> = []
    const state = { target: "" }
    const server = http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const accessCode = request.headers["rt-accesscode"]
        requests.push({
          method: request.method ?? "",
          path: request.url ?? "",
          accessCode: typeof accessCode === "string" ? accessCode : undefined
        })
        const headers: Record<string, string> = {}
        for (const [key, value] of Object.entries(request.headers)) {
          if ((key.startsWith("rt-") || key === "content-type" || key === "accept") && typeof value === "string") {
            headers[key] = value
          }
        }
        const body = Buffer.concat(chunks)
        fetch(`${state.target}${request.url ?? ""}`, {
          method: request.method ?? "POST",
          headers,
          ...(body.length > 0 ? { body } : {})
        }).then(
          async (answer) => {
            const text = Buffer.from(await answer.arrayBuffer())
            response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" })
            response.end(text)
          },
          () => {
            response.writeHead(502)
            response.end()
          }
        )
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        url: `http://127.0.0.1:${port}`,
        get target() {
          return state.target
        },
        set target(value: string) {
          state.target = value
        },
        requests,
        close: () => new Promise<void>((done) => server.close(() => done()))
      })
    })
  })

const fixture = (name: string) => fs.readFileSync(path.join(root, "test", "fixtures", name), "utf8")

const post = async (url: string, body: string, contentType = "application/json") => {
  const response = await fetch(`${url}/esim-access/webhook`, {
    method: "POST",
    headers: { "content-type": contentType },
    body
  })
  return { status: response.status, text: await response.text() }
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.on("exit", (code) => resolve(code))
    child.kill("SIGINT")
  })

/** `"12.34"` (dollars, as printed) in cents. */
const money = (text: string) => Math.round(Number(text) * 100)

// independent processes: run side by side
describe.concurrent("examples", () => {
  it("quickstart.ts: the whole flow on the simulator over loopback HTTP", async () => {
    const { code, stderr, stdout } = await example("quickstart.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    const grab = (pattern: RegExp): RegExpExecArray => {
      const match = pattern.exec(stdout)
      expect(match, `${pattern} in:\n${stdout}`).not.toBeNull()
      return match!
    }

    // the steps, in order
    const steps = [...stdout.matchAll(/^▸ (.+)$/gm)].map((m) => m[1])
    expect(steps).toEqual([
      "Webhook",
      "Balance",
      "Packages for Japan",
      "Order, waiting for allocation",
      "The traveller installs the eSIM and uses data",
      "Top-up",
      "Usage",
      "Suspend and unsuspend",
      "A second eSIM, cancelled before install (refunded)",
      "Balance"
    ])
    expect(stdout).toMatch(/webhook: CHECK_HEALTH/)
    expect(stdout).toMatch(/^Balance: \$1000\.00$/m)

    // the package chosen, with its name, code and price
    const [, , planName, , planPrice] = grab(/^(\d+) packages; choosing (.+) \((\w+)\) for \$(\d+\.\d{2})$/m)
    expect(planName).toMatch(/^Japan /)

    // the order: its number, the ICCID, the activation code and the QR code URL
    const [, orderNo] = grab(/^Order (B\d{14}) \(transactionId quickstart-traveller-42\)$/m)
    expect(stdout).toMatch(new RegExp(`webhook: ORDER_STATUS GOT_RESOURCE for ${orderNo}`))
    const [, iccid] = grab(/^ICCID: +(\d{19,20})$/m)
    expect(stdout).toMatch(/^Activation code: LPA:1\$[\w.-]+\$[0-9A-F]{32}$/m)
    expect(stdout).toMatch(/^QR code: +https:\/\/p\.qrsim\.net\/[0-9a-f]{32}\.png$/m)

    // the install on a device, as the webhooks report it, for that ICCID and in that order
    const install = [
      `SMDP_EVENT DOWNLOAD for ${iccid}`,
      `SMDP_EVENT INSTALLATION for ${iccid}`,
      `SMDP_EVENT ENABLED for ${iccid}`,
      `ESIM_STATUS IN_USE/ENABLED for ${iccid}`
    ].map((event) => stdout.indexOf(`webhook: ${event}\n`))
    expect(install.every((at) => at > 0)).toBe(true)
    expect([...install].sort((x, y) => x - y)).toEqual(install)
    expect(stdout).toMatch(
      new RegExp(`webhook: DATA_USAGE under \\d+% left: [\\d.]+ [KMG]B of [\\d.]+ [KMG]B on ${iccid}`)
    )

    // the top-up: its name and price, and the profile's new volume and validity
    const [, , topUpPrice] = grab(/^(.+) for \$(\d+\.\d{2}): now [\d.]+ [MG]B, \d+ days$/m)
    // the usage, in MB
    const [, used, total] = grab(/^([\d.]+) MB used of ([\d.]+) MB$/m)
    expect(Number(used)).toBeGreaterThan(0)
    expect(Number(used)).toBeLessThan(Number(total))

    expect(stdout).toMatch(new RegExp(`webhook: ESIM_STATUS SUSPENDED/ENABLED for ${iccid}`))
    expect(stdout).toMatch(/^suspended: SUSPENDED$/m)
    expect(stdout).toMatch(/^unsuspended: IN_USE$/m)

    // the cancel of a second eSIM: ESIM_STATUS CANCEL and its full price back
    const [, spare, refund] = grab(/^cancelled (\d{19,20}): refund \$(\d+\.\d{2})$/m)
    expect(spare).not.toBe(iccid)
    expect(stdout).toMatch(new RegExp(`webhook: ESIM_STATUS CANCEL/RELEASED for ${spare}`))
    expect(money(refund!)).toBe(money(planPrice!))

    // what was spent: the first eSIM and its top-up; the cancelled one was refunded
    const [, balance, spent] = grab(/^Balance: \$(\d+\.\d{2}) \(spent \$(\d+\.\d{2})\)$/m)
    expect(money(spent!)).toBe(money(planPrice!) + money(topUpPrice!))
    expect(money(balance!)).toBe(100_000 - money(spent!))
  }, 60_000)

  it("quickstart.ts with ESIM_ACCESS_CODE: read-only calls only, nothing bought", async () => {
    const runtime = ManagedRuntime.make(simulatorServer({ port: 0 }))
    const proxy = await countingProxy()
    try {
      const { accessCode, url } = await runtime.runPromise(Effect.gen(function*() {
        return yield* SimulatorServer
      }))
      proxy.target = url
      const before = await runtime.runPromise(Effect.gen(function*() {
        return yield* (yield* Simulator.Simulator).state
      }))
      const { code, stderr, stdout } = await example("quickstart.ts", [], {
        ESIM_ACCESS_CODE: accessCode,
        ESIM_ACCESS_BASE_URL: proxy.url
      })
      expect(stderr).toBe("")
      expect(code).toBe(0)
      expect(stdout).toMatch(new RegExp(`read-only calls \\(balance, packages, locations\\) against ${proxy.url}`))
      expect(stdout).toMatch(/^Balance: \$1000\.00$/m)
      expect(stdout).toMatch(/^Japan: [1-9]\d* packages$/m)
      expect(stdout).toMatch(/^Locations: [1-9]\d* \(\d+ regions\)$/m)
      // it used the given API, not a simulator of its own
      expect(stdout).not.toMatch(/simulator/i)

      // only the three reads reached the API, each with the configured access code
      expect(proxy.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        "POST /api/v1/open/balance/query",
        "POST /api/v1/open/location/list",
        "POST /api/v1/open/package/list"
      ])
      expect(proxy.requests.every((r) => r.accessCode === accessCode)).toBe(true)

      // and nothing was bought or changed
      const after = await runtime.runPromise(Effect.gen(function*() {
        return yield* (yield* Simulator.Simulator).state
      }))
      expect(after.balance).toBe(before.balance)
      expect(after.orders).toEqual([])
      expect(after.profiles).toEqual([])
      expect(after.ledger).toEqual(before.ledger)
      expect(after.webhook).toBe(before.webhook)
    } finally {
      await proxy.close()
      await runtime.dispose()
    }
  }, 60_000)

  it("order-and-wait.ts: waits out the allocation, and a second run buys nothing", async () => {
    const { code, stderr, stdout } = await example("order-and-wait.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toMatch(/allocating… \(check 2\)/)
    expect(stdout).toMatch(/activation code LPA:1\$/)
    expect(stdout).toMatch(/same order: true; charged once: \$5\.70 in total/)
  }, 60_000)

  it("webhook-server.ts: a receiver on NodeHttpServer", async () => {
    const { child, url } = await serve("webhook-server.ts")
    expect(await post(url, fixture("webhook.DATA_USAGE.json"))).toEqual({ status: 200, text: "ok" })
    expect(await post(url, fixture("webhook.CHECK_HEALTH.json"))).toEqual({ status: 200, text: "ok" })
    expect((await post(url, "{not json")).status).toBe(400)
    expect(await stop(child)).not.toBeNull()
  }, 30_000)

  it("webhook-web-handler.ts: the web-standard handler behind node:http", async () => {
    const { child, url } = await serve("webhook-web-handler.ts")
    expect(await post(url, fixture("webhook.VALIDITY_USAGE.json"))).toEqual({ status: 200, text: "ok" })
    // de-duplication is on: the same event again is acknowledged without calling the handler
    expect(await post(url, fixture("webhook.VALIDITY_USAGE.json"))).toEqual({ status: 200, text: "duplicate" })
    expect((await post(url, "{}")).status).toBe(400)
    await stop(child)
  }, 30_000)

  const tools = spawnSync("sh", ["-c", "command -v bash && command -v curl && command -v openssl"]).status === 0

  it.skipIf(!tools)("simulator-curl.sh: the simulator from curl, requests signed with openssl", async () => {
    const { code, stderr, stdout } = await run("bash", [path.join("examples", "simulator-curl.sh")])
    expect(stderr).toBe("")
    expect(code).toBe(0)
    expect(stdout).toMatch(/"errorCode":"200010"/)
    expect(stdout).toMatch(/activation code LPA:1\$/)
    expect(stdout).toMatch(/\(refunded\)/)
    expect(stdout).toMatch(/"errorCode":"101003"/)
    expect(stdout.trim().endsWith("done")).toBe(true)
  }, 60_000)
})
