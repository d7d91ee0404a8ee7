/**
 * Tree-shaking: what a user's bundle carries when it imports one module from the package root. esbuild bundles a
 * file that imports only `Balance` and runs `Balance.query()`, from the sources (the package's
 * `@effect-esim-access/source` condition; `test/package.test.ts` does the same from the published `dist/`), once with
 * `effect` external (our code alone) and once with `effect` bundled (what ships to a browser or an edge function).
 *
 * `sideEffects` in package.json lets the bundler drop every module whose exports go unused: the simulator, the
 * webhook receiver, Redis and the CLI must not be in it. The whole root, bundled, must not reach Node-only code.
 */
import { build, type Metafile } from "esbuild"
import path from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "..")

interface Bundle {
  readonly bytes: number
  readonly gzip: number
  /** bytes in the output per input: our files by path under src/, effect's added up as "effect" */
  readonly inputs: Record<string, number>
  readonly imports: ReadonlyArray<string>
}

const bundle = async (contents: string, options: { readonly external: boolean }): Promise<Bundle> => {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: "entry.ts", loader: "ts" },
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["@effect-esim-access/source"],
    minify: true,
    write: false,
    metafile: true,
    external: options.external ? ["effect", "effect/*"] : [],
    logLevel: "silent"
  })
  const output: Metafile["outputs"][string] = Object.values(result.metafile.outputs)[0]!
  const inputs: Record<string, number> = {}
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue
    const key = file.includes("node_modules/effect/") ? "effect" : file.replace(/^.*?src\//, "")
    inputs[key] = (inputs[key] ?? 0) + bytesInOutput
  }
  const code = result.outputFiles[0]!.contents
  return { bytes: code.byteLength, gzip: gzipSync(code).byteLength, inputs, imports: output.imports.map((i) => i.path) }
}

const ours = (b: Bundle) => Object.entries(b.inputs).filter(([file]) => file !== "effect" && file !== "entry.ts")
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`

const balanceOnly = `import { Balance } from "effect-esim-access"
export const program = Balance.query()
`

/** Modules a Balance-only bundle must not carry. */
const unwanted =
  /Simulator|simulator\/|WebhookReceiver|WebhookEvent|Redis|node\/|Orders|Profiles|Packages|EsimAccessTest/

describe("a bundle that imports only Balance", () => {
  it("with effect external: our code only, small, none of the other modules", async () => {
    const b = await bundle(balanceOnly, { external: true })
    const files = ours(b)
    const ownBytes = files.reduce((n, [, bytes]) => n + bytes, 0)
    console.log(
      `Balance only, effect external: ${kib(b.bytes)} minified, ${kib(b.gzip)} gzip; ours ${kib(ownBytes)}: ` +
        files.sort((x, y) => y[1] - x[1]).map(([file, bytes]) => `${file} ${bytes}`).join(", ")
    )
    expect(files.map(([file]) => file).filter((file) => unwanted.test(file))).toEqual([])
    expect(files.map(([file]) => file)).toContain("Balance.ts")
    expect(ownBytes).toBeLessThan(32 * 1024)
    // effect stays an import, nothing else
    expect(b.imports.filter((i) => i !== "effect" && !i.startsWith("effect/"))).toEqual([])
  })

  it("with effect bundled: reports effect's share; ours is the same few modules", async () => {
    const b = await bundle(balanceOnly, { external: false })
    const files = ours(b)
    const ownBytes = files.reduce((n, [, bytes]) => n + bytes, 0)
    console.log(
      `Balance only, effect bundled: ${kib(b.bytes)} minified, ${kib(b.gzip)} gzip; effect ${
        kib(b.inputs["effect"] ?? 0)
      }, ours ${kib(ownBytes)}`
    )
    expect(files.map(([file]) => file).filter((file) => unwanted.test(file))).toEqual([])
    expect(ownBytes).toBeLessThan(32 * 1024)
    expect(b.imports).toEqual([])
    // effect's Schema, HttpClient and runtime dominate; a ceiling that catches an accidental whole-library import
    expect(b.bytes).toBeLessThan(700 * 1024)
  })
})

describe("the package root", () => {
  it("bundles for a neutral platform: no Node built-ins, no @effect/platform-node", async () => {
    const b = await bundle(`export * from "effect-esim-access"\n`, { external: true })
    console.log(`the whole root, effect external: ${kib(b.bytes)} minified, ${kib(b.gzip)} gzip`)
    expect(b.imports.filter((i) => i.startsWith("node:") || i.startsWith("@effect/platform-node"))).toEqual([])
    expect(Object.keys(b.inputs).filter((file) => file.startsWith("node/") || file.includes("Redis"))).toEqual([])
  })
})
