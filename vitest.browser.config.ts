import { defineConfig } from "vitest/config";

// Browser tests: a real headless Chromium (playwright-core + @sparticuz/chromium from npm) against
// the bundled Worker under Miniflare and the destination sandbox. Run alone after the end-to-end
// suite by `npm test`: one browser and one workerd are heavy, so nothing runs beside them.
export default defineConfig({
  test: {
    include: ["test-node/browser/**/*.browser.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
