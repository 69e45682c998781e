#!/usr/bin/env node
// `npm start`: the whole relay on this machine, from a fresh clone (`npm install && npm start`).
//
//   1. .dev.vars from .dev.vars.example if missing (ADMIN_TOKEN, ENCRYPTION_KEY for local use)
//   2. D1 migrations applied to the local database (`wrangler d1 migrations apply DB --local`)
//   3. the destination sandbox on 127.0.0.1:8788 (SANDBOX_PORT), in this process
//   4. `wrangler dev` on 127.0.0.1:8787 (RELAY_PORT) with every *_API_BASE pointing into the sandbox,
//      waited for until GET /healthz answers 200
//   5. the demo tenant seeded through the Admin API, idempotently (its API key, shown only when the
//      tenant is created, is kept in .sandbox/demo.json)
//   6. the URLs and how to send a sample webhook (`npm run sample`)
//   7. Ctrl-C stops wrangler and the sandbox.
//
// Extra arguments go to `wrangler dev`, e.g. `npm start -- --inspector-port 9333`.

import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { sandboxBaseUrls, startSandbox } from "../sandbox/server.mjs";
import {
  DEMO_DESTINATION_ID,
  DEMO_GOOGLE_DESTINATIONS,
  DEMO_FILE,
  DEMO_META_DESTINATION,
  DEMO_SIGNING_SECRET,
  DEMO_SOURCE_ID,
  DEMO_TENANT,
  RELAY_PORT,
  ROOT,
  SANDBOX_PORT,
  readDemoState,
  readDotenv,
  writeDemoState,
} from "./lib/demo.mjs";

const HOST = "127.0.0.1";
const RELAY_URL = `http://${HOST}:${RELAY_PORT}`;
const HEALTH_TIMEOUT_MS = Number(process.env.START_HEALTH_TIMEOUT_MS ?? 120_000);
const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

/** Child processes get no prompts and send no metrics (local runs may be offline). */
const CHILD_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: process.env.FORCE_COLOR ?? "1" } : {}),
};

/** @param {string} msg */
const say = (msg) => console.log(`[start] ${msg}`);

class StartError extends Error {}

// ---------------------------------------------------------------------------------------------

function ensureDevVars() {
  const devVars = join(ROOT, ".dev.vars");
  const example = join(ROOT, ".dev.vars.example");
  if (!existsSync(devVars)) {
    if (!existsSync(example)) throw new StartError(".dev.vars is missing and there is no .dev.vars.example to copy");
    copyFileSync(example, devVars);
    say("created .dev.vars from .dev.vars.example (local-only ADMIN_TOKEN and ENCRYPTION_KEY)");
  }
  const vars = readDotenv(devVars);
  if (!vars.ADMIN_TOKEN) throw new StartError(".dev.vars has no ADMIN_TOKEN");
  if (!vars.ENCRYPTION_KEY) throw new StartError(".dev.vars has no ENCRYPTION_KEY");
  return vars;
}

/**
 * Runs wrangler to completion with prefixed output.
 * @param {string[]} args
 * @param {string} prefix
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
function runWrangler(args, prefix, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    pipeWithPrefix(child.stdout, process.stdout, prefix);
    pipeWithPrefix(child.stderr, process.stderr, prefix);
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * @param {import("node:stream").Readable | null} from
 * @param {NodeJS.WriteStream} to
 * @param {string} prefix
 */
function pipeWithPrefix(from, to, prefix) {
  if (!from) return;
  const rl = createInterface({ input: from, crlfDelay: Infinity });
  rl.on("line", (line) => to.write(`${prefix} ${line}\n`));
}

async function applyMigrations() {
  say("applying D1 migrations to the local database…");
  // CI=true: wrangler's confirmation ("About to apply N migration(s)…") takes its default, yes.
  const code = await runWrangler(["d1", "migrations", "apply", "DB", "--local"], "[migrate]", { ...CHILD_ENV, CI: "true" });
  if (code !== 0) throw new StartError(`wrangler d1 migrations apply failed (exit ${code})`);
}

/**
 * @param {number} port
 * @param {string} what
 */
async function assertPortFree(port, what) {
  await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (/** @type {NodeJS.ErrnoException} */ err) =>
      reject(
        err.code === "EADDRINUSE"
          ? new StartError(`port ${port} (${what}) is already in use: stop what runs there or set another port`)
          : err,
      ),
    );
    probe.listen(port, HOST, () => probe.close(() => resolve(undefined)));
  });
}

/**
 * @param {() => boolean} stillRunning
 */
async function waitForHealth(stillRunning) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!stillRunning()) throw new StartError("wrangler dev exited before the relay answered /healthz");
    try {
      const res = await fetch(`${RELAY_URL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new StartError(`the relay did not answer GET ${RELAY_URL}/healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

/**
 * @param {string} adminToken
 * @param {string} sandboxUrl
 * @returns {Promise<{ apiKey?: string, created: boolean }>}
 */
async function seedDemoTenant(adminToken, sandboxUrl) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  const call = async (method, path, body) => {
    const res = await fetch(`${RELAY_URL}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    /** @type {any} */
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  /**
   * @param {string} what
   * @param {{ status: number, json: any, text: string }} r
   */
  const fail = (what, r) => {
    const detail = r.json?.error ? `${r.json.error.code ?? ""} ${r.json.error.message ?? ""}`.trim() : r.text.slice(0, 200);
    return new StartError(`${what}: HTTP ${r.status} ${detail}`);
  };

  const previous = readDemoState();
  let apiKey = previous?.tenantId === DEMO_TENANT.id ? previous.apiKey : undefined;
  let created = false;
  const existing = await call("GET", `/v1/admin/tenants/${DEMO_TENANT.id}`);
  if (existing.status === 200) {
    say(`demo tenant "${DEMO_TENANT.id}" exists; reusing it`);
  } else if (existing.status === 404) {
    const res = await call("POST", "/v1/admin/tenants", DEMO_TENANT);
    if (res.status === 201 || res.status === 200) {
      apiKey = typeof res.json?.apiKey === "string" ? res.json.apiKey : undefined;
      created = true;
      say(`created demo tenant "${DEMO_TENANT.id}"`);
    } else if (res.status === 409) {
      say(`demo tenant "${DEMO_TENANT.id}" exists; reusing it`);
    } else {
      throw fail("creating the demo tenant", res);
    }
  } else {
    throw fail("reading the demo tenant", existing);
  }

  const source = await call("PUT", `/v1/admin/tenants/${DEMO_TENANT.id}/sources/${DEMO_SOURCE_ID}`, {
    type: "standard",
    secret: DEMO_SIGNING_SECRET,
  });
  if (source.status < 200 || source.status > 299) throw fail("configuring the demo source", source);
  const dest = await call("PUT", `/v1/admin/tenants/${DEMO_TENANT.id}/destinations/${DEMO_DESTINATION_ID}`, DEMO_META_DESTINATION);
  if (dest.status < 200 || dest.status > 299) throw fail("configuring the demo Meta destination", dest);
  for (const [id, body] of Object.entries(DEMO_GOOGLE_DESTINATIONS)) {
    const google = await call("PUT", `/v1/admin/tenants/${DEMO_TENANT.id}/destinations/${id}`, body);
    if (google.status < 200 || google.status > 299) throw fail(`configuring the demo ${id} destination`, google);
  }

  const now = new Date().toISOString();
  writeDemoState({
    tenantId: DEMO_TENANT.id,
    ...(apiKey ? { apiKey } : {}),
    sourceId: DEMO_SOURCE_ID,
    signingSecret: DEMO_SIGNING_SECRET,
    relayUrl: RELAY_URL,
    sandboxUrl,
    ...(created ? { createdAt: now } : previous?.createdAt ? { createdAt: previous.createdAt } : {}),
    updatedAt: now,
  });
  return { ...(apiKey ? { apiKey } : {}), created };
}

/**
 * @param {{ sandboxUrl: string, apiKey?: string, seeded: boolean }} info
 */
function printBanner({ sandboxUrl, apiKey, seeded }) {
  const line = "─".repeat(78);
  const rows = [
    "",
    line,
    "  Sluice is running locally",
    "",
    `  Relay     ${RELAY_URL}            (GET /healthz)`,
    `  Sandbox   ${sandboxUrl}/           open it in a browser: what Meta and Google received`,
    "",
    seeded
      ? `  Demo      tenant "${DEMO_TENANT.id}", source "${DEMO_SOURCE_ID}" (standard), destination "${DEMO_DESTINATION_ID}" (pixel ${DEMO_META_DESTINATION.settings.pixelId}, test code ${DEMO_META_DESTINATION.settings.testEventCode}), "google-dm", "google-ads"`
      : "  Demo      NOT seeded (see the warning above); the relay still runs",
    seeded
      ? apiKey
        ? `  API key   ${apiKey}   (saved in ${DEMO_FILE.replace(`${ROOT}/`, "")})`
        : `  API key   unknown: it is shown only on creation. Delete the tenant (or .wrangler/state) to get a new one`
      : "",
    "  Admin     Authorization: Bearer <ADMIN_TOKEN from .dev.vars>",
    "",
    "  Send a sample purchase:   npm run sample      (node scripts/send-sample.mjs)",
    `  Webhook URL:              ${RELAY_URL}/v1/hooks/${DEMO_TENANT.id}/${DEMO_SOURCE_ID}`,
    `  Inject destination faults: curl -X POST ${sandboxUrl}/__sandbox/faults -d '[{"times":1,"response":{"status":503}}]'`,
    "",
    "  Stop: Ctrl-C",
    line,
    "",
  ];
  console.log(rows.filter((r) => r !== undefined).join("\n"));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const extraArgs = process.argv.slice(2);
  const vars = ensureDevVars();
  await applyMigrations();
  await assertPortFree(RELAY_PORT, "relay");

  /** @type {Awaited<ReturnType<typeof startSandbox>> | undefined} */
  let sandbox;
  try {
    sandbox = await startSandbox({ port: SANDBOX_PORT, host: HOST });
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code === "EADDRINUSE") {
      throw new StartError(`port ${SANDBOX_PORT} (sandbox) is already in use: stop what runs there or set SANDBOX_PORT`);
    }
    throw err;
  }
  say(`sandbox listening on ${sandbox.url}`);

  const base = sandbox.url;
  const wranglerArgs = [
    "dev",
    "--port",
    String(RELAY_PORT),
    "--ip",
    HOST,
    ...Object.entries(sandboxBaseUrls(base)).flatMap(([name, url]) => ["--var", `${name}:${url}`]),
    "--show-interactive-dev-session=false",
    ...extraArgs,
  ];
  say("starting wrangler dev…");
  // stdin ignored and output piped: wrangler stays non-interactive, so Ctrl-C reaches us as SIGINT
  // (its hotkey mode would swallow it in raw mode).
  const wrangler = spawn(process.execPath, [WRANGLER, ...wranglerArgs], {
    cwd: ROOT,
    env: CHILD_ENV,
    stdio: ["ignore", "pipe", "pipe"],
  });
  pipeWithPrefix(wrangler.stdout, process.stdout, "[relay]");
  pipeWithPrefix(wrangler.stderr, process.stderr, "[relay]");
  let wranglerRunning = true;
  /** @type {Promise<number>} */
  const wranglerExited = new Promise((resolve) => {
    wrangler.once("exit", (code, signal) => {
      wranglerRunning = false;
      resolve(code ?? (signal ? 1 : 0));
    });
    wrangler.once("error", (err) => {
      wranglerRunning = false;
      console.error(`[start] could not run wrangler: ${err.message}`);
      resolve(1);
    });
  });

  let stopping = false;
  /** @param {number} exitCode */
  const stop = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    say("stopping…");
    if (wranglerRunning) {
      wrangler.kill("SIGTERM");
      const killer = setTimeout(() => wranglerRunning && wrangler.kill("SIGKILL"), 10_000);
      await wranglerExited;
      clearTimeout(killer);
    }
    await sandbox?.close();
    say("stopped");
    process.exit(exitCode);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGHUP", () => void stop(0));
  process.on("exit", () => {
    if (wranglerRunning) wrangler.kill("SIGKILL");
  });
  void wranglerExited.then((code) => {
    if (!stopping) {
      console.error(`[start] wrangler dev exited (code ${code}); stopping the sandbox`);
      void stop(code === 0 ? 1 : code);
    }
  });

  try {
    await waitForHealth(() => wranglerRunning);
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
    return;
  }
  say(`relay is up at ${RELAY_URL}`);

  /** @type {{ apiKey?: string, created: boolean } | undefined} */
  let seed;
  try {
    seed = await seedDemoTenant(vars.ADMIN_TOKEN ?? "", sandbox.url);
  } catch (err) {
    console.warn(`[start] WARNING: could not seed the demo tenant: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (stopping) return;
  printBanner({ sandboxUrl: sandbox.url, ...(seed?.apiKey ? { apiKey: seed.apiKey } : {}), seeded: seed !== undefined });
}

main().catch((err) => {
  console.error(`[start] ${err instanceof StartError ? err.message : err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
