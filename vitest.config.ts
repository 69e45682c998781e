import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
            META_API_BASE: "https://meta.test",
            GOOGLE_ADS_API_BASE: "https://googleads.test",
            GOOGLE_OAUTH_TOKEN_URL: "https://oauth.test/token",
            GOOGLE_DATA_MANAGER_API_BASE: "https://datamanager.test",
            ROLLER_API_BASE: "https://roller.test",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
    },
  };
});
