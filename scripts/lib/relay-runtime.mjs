// The bundled relay (dist/index.js) under the Miniflare API, for everything that runs it outside
// the test pool: the soak (`npm run soak`), the crash-restart test's child process
// (test-node/relay-runner.mjs) and the end-to-end tests (test-node/harness.ts). Same bindings as
// wrangler.toml; the outbound base URLs point at a local sandbox, and the relay listens on loopback over HTTP.
//
//   ensureBuilt({ log })               rebuilds dist/ when it is missing or older than the sources
//   startRelayRuntime({ sandboxUrl, persistRoot?, port?, retryTimeScale?, ingestLimit?, onLogLine? })
//                                      → { mf, url }; applies the D1 migrations unless migrate: false

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { sandboxBaseUrls } from "../../sandbox/server.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST_ENTRY = path.join(ROOT, "dist/index.js");
export const DEFAULT_ADMIN_TOKEN = "local-runtime-admin-token";
/** 32 bytes 0..31, base64: a fixed local-only key (the same as the e2e harness). */
export const DEFAULT_ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/** What the bundle is built from: a change to any of these makes dist/ stale. */
const BUILD_INPUTS = ["src", "durable-objects", "wrangler.toml", "package.json", "package-lock.json", "tsconfig.json"];

/** @param {string} p @returns {number} newest mtime (ms) under p, bounded walk */
function newestMtime(p, budget = { files: 20_000 }) {
  if (!existsSync(p) || budget.files-- <= 0) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name), budget));
  return newest;
}

/** Whether dist/index.js is missing or older than any build input. */
export function distIsStale() {
  if (!existsSync(DIST_ENTRY)) return true;
  const built = statSync(DIST_ENTRY).mtimeMs;
  return BUILD_INPUTS.some((p) => newestMtime(path.join(ROOT, p)) > built);
}

/**
 * Builds the Worker (`wrangler deploy --dry-run --outdir dist`) when dist/ is missing or stale.
 * @param {{ log?: (line: string) => void, force?: boolean }} [opts]
 * @returns {boolean} whether it built
 */
export function ensureBuilt({ log = () => {}, force = false } = {}) {
  if (!force && !distIsStale()) return false;
  log("building the Worker (wrangler deploy --dry-run --outdir dist) …");
  const wrangler = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const res = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", "dist"], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    encoding: "utf8",
    timeout: 180_000,
  });
  if (res.status !== 0) {
    throw new Error(`the build failed (exit ${res.status ?? res.signal}):\n${(res.stdout ?? "") + (res.stderr ?? "")}`);
  }
  return true;
}

/**
 * D1 migrations in order, one statement at a time (comments stripped).
 * @param {Miniflare} mf
 */
export async function applyMigrations(mf) {
  const db = await mf.getD1Database("DB");
  const dir = path.join(ROOT, "migrations");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(path.join(dir, file), "utf8").replace(/--.*$/gm, "");
    for (const statement of sql
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean)) {
      await db.prepare(statement).run();
    }
  }
}

/**
 * @typedef {{
 *   sandboxUrl: string,
 *   persistRoot?: string,
 *   host?: string,
 *   port?: number,
 *   adminToken?: string,
 *   retryTimeScale?: string | number,
 *   ingestLimit?: number,
 *   migrate?: boolean,
 *   onLogLine?: (line: string, stream: "stdout" | "stderr") => void,
 * }} RelayRuntimeOptions
 *   persistRoot: a directory for every store (Durable Objects, D1, KV, R2); without it the state
 *   lives in a temporary directory that goes with the runtime.
 *   retryTimeScale: the RETRY_TIME_SCALE binding (soak and crash tests only; unset = 1).
 *   ingestLimit: verified webhooks per 60 s per tenant (wrangler.toml WEBHOOK_TENANT_RL has 120000).
 *   onLogLine: each line the runtime (workerd) writes; default: dropped.
 */

/**
 * Starts the bundled relay and waits until it listens.
 * @param {RelayRuntimeOptions} opts
 * @returns {Promise<{ mf: Miniflare, url: string }>}
 */
export async function startRelayRuntime(opts) {
  if (!existsSync(DIST_ENTRY)) throw new Error("dist/index.js is missing: run `npm run build` first");
  const onLine = opts.onLogLine;
  const mf = new Miniflare({
    modules: true,
    scriptPath: DIST_ENTRY,
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    ...(opts.persistRoot ? { defaultPersistRoot: opts.persistRoot } : {}),
    /** @param {import("node:stream").Readable} stdout @param {import("node:stream").Readable} stderr */
    handleRuntimeStdio(stdout, stderr) {
      for (const [stream, name] of /** @type {const} */ ([
        [stdout, "stdout"],
        [stderr, "stderr"],
      ])) {
        if (!onLine) {
          stream.resume();
          continue;
        }
        createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => onLine(line, name));
      }
    },
    bindings: {
      ENVIRONMENT: "dev",
      DO_JURISDICTION: "none",
      ADMIN_TOKEN: opts.adminToken ?? DEFAULT_ADMIN_TOKEN,
      ENCRYPTION_KEY: DEFAULT_ENCRYPTION_KEY,
      ...sandboxBaseUrls(opts.sandboxUrl),
      ...(opts.retryTimeScale !== undefined ? { RETRY_TIME_SCALE: String(opts.retryTimeScale) } : {}),
    },
    durableObjects: { TENANT_RELAY: { className: "TenantRelay", useSQLite: true } },
    kvNamespaces: ["CONFIG"],
    d1Databases: { DB: "sluice" },
    r2Buckets: ["EVENTS", "EVENTS_EU"],
    // As wrangler.toml [[ratelimits]]; `ingestLimit` raises the per-tenant webhook quota.
    ratelimits: {
      WEBHOOK_TENANT_RL: { simple: { limit: opts.ingestLimit ?? 120_000, period: 60 } },
      AUTH_FAILURE_RL: { simple: { limit: 60, period: 60 } },
      BEACON_IP_RL: { simple: { limit: 300, period: 60 } },
      BEACON_TENANT_RL: { simple: { limit: 60_000, period: 60 } },
    },
  });
  const ready = await mf.ready;
  if (opts.migrate !== false) await applyMigrations(mf);
  return { mf, url: ready.origin };
}
