/**
 * The image test's own vitest project (npm run test:image, after test/image/run.sh built the
 * image): kept out of `npm test`, whose pattern is *.test.ts.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../../", import.meta.url)),
    include: ["test/image/**/*.image.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
