import { defaultClientConditions, defaultServerConditions } from "vite"
import { defineConfig } from "vitest/config"

/**
 * The export condition that maps `effect-esim-access` (a self-reference through package.json `exports`) to the
 * TypeScript sources, so tests need no build. Published consumers never set it and get `dist/`.
 */
const source = "@effect-esim-access/source"

export default defineConfig({
  resolve: { conditions: [source, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [source, ...defaultServerConditions] } },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Node processes that tests spawn (workers, examples) resolve the package to its sources too
    env: { NODE_OPTIONS: [process.env["NODE_OPTIONS"], `--conditions=${source}`].filter(Boolean).join(" ") },
    // logs of passing tests (deliberate failures, fake secrets) are noise; a failing test still shows its logs
    silent: "passed-only"
  }
})
