/**
 * Every example runs, as a user runs it (`npm run example -- examples/<file>`: Node with the package's source
 * condition), and does what its header says. `npm run check` type-checks them; the testing example
 * (`testing-with-the-simulator.test.ts`) is a vitest file of its own.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
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

const example = (file: string, args: ReadonlyArray<string> = []) =>
  run(process.execPath, ["--no-warnings", source, path.join("examples", file), ...args])

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

// independent processes: run side by side
describe.concurrent("examples", () => {
  it("quickstart.ts: the whole flow on the simulator over loopback HTTP", async () => {
    const { code, stderr, stdout } = await example("quickstart.ts")
    expect(stderr).toBe("")
    expect(code).toBe(0)
    for (
      const line of [
        /Balance: \$1000\.00/,
        /Activation code: LPA:1\$/,
        /webhook: ORDER_STATUS GOT_RESOURCE/,
        /webhook: DATA_USAGE/,
        /suspended: SUSPENDED/,
        /refund \$/
      ]
    ) expect(stdout).toMatch(line)
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
