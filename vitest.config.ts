import { readFileSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Every outbound base URL of wrangler.toml's top-level `[vars]` (`*_API_BASE`), pointed at a
 * `https://<name>.test` host the tests intercept (TIKTOK_API_BASE → https://tiktok.test), so a new
 * destination's variable needs no edit here. A few keep the hosts existing tests were written for.
 */
function testBaseUrls(): Record<string, string> {
  const toml = readFileSync(path.join(import.meta.dirname, "wrangler.toml"), "utf8");
  const vars = /^\[vars\]\s*$([\s\S]*?)^\[/m.exec(toml)?.[1] ?? "";
  const names = [...vars.matchAll(/^([A-Z][A-Z0-9_]*_API_BASE)\s*=/gm)].map((m) => m[1]!);
  const hosts: Record<string, string> = { GOOGLE_ADS_API_BASE: "googleads", GOOGLE_DATA_MANAGER_API_BASE: "datamanager" };
  return Object.fromEntries(
    names.map((name) => [name, `https://${hosts[name] ?? name.slice(0, -"_API_BASE".length).toLowerCase().replaceAll("_", "-")}.test`]),
  );
}

// Tests run inside workerd: the Worker, its Durable Objects and the test file share one isolate,
// so MSW in test/setup.ts intercepts fetches made by TenantRelay alarms too.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        remoteBindings: false,
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ENVIRONMENT: "dev",
            DO_JURISDICTION: "none",
            ADMIN_TOKEN: "test-admin-token",
            ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            // Tests run as a relay in the middle of a key rotation: every secret written under this
            // older key must still open (test/admin/key-rotation.test.ts).
            ENCRYPTION_KEY_PREVIOUS: "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=",
            ...testBaseUrls(),
            GOOGLE_OAUTH_TOKEN_URL: "https://oauth.test/token",
            // Not wrangler.toml's versions, so tests can tell the operator's version from a tenant's
            // pin and from the built-in fallback.
            META_API_VERSION: "v24.0",
            GOOGLE_ADS_API_VERSION: "v24",
          },
        },
      }),
    ],
    test: {
      // Tests sit in test/ or next to the code they test (src/destinations/<type>/*.test.ts);
      // *.node.test.ts run in Node (vitest.node.config.ts).
      include: ["test/**/*.test.ts", "src/**/*.test.ts"],
      exclude: ["**/*.node.test.ts", "**/node_modules/**"],
      setupFiles: ["./test/setup.ts"],
    },
  };
});
