import { defineConfig } from "vitest/config";

// End-to-end tests of the real app binary through tauri-driver; run by `cargo xtask test`
// (under xvfb-run), never by the unit-test run.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/driver.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
