/**
 * The Redis test support itself (test/redisSupport.ts): a `redis-server` that never gets ready fails the start
 * clearly and is killed, and no child process outlives its test, even one whose scope never closes (a test that
 * timed out).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  killAll,
  launch,
  redisBinary,
  redisServer,
  reportMissingRedis,
  runningPids,
  spawnWorker,
  StartTimeout
} from "./redisSupport.ts"

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** waits until `pid` has gone (the exit was reaped), at most 5 seconds */
const gone = (pid: number) =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && (alive(pid) || runningPids().includes(pid)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return !alive(pid) && !runningPids().includes(pid)
  })

/** an executable that takes redis-server's arguments and never gets ready */
const hangingServer = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-support-"))
  const file = path.join(dir, "hanging-redis-server")
  fs.writeFileSync(file, "#!/bin/sh\necho 'starting, never ready'\nexec sleep 60\n", { mode: 0o755 })
  return file
}

describe("redisSupport: start-up timeout", () => {
  it.live("a server not ready in time fails with a clear error and is killed", () =>
    Effect.gen(function*() {
      const binary = hangingServer()
      const before = runningPids()
      const started = Date.now()
      const error = yield* Effect.promise(() =>
        launch(binary, 6390, 300).then((child) => {
          child.kill("SIGKILL")
          return undefined
        }, (error: unknown) => error)
      )
      const elapsed = Date.now() - started
      assert.instanceOf(error, StartTimeout)
      assert.include(String(error), "not ready on 127.0.0.1:6390 within 300 ms")
      assert.include(String(error), "starting, never ready", "the server's output is part of the message")
      assert.isAtLeast(elapsed, 290)
      assert.isBelow(elapsed, 5_000)
      const spawned = runningPids().filter((pid) => !before.includes(pid))
      for (const pid of spawned) assert.isTrue(yield* gone(pid), `pid ${pid} killed`)
      assert.deepStrictEqual(runningPids().filter((pid) => !before.includes(pid)), [])
    }))
})

reportMissingRedis()

describe.skipIf(redisBinary === undefined)("redisSupport: no child process outlives its test", () => {
  it.live("a scope interrupted mid-test (as by a timeout) stops its redis-server", () =>
    Effect.gen(function*() {
      let pid = 0
      const exit = yield* Effect.exit(
        Effect.gen(function*() {
          yield* redisServer
          pid = runningPids().at(-1)!
          assert.isTrue(alive(pid))
          return yield* Effect.never
        }).pipe(Effect.scoped, Effect.timeout("300 millis"))
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.isAbove(pid, 0)
      assert.isTrue(yield* gone(pid))
    }))

  it.live("killAll (the afterAll of every file importing the support) kills what no scope stopped", () =>
    Effect.gen(function*() {
      // started outside any scope, as by a test that timed out before its release ran
      const port = 20_000 + Math.floor(Math.random() * 20_000)
      const server = yield* Effect.promise(() => launch(redisBinary!, port))
      const worker = spawnWorker("webhookWorker.ts", { REDIS_URL: `redis://127.0.0.1:${port}`, PREFIX: "x:" })
      const pids = runningPids()
      assert.include(pids, server.pid!)
      assert.strictEqual(pids.length, 2)
      yield* Effect.promise(killAll)
      for (const pid of pids) assert.isTrue(yield* gone(pid), `pid ${pid} killed`)
      assert.deepStrictEqual(runningPids(), [])
      assert.isNotNull(yield* Effect.promise(() => worker.exit.then(() => "exited")))
    }))
})
