/**
 * Test tiers: `unit` (pure code, property tests) and `integration` (real processes and
 * sockets on 127.0.0.1, needs `npm run build`). fast-check is configured in test/setup.ts.
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
