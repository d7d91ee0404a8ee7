/**
 * The README's "Every module, by example" program, taken from the README as it stands, run with Node on the
 * in-process simulator: it must finish and print what the README promises (the docs test type-checks it too).
 */
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { markdownExamples } from "../scripts/docs-check.ts"

const root = path.resolve(import.meta.dirname, "..")
// inside the repository, so `effect-esim-access` resolves to the sources as for the examples
const file = path.join(root, "build", "readme-tour.ts")

afterAll(() => fs.rmSync(file, { force: true }))

describe("README: every module, by example", () => {
  it("runs on the in-process simulator and prints each step", () => {
    const tour = markdownExamples(["README.md"]).find((example) => example.name === "Every module, by example")
    expect(tour).toBeDefined()
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, tour!.code)
    const result = spawnSync(
      process.execPath,
      ["--no-warnings", "--conditions=@effect-esim-access/source", file],
      { cwd: root, encoding: "utf8", timeout: 60_000, env: { ...process.env, ESIM_ACCESS_CODE: "" } }
    )
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    const lines = result.stdout.trim().split("\n")
    expect(lines[0]).toBe("balance $1000.00")
    expect(lines[1]).toMatch(/^\d{3} locations, e\.g\. \w+/)
    expect(lines[2]).toMatch(/^Japan .+: \$\d+\.\d\d, [\d.]+ [MG]B$/)
    expect(lines[3]).toMatch(/^B\d+: 89\d+ LPA:1\$\S+ https:\/\/\S+\.png$/)
    expect(lines[4]).toMatch(/^now [\d.]+ [MG]B, \d+ days$/)
    expect(lines[5]).toBe("used 100 MB of 1 GB")
    expect(lines[6]).toMatch(/^no SMS: /)
    expect(lines[7]).toBe("webhook: none")
  }, 90_000)
})
