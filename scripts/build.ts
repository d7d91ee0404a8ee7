/**
 * `npm run build`: compiles `src/` to `dist/` with `tsc -b tsconfig.build.json` (ESM `.js`, `.d.ts`, source maps and
 * declaration maps) from a clean slate, then marks the two command-line entry points executable.
 *
 * The clean slate matters: `tsc -b` skips the build when its `.tsbuildinfo` says it is up to date, even if `dist/`
 * was deleted meanwhile, and files of removed modules would otherwise stay in `dist/` and be published.
 */
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"

const root = path.resolve(import.meta.dirname, "..")

/** The executables of the `bin` field, relative to the package root. */
export const bins = ["dist/node/cli.js", "dist/node/simulator-cli.js"] as const

export const build = (): void => {
  fs.rmSync(path.join(root, "dist"), { recursive: true, force: true })
  fs.rmSync(path.join(root, "build", "tsconfig.build.tsbuildinfo"), { force: true })
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const result = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { cwd: root, stdio: "inherit" })
  if (result.status !== 0) throw new Error(`tsc -b tsconfig.build.json failed (status ${result.status})`)
  for (const bin of bins) {
    const file = path.join(root, bin)
    if (!fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")) throw new Error(`${bin}: no shebang`)
    fs.chmodSync(file, 0o755)
  }
}

if (import.meta.main) {
  const started = Date.now()
  build()
  console.log(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
