import { defineConfig } from "vitest/config";

// End-to-end tests: the bundled Worker (dist/) under the Miniflare API, talking over real HTTP to
// the local destination sandbox. Run by `npm test` after `npm run build`.
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts", "src/**/*.node.test.ts"],
    exclude: ["test-node/browser/**", "**/node_modules/**"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
