import { defaultClientConditions, defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

/**
 * The export condition that maps `effect-esim-access` (a self-reference through package.json `exports`) to the
 * TypeScript sources, so tests need no build. Published consumers never set it and get `dist/`.
 */
const source = "@effect-esim-access/source"

/**
 * Test files that measure a rate in real time (requests per second across processes). They run in a group of
 * their own, never beside another test file: on a machine of more cores than two, vitest runs files side by side,
 * and a rate measured beside the TypeDoc build or the fuzzers measures the machine.
 */
const throughput = ["test/redis.rateLimit.test.ts"]

export default defineConfig({
  resolve: { conditions: [source, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [source, ...defaultServerConditions] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Node processes that tests spawn (workers, examples) resolve the package to its sources too
    env: { NODE_OPTIONS: [process.env["NODE_OPTIONS"], `--conditions=${source}`].filter(Boolean).join(" ") },
    // logs of passing tests (deliberate failures, fake secrets) are noise; a failing test still shows its logs
    silent: "passed-only",
    projects: [
      {
        extends: true,
        test: { name: "tests", include: ["test/**/*.test.ts", "examples/**/*.test.ts"], exclude: throughput }
      },
      { extends: true, test: { name: "throughput", include: throughput, sequence: { groupOrder: 1 } } }
    ]
  }
})
