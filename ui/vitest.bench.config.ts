import { defineConfig } from "vitest/config";

// The desktop app's benchmarks through tauri-driver; run by `cargo xtask bench-app` (under
// xvfb-run), which prepares the 300-item store and prints the table from the results. The
// spec starts its own drivers on free ports, so it needs no global setup.
export default defineConfig({
  test: {
    include: ["e2e/bench.e2e.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
