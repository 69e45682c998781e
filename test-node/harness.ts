import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";

const root = path.resolve(import.meta.dirname, "..");
export const ADMIN_TOKEN = "e2e-admin-token";

/** D1 migrations applied in order, one statement at a time (comments stripped). */
async function applyMigrations(mf: Miniflare): Promise<void> {
  const db = await mf.getD1Database("DB");
  const dir = path.join(root, "migrations");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    const sql = readFileSync(path.join(dir, file), "utf8").replace(/--.*$/gm, "");
    for (const statement of sql.split(";").map((s) => s.trim()).filter(Boolean)) {
      await db.prepare(statement).run();
    }
  }
}

/**
 * The real bundled Worker (dist/index.js from `npm run build`) under the Miniflare API, with the
 * bindings of wrangler.toml and the outbound base URLs pointed at a local sandbox.
 */
export async function startRelay(opts: { sandboxUrl: string }): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(root, "dist/index.js"),
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    bindings: {
      ENVIRONMENT: "dev",
      DO_JURISDICTION: "none",
      ADMIN_TOKEN,
      ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      META_API_BASE: `${opts.sandboxUrl}/meta`,
      GOOGLE_ADS_API_BASE: `${opts.sandboxUrl}/google-ads`,
      GOOGLE_OAUTH_TOKEN_URL: `${opts.sandboxUrl}/google-oauth/token`,
      GOOGLE_DATA_MANAGER_API_BASE: `${opts.sandboxUrl}/google-dm`,
      ROLLER_API_BASE: `${opts.sandboxUrl}/roller`,
    },
    durableObjects: { TENANT_RELAY: { className: "TenantRelay", useSQLite: true } },
    kvNamespaces: ["CONFIG"],
    d1Databases: { DB: "sluice" },
    r2Buckets: ["EVENTS", "EVENTS_EU"],
    ratelimits: { INGEST_RL: { simple: { limit: 600, period: 60 } } },
  });
  await mf.ready;
  await applyMigrations(mf);
  return mf;
}
