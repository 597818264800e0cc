/**
 * Test tiers: `unit` (pure code, property tests), `sim` (multi-volunteer scenarios against an
 * in-process coordinator) and `integration` (real processes and sockets on 127.0.0.1, needs
 * `npm run build`). fast-check is configured in test/setup.ts.
 * @module
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/vectors/**/*.test.ts"],
          setupFiles: ["test/setup.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "sim",
          include: ["test/sim/**/*.test.ts"],
          setupFiles: ["test/setup.ts"],
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          setupFiles: ["test/setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
