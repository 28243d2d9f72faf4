import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that build network namespaces use fixed names; run files one after another.
    fileParallelism: false,
    reporters: ["default", "./test/support/closingLineReporter.ts"],
  },
});
