/**
 * The documentation, checked on every `npm test`:
 *
 * - `scripts/docs-check.ts`: every export of a public module has JSDoc with `@since` and `@category` (values also an
 *   example), and every ```ts example in the JSDoc, README.md and CONTRIBUTING.md type-checks against the package
 *   as a user imports it;
 * - `npm run docs`: TypeDoc builds the API reference with warnings as errors (a broken `{@link}`, a public type
 *   referring to one that is not documented), into a temporary folder, with a page per public module.
 */
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { compileExamples, markdownExamples, publicModules, scan } from "../scripts/docs-check.ts"

const root = path.resolve(import.meta.dirname, "..")

describe("JSDoc", () => {
  const report = scan()

  it("documents every export of every public module", () => {
    const gaps = report.gaps.map((gap) => `${gap.file}:${gap.line} ${gap.name}: missing ${gap.missing.join(", ")}`)
    expect(gaps).toEqual([])
  })

  it("has examples that type-check", () => {
    const started = Date.now()
    const markdown = markdownExamples()
    const errors = compileExamples([...report.examples, ...markdown])
    console.log(
      `docs: ${publicModules().length} modules, ${report.examples.length} JSDoc and ${markdown.length} Markdown examples compiled in ${
        ((Date.now() - started) / 1000).toFixed(1)
      } s`
    )
    expect(errors).toEqual([])
    expect(report.examples.length).toBeGreaterThan(100)
    expect(markdown.length).toBeGreaterThan(10)
  })
})

describe("the API reference (TypeDoc)", () => {
  it("builds without a warning, with a page per public module", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "effect-esim-access-docs-"))
    try {
      const typedoc = path.join(root, "node_modules", "typedoc", "bin", "typedoc")
      const result = spawnSync(process.execPath, [typedoc, "--out", out], { cwd: root, encoding: "utf8" })
      // eslint-disable-next-line no-control-regex
      const output = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, "")
      expect(output.split("\n").filter((line) => /\[(warning|error)\]/.test(line))).toEqual([])
      expect(result.status).toBe(0)
      const pages = fs.readdirSync(path.join(out, "modules"))
      const expected = publicModules()
        .filter((file) => file !== "src/index.ts")
        .map((file) => `${file.replace(/^src\//, "").replace(/\.ts$/, "").replace("/", "_")}.html`)
      expect(expected.filter((page) => !pages.includes(page))).toEqual([])
    } finally {
      fs.rmSync(out, { recursive: true, force: true })
    }
  })
})
