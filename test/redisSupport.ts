/**
 * Helpers for the Redis tests: a real `redis-server` on 127.0.0.1 at a random free port (no persistence), started
 * and stopped by the test, and child Node processes for the multi-process tests.
 *
 * The tests skip, with a message, only when no `redis-server` binary exists (`REDIS_SERVER` may name one).
 */
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

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ?
    Promise.resolve() :
    new Promise((resolve) => child.once("exit", () => resolve()))

/** Starts `redis-server` on `port`; resolves once it accepts connections, rejects if it exits first. */
const launch = (binary: string, port: number): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData)
        child.stdout?.resume()
        resolve(child)
      }
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    child.once("error", reject)
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)))
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
          // another process took the port in between: try another one
          if (attempt >= 5) throw error
        }
      }
    }),
    () =>
      Effect.promise(async () => {
        if (child === undefined) return
        child.kill("SIGTERM")
        await exited(child)
      })
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
  const child = spawn(process.execPath, ["--no-warnings", path.join(import.meta.dirname, "redis", script)], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"]
  })
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
