/**
 * The Redis support stays behind its own entry points: the package root never loads Node modules or a Redis client,
 * `effect-esim-access/Redis` needs only `effect`, and only `effect-esim-access/node/Redis` loads
 * `@effect/platform-node` (whose `NodeRedis` loads the `redis` client). Checked on the runtime import graph of the
 * sources (comments and `import type` left out).
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"

const src = path.join(import.meta.dirname, "..", "src")

/** The modules `entry` loads at runtime: local files (relative to `src`) and package specifiers. */
const runtimeGraph = (entry: string) => {
  const files = new Set<string>()
  const packages = new Set<string>()
  const walk = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    const code = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    const pattern = /^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm
    for (const match of code.matchAll(pattern)) {
      if (match[1] !== undefined) continue
      const specifier = match[2]!
      if (specifier.startsWith(".")) walk(path.resolve(path.dirname(file), specifier))
      else packages.add(specifier)
    }
  }
  walk(path.join(src, entry))
  return { files: [...files].map((file) => path.relative(src, file)), packages: [...packages] }
}

describe("entry points", () => {
  it("the package root loads neither Node modules, nor a Redis client, nor the Redis modules", () => {
    const { files, packages } = runtimeGraph("index.ts")
    assert.isAbove(files.length, 10)
    assert.deepStrictEqual(packages.filter((p) => p === "redis" || p.startsWith("@effect/platform-node")), [])
    assert.deepStrictEqual(packages.filter((p) => p.startsWith("node:")), [])
    assert.deepStrictEqual(files.filter((f) => f === "Redis.ts" || f.startsWith("node")), [])
  })

  it("effect-esim-access/Redis needs only effect (the Redis service is a requirement)", () => {
    const { packages } = runtimeGraph("Redis.ts")
    assert.deepStrictEqual(packages.filter((p) => p !== "effect" && !p.startsWith("effect/")), [])
  })

  it("effect-esim-access/node/Redis is where @effect/platform-node comes in", () => {
    assert.include(runtimeGraph("node/Redis.ts").packages, "@effect/platform-node")
  })
})
