import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // logs of passing tests (deliberate failures, fake secrets) are noise; a failing test still shows its logs
    silent: "passed-only"
  }
})
