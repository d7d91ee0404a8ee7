/**
 * Helpers for the Redis tests: a real `redis-server` on 127.0.0.1 at a random free port (no persistence), started
 * and stopped by the test, and child Node processes for the multi-process tests.
 *
 * The tests skip, with a message, only when no `redis-server` binary exists (`REDIS_SERVER` may name one).
 *
 * Every child process (servers and workers) is registered until it exits: a scope's release kills it, and so does
 * the `afterAll` of the importing test file and the exit of the test process, so a test that times out (its scope
 * never closed) leaves no `redis-server` or worker behind.
 */
import { afterAll, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Scope } from "effect"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createServer } from "node:net"
import * as path from "node:path"

const findBinary = (): string | undefined => {
  const configured = process.env["REDIS_SERVER"]
  const candidates = configured !== undefined && configured !== "" ?
    [configured] :
    ["redis-server", "/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"]
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["--version"], { encoding: "utf8" })
    if (probe.status === 0 && probe.stdout.includes("Redis server")) return candidate
  }
  return undefined
}

/** The `redis-server` binary, or `undefined` (the Redis tests skip). */
export const redisBinary: string | undefined = findBinary()

/** Why the Redis tests skip, as the name of a skipped test (visible in every reporter), or `undefined`. */
export const skipReason: string | undefined = redisBinary === undefined ?
  "SKIPPED: no redis-server binary (Debian: apt-get install redis-server; or set REDIS_SERVER to its path)" :
  undefined

if (skipReason !== undefined) process.stderr.write(`\n*** Redis tests ${skipReason} ***\n\n`)

/**
 * Registers, in the calling test file, what a missing redis-server means: a skipped test named after the reason
 * (visible in every reporter) on a developer's machine, and a failing test under CI (`CI` set), which must have
 * the binary (.ci/run installs it), so the Redis tests can never pass there by being skipped.
 */
export const reportMissingRedis = (): void => {
  if (skipReason === undefined) return
  if (process.env["CI"] !== undefined && process.env["CI"] !== "" && process.env["CI"] !== "false") {
    it("redis-server is installed (CI must run the Redis tests)", () => {
      throw new Error(`CI without redis-server: ${skipReason}`)
    })
  } else {
    it.skip(skipReason, () => {})
  }
}

// ---------------------------------------------------------------------------------------------------------------
// child processes: none outlives the test file
// ---------------------------------------------------------------------------------------------------------------

/** the children started by this test file that have not exited yet */
const running = new Set<ChildProcess>()

const track = <C extends ChildProcess>(child: C): C => {
  running.add(child)
  child.once("exit", () => running.delete(child))
  // spawn failures (ENOENT) emit "error" and maybe no "exit"
  child.once("error", () => running.delete(child))
  return child
}

/** The pids of the child processes still running. */
export const runningPids = (): ReadonlyArray<number> =>
  [...running].flatMap((child) => (child.pid === undefined ? [] : [child.pid]))

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null || child.pid === undefined ?
    Promise.resolve() :
    new Promise((resolve) => child.once("exit", () => resolve()))

/** SIGTERM, then SIGKILL if the child has not exited within `graceMillis`; resolves once it exited. */
const stop = (child: ChildProcess, graceMillis = 5_000): Promise<void> => {
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMillis)
  return exited(child).finally(() => clearTimeout(timer))
}

/** Kills (SIGKILL) every child process still running and waits for them to exit. */
export const killAll = async (): Promise<void> => {
  const children = [...running]
  for (const child of children) child.kill("SIGKILL")
  await Promise.all(children.map(exited))
}

// a test that timed out never closed its scope: its children are killed here
afterAll(killAll)
// and if the test process itself goes away first (a crash, a worker torn down)
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL")
})

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** How long `redis-server` may take to accept connections; `REDIS_START_TIMEOUT_MS` overrides it. */
export const defaultStartTimeoutMillis = Number(process.env["REDIS_START_TIMEOUT_MS"] ?? "") || 10_000

/** `redis-server` did not accept connections in time (it was killed). */
export class StartTimeout extends Error {
  constructor(binary: string, port: number, timeoutMillis: number, output: string) {
    super(
      `${binary} was not ready on 127.0.0.1:${port} within ${timeoutMillis} ms (no "Ready to accept connections"); ` +
        `its output: ${output.slice(-500) || "(none)"}`
    )
    this.name = "StartTimeout"
  }
}

/**
 * Starts `redis-server` (or `binary` given the same arguments) on `port`; resolves once it accepts connections.
 * Rejects, after killing the process, if it exits first or is not ready within `timeoutMillis`.
 */
export const launch = (
  binary: string,
  port: number,
  timeoutMillis: number = defaultStartTimeoutMillis
): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = track(spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
      { stdio: ["ignore", "pipe", "pipe"] }
    ))
    let output = ""
    let settled = false
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(error)
    }
    const timer = setTimeout(
      () => fail(new StartTimeout(binary, port, timeoutMillis, output)),
      timeoutMillis
    )
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (!settled && output.includes("Ready to accept connections")) {
        settled = true
        clearTimeout(timer)
        child.stdout?.off("data", onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    child.once("error", fail)
    child.once("exit", (code) => fail(new Error(`${binary} exited (${code}): ${output.slice(-500)}`)))
  })

/** A running `redis-server`. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** kills the server (SIGKILL): Redis becomes unreachable */
  readonly kill: Effect.Effect<void>
  /** starts it again on the same port, empty */
  readonly restart: Effect.Effect<void>
}

/** A fresh `redis-server` for the scope; stopped when the scope closes. */
export const redisServer: Effect.Effect<RedisServer, never, Scope.Scope> = Effect.gen(function*() {
  const binary = redisBinary
  if (binary === undefined) return yield* Effect.die(new Error("redis-server not found"))
  let child: ChildProcess | undefined
  let port = 0
  yield* Effect.acquireRelease(
    Effect.promise(async () => {
      for (let attempt = 1;; attempt++) {
        port = await freePort()
        try {
          child = await launch(binary, port)
          return
        } catch (error) {
          // another process took the port in between (it exited): try another one; a hang is not retried
          if (attempt >= 5 || error instanceof StartTimeout) throw error
        }
      }
    }),
    () => Effect.promise(() => child === undefined ? Promise.resolve() : stop(child))
  )
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: Effect.promise(async () => {
      if (child === undefined) return
      child.kill("SIGKILL")
      await exited(child)
    }),
    restart: Effect.promise(async () => {
      child = await launch(binary, port)
    })
  }
})

// ---------------------------------------------------------------------------------------------------------------
// worker processes
// ---------------------------------------------------------------------------------------------------------------

/** A child Node process running a TypeScript script from `test/redis/`, driven by lines on stdin/stdout. */
export interface Worker {
  /** resolves with the first stdout line starting with `prefix` (without it) */
  readonly line: (prefix: string) => Promise<string>
  readonly send: (line: string) => void
  readonly exit: Promise<number | null>
  readonly kill: () => void
  readonly stderr: () => string
}

/** Spawns `node --no-warnings test/redis/<script>` with `env` added to the environment. */
export const spawnWorker = (script: string, env: Record<string, string>): Worker => {
  const child = track(spawn(process.execPath, ["--no-warnings", path.join(import.meta.dirname, "redis", script)], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"]
  }))
  // the child's stdin closes when it dies; a write then must not crash the test process
  child.stdin.on("error", () => {})
  const lines: Array<string> = []
  const waiting: Array<{ readonly prefix: string; readonly resolve: (line: string) => void }> = []
  let buffer = ""
  let errors = ""
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline = buffer.indexOf("\n")
    while (newline >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      const index = waiting.findIndex((w) => line.startsWith(w.prefix))
      if (index >= 0) {
        const [w] = waiting.splice(index, 1)
        w!.resolve(line.slice(w!.prefix.length))
      } else {
        lines.push(line)
      }
      newline = buffer.indexOf("\n")
    }
  })
  child.stderr.on("data", (chunk: Buffer) => void (errors += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return {
    line: (prefix) => {
      const index = lines.findIndex((line) => line.startsWith(prefix))
      if (index >= 0) return Promise.resolve(lines.splice(index, 1)[0]!.slice(prefix.length))
      return Promise.race([
        new Promise<string>((resolve) => waiting.push({ prefix, resolve })),
        exit.then((code) => {
          throw new Error(`${script} exited (${code}) before "${prefix}": ${errors.slice(-2000)}`)
        })
      ])
    },
    send: (line) => void child.stdin.write(`${line}\n`),
    exit,
    kill: () => void child.kill("SIGKILL"),
    stderr: () => errors
  }
}

/** Workers for the scope, killed when it closes (if still running). */
export const workers = (
  script: string,
  envs: ReadonlyArray<Record<string, string>>
): Effect.Effect<ReadonlyArray<Worker>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => envs.map((env) => spawnWorker(script, env))),
    (ws) => Effect.sync(() => ws.forEach((w) => w.kill()))
  )

/** The largest number of starts in any half-open window `[t, t + windowMillis)` that begins at a start. */
export const maxInWindow = (starts: ReadonlyArray<number>, windowMillis: number): number =>
  Math.max(0, ...starts.map((from) => starts.filter((t) => t >= from && t < from + windowMillis).length))
