#!/usr/bin/env node
// `npm run bench`: the relay against a floor worker, in one run, on this machine.
//
//   npm run bench [-- --duration 15 --concurrency 32 --mix standard|mixed --rounds 3
//                     --profile-iterations 200 --no-profile --json <file> --baseline <dir>]
//
// What it does (everything on loopback, state in a temporary directory that goes at the end):
//   1. starts the destination sandbox in this process (Meta's emulator counts requests, events and
//      when each order arrived);
//   2. starts the relay as `npm start` does (`wrangler dev`, every *_API_BASE pointing into the
//      sandbox, D1 migrated) with BENCH_PROFILE=1 (the profile route and storage counts), and the
//      floor worker (bench/floor: Standard Webhooks HMAC check + one Durable Object SQLite insert +
//      202) with `wrangler dev -c bench/floor/wrangler.toml`;
//   3. creates one tenant (standard source; with --mix mixed also Shopify and Stripe sources and a
//      beacon key) with a Meta destination on the emulator;
//   4. drives the floor and the relay in turns (--rounds slices each, --duration seconds in all per
//      target) at --concurrency connections with signed webhooks carrying consent for Meta; with
//      --mix mixed a third are Shopify orders/paid, a third Stripe checkouts whose consent comes in
//      a browser beacon sent just before (beacons are not counted as webhooks);
//   5. waits for every accepted event to reach the emulator, then asks the relay for a per-stage
//      profile of one webhook, timed inside workerd by repetition (POST /v1/bench/profile);
//   6. prints one table and the same numbers as JSON; exits 1 if a webhook was not answered 2xx or
//      an accepted event was not delivered exactly once.
//
// Numbers are relative: both workers run under `wrangler dev` on the same machine in the same
// run, so the relay/floor ratios are what carries over, not the absolute requests/s.
//
// --baseline <dir> puts another checkout of Sluice (its own `npm ci` done) where the floor was:
// this relay against that one, for changes smaller than the run-to-run noise of the floor's rate.
// The floor's targets do not apply then; the table shows the ratio only.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { API_MODULES, startSandbox } from "../sandbox/server.mjs";
import { META_API_NAME } from "../sandbox/meta.mjs";
import { drive, percentile } from "./lib/bench-load.mjs";
import { loadFixtures, runPrefix, shopifyWebhook, standardWebhook, stripeWithBeacon } from "./lib/bench-workload.mjs";
import { ROOT } from "./lib/demo.mjs";
import { formatSecret } from "./lib/standard-webhooks.mjs";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "15" },
    concurrency: { type: "string", default: "32" },
    mix: { type: "string", default: "standard" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "2" },
    "profile-iterations": { type: "string", default: "200" },
    "no-profile": { type: "boolean", default: false },
    "drain-timeout": { type: "string", default: "60" },
    json: { type: "string" },
    baseline: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run bench -- [--duration 15] [--concurrency 32] [--mix standard|mixed] [--rounds 3] [--warmup 2]\n" +
      "                       [--profile-iterations 200] [--no-profile] [--drain-timeout 60] [--json results.json]\n" +
      "                       [--baseline <another Sluice checkout>]",
  );
  process.exit(0);
}
const num = (/** @type {keyof typeof args} */ name, /** @type {number} */ min, /** @type {number} */ max) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
  return v;
};
const DURATION_MS = num("duration", 1, 3600) * 1000;
const CONCURRENCY = Math.round(num("concurrency", 1, 512));
const ROUNDS = Math.round(num("rounds", 1, 20));
const WARMUP_MS = num("warmup", 0, 60) * 1000;
const PROFILE_N = Math.round(num("profile-iterations", 1, 5000));
const DRAIN_MS = num("drain-timeout", 1, 600) * 1000;
const MIX = args.mix;
if (MIX !== "standard" && MIX !== "mixed") throw new Error("--mix must be standard or mixed");
/** Another checkout of Sluice to compare against instead of the floor (--baseline). */
const BASELINE = args.baseline === undefined ? undefined : path.resolve(args.baseline);
if (BASELINE && !existsSync(path.join(BASELINE, "wrangler.toml"))) throw new Error(`--baseline: no wrangler.toml in ${BASELINE}`);
/** What the relay is measured against: the floor worker, or the --baseline relay. */
const AGAINST = BASELINE ? "baseline" : "floor";

const HOST = "127.0.0.1";
const ADMIN_TOKEN = "bench-admin-token";
/** 32 fixed bytes, base64: a local-only key. */
const ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const WHSEC = formatSecret(Buffer.from("sluice-bench-signing-key-0123456789"));
const SHOPIFY_SECRET = "sluice-bench-shopify-secret-0123456789";
/** Stripe's endpoint secrets start with whsec_ and are used as written (not base64-decoded). */
const STRIPE_SECRET = "whsec_sluicebenchstripesecret0123456789";
const TENANT = "bench";
const PROFILE_TENANT = "bench-profile";
const PIXEL = "1111111111";
const PROFILE_PIXEL = "2222222222";
/** The --baseline relay's tenant sends to its own pixel, kept out of this relay's delivery counts. */
const BASELINE_PIXEL = "3333333333";
const WRANGLER = path.join(path.dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
const CHILD_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

const t0 = Date.now();
const say = (/** @type {string} */ msg) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/**
 * @param {string} name
 * @param {string[]} wranglerArgs
 * @param {string} [cwd] the checkout whose wrangler.toml it runs
 */
function startWrangler(name, wranglerArgs, cwd = ROOT) {
  const child = spawn(process.execPath, [WRANGLER, ...wranglerArgs], { cwd, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"] });
  /** @type {string[]} */
  const tail = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let running = true;
  const exited = new Promise((resolve) =>
    child.once("exit", (code) => {
      running = false;
      resolve(code);
    }),
  );
  return {
    name,
    child,
    tail,
    running: () => running,
    async stop() {
      if (!running) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => running && child.kill("SIGKILL"), 8_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * @param {string} url
 * @param {ReturnType<typeof startWrangler>} proc
 */
async function waitHealthy(url, proc, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running()) throw new Error(`${proc.name} exited before it answered:\n${proc.tail.join("\n")}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(300);
  }
  throw new Error(`${proc.name} did not answer ${url}/healthz within ${timeoutMs / 1000} s:\n${proc.tail.join("\n")}`);
}

/**
 * CPU time (ms) of the workerd processes under `pid` (Linux /proc; null elsewhere): the Worker,
 * its Durable Objects and the runtime's HTTP handling, which is what a webhook costs on the machine.
 * @param {number} pid
 */
function workerdCpuMs(pid) {
  try {
    /** @type {Map<number, { ppid: number, comm: string, ticks: number }>} */
    const procs = new Map();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const comm = stat.slice(stat.indexOf("(") + 1, close);
        const fields = stat.slice(close + 2).split(" ");
        procs.set(Number(entry), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // gone meanwhile
      }
    }
    const under = (/** @type {number} */ p) => {
      for (let cur = procs.get(p)?.ppid, hops = 0; cur && hops < 10; cur = procs.get(cur)?.ppid, hops++) if (cur === pid) return true;
      return false;
    };
    let ticks = 0;
    let found = false;
    for (const [p, info] of procs) {
      if (info.comm.startsWith("workerd") && under(p)) {
        ticks += info.ticks;
        found = true;
      }
    }
    return found ? (ticks * 1000) / 100 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The emulator's view: Meta requests and when each order arrived.

/** @type {{ requests: number, events: number, arrivals: Map<string, number[]>, otherRequests: number }} */
const seen = { requests: 0, events: 0, arrivals: new Map(), otherRequests: 0 };
const countingApis = API_MODULES.map((mod) =>
  mod.name !== META_API_NAME
    ? mod
    : {
        ...mod,
        /** @type {typeof mod.handle} */
        handle(req, ctx) {
          const res = mod.handle(req, ctx);
          if (req.method === "POST" && res.status === 200) {
            const body = /** @type {any} */ (req.body);
            const raw = body?.data;
            const data = typeof raw === "string" ? JSON.parse(raw) : raw;
            if (Array.isArray(data)) {
              // The profile's and the baseline's events are not this relay's load.
              if (req.path.includes(`/${PROFILE_PIXEL}/`) || req.path.includes(`/${BASELINE_PIXEL}/`)) seen.otherRequests++;
              else {
                const at = Date.now();
                seen.requests++;
                seen.events += data.length;
                for (const e of data) {
                  const list = seen.arrivals.get(String(e.event_id)) ?? [];
                  list.push(at);
                  seen.arrivals.set(String(e.event_id), list);
                }
              }
            }
          }
          return res;
        },
      },
);

// ---------------------------------------------------------------------------------------------

/**
 * @param {string} base
 * @param {string} method
 * @param {string} urlPath
 * @param {unknown} [body]
 */
async function call(base, method, urlPath, body) {
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * @param {string} relay
 * @param {string} id
 * @param {string} pixelId
 */
async function createBenchTenant(relay, id, pixelId) {
  await call(relay, "POST", "/v1/admin/tenants", {
    id,
    name: `Bench ${id}`,
    region: "global",
    defaultCountry: "US",
    allowedOrigins: ["https://shop.example"],
  });
  await call(relay, "PUT", `/v1/admin/tenants/${id}/sources/shop`, { type: "standard", secret: WHSEC });
  await call(relay, "PUT", `/v1/admin/tenants/${id}/sources/shopify`, { type: "shopify", secret: SHOPIFY_SECRET });
  await call(relay, "PUT", `/v1/admin/tenants/${id}/sources/stripe`, { type: "stripe", secret: STRIPE_SECRET });
  await call(relay, "PUT", `/v1/admin/tenants/${id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId, apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: "bench-meta-token" },
  });
  const key = await call(relay, "POST", `/v1/admin/tenants/${id}/beacon-key`);
  return /** @type {string} */ (key.beaconKey);
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    wrangler: JSON.parse(readFileSync(path.join(path.dirname(WRANGLER), "..", "package.json"), "utf8")).version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** @param {number} x @param {number} [digits] */
const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

async function startCdpProfile(port) {
  const { default: WebSocket } = await import("ws");
  const list = await fetch(`http://127.0.0.1:${port}/json`).then((r) => r.json());
  console.error(JSON.stringify(list.map((t) => [t.title, t.webSocketDebuggerUrl])));
  const target = list.find((t) => /sluice|core:user/.test(t.title)) ?? list[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r) => ws.once("open", r));
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => { const d = JSON.parse(m.toString()); if (d.id && pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); } });
  const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  return { async stop() { const res = await send("Profiler.stop"); writeFileSync(process.env.PROF_OUT ?? "/tmp/relay.cpuprofile", JSON.stringify(res.result.profile)); ws.close(); } };
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "sluice-bench-"));
  /** @type {ReturnType<typeof startWrangler>[]} */
  const procs = [];
  /** @type {Awaited<ReturnType<typeof startSandbox>> | undefined} */
  let sandbox;
  const cleanup = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await sandbox?.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    return await run(tmp, procs, (s) => (sandbox = s));
  } catch (err) {
    for (const p of procs) if (p.tail.length) console.error(`--- last lines of ${p.name}:\n${p.tail.join("\n")}`);
    throw err;
  } finally {
    await cleanup();
  }
}

/**
 * @param {string} tmp
 * @param {ReturnType<typeof startWrangler>[]} procs
 * @param {(s: Awaited<ReturnType<typeof startSandbox>>) => void} keepSandbox
 */
async function run(tmp, procs, keepSandbox) {
  const sandbox = await startSandbox({ port: 0, host: HOST, log: false, maxRequests: 20, apis: countingApis });
  keepSandbox(sandbox);
  const [relayPort, floorPort, relayInspector, floorInspector] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const relayUrl = `http://${HOST}:${relayPort}`;
  const floorUrl = `http://${HOST}:${floorPort}`;

  say("applying D1 migrations to a temporary local database…");
  for (const [dir, state] of BASELINE
    ? [
        [ROOT, "relay"],
        [BASELINE, "baseline"],
      ]
    : [[ROOT, "relay"]]) {
    const migrate = startWrangler("migrations", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(tmp, state)], dir);
    procs.push(migrate);
    const code = await new Promise((resolve) => migrate.child.once("exit", resolve));
    if (code !== 0) throw new Error(`wrangler d1 migrations apply failed (exit ${code}):\n${migrate.tail.join("\n")}`);
  }

  say(
    `starting the relay (wrangler dev on ${relayUrl}) and the ${BASELINE ? `baseline relay from ${BASELINE}` : "floor worker"} (${floorUrl})…`,
  );
  const base = sandbox.url;
  const relayArgs = (/** @type {number} */ port, /** @type {number} */ inspector, /** @type {string} */ state) => [
    "dev",
    "--port",
    String(port),
    "--ip",
    HOST,
    "--inspector-port",
    String(inspector),
    "--persist-to",
    path.join(tmp, state),
    "--var",
    `ADMIN_TOKEN:${ADMIN_TOKEN}`,
    "--var",
    `ENCRYPTION_KEY:${ENCRYPTION_KEY}`,
    "--var",
    "BENCH_PROFILE:1",
    "--var",
    `META_API_BASE:${base}/meta`,
    "--var",
    `GOOGLE_ADS_API_BASE:${base}/google-ads`,
    "--var",
    `GOOGLE_OAUTH_TOKEN_URL:${base}/google-oauth/token`,
    "--var",
    `GOOGLE_DATA_MANAGER_API_BASE:${base}/google-dm`,
    "--var",
    `ROLLER_API_BASE:${base}/roller`,
    "--show-interactive-dev-session=false",
  ];
  const relay = startWrangler("relay", relayArgs(relayPort, relayInspector, "relay"));
  const floorArgs = [
    "dev",
    "-c",
    "bench/floor/wrangler.toml",
    "--port",
    String(floorPort),
    "--ip",
    HOST,
    "--inspector-port",
    String(floorInspector),
    "--persist-to",
    path.join(tmp, "floor"),
    "--var",
    `SIGNING_SECRET:${WHSEC}`,
    "--show-interactive-dev-session=false",
  ];
  const floor = BASELINE
    ? startWrangler("baseline", relayArgs(floorPort, floorInspector, "baseline"), BASELINE)
    : startWrangler("floor", floorArgs);
  procs.push(relay, floor);
  await Promise.all([waitHealthy(relayUrl, relay), waitHealthy(floorUrl, floor)]);

  say("creating the bench tenants…");
  const beaconKey = await createBenchTenant(relayUrl, TENANT, PIXEL);
  await createBenchTenant(relayUrl, PROFILE_TENANT, PROFILE_PIXEL);
  if (BASELINE) await createBenchTenant(floorUrl, TENANT, BASELINE_PIXEL);

  /** The floor's counters, or the baseline tenant's object's (its storage meter). */
  const floorStorageCounts = async (/** @type {boolean} */ reset) =>
    BASELINE
      ? (await call(floorUrl, "GET", `/v1/bench/storage/${TENANT}${reset ? "?reset=1" : ""}`)).counts
      : await fetch(`${floorUrl}/stats${reset ? "?reset=1" : ""}`).then((r) => r.json());
  const fixtures = loadFixtures(ROOT);
  const prefix = runPrefix();
  let seq = 0;
  /** order id → when its webhook was sent (accepted ones only) */
  const accepted = new Map();
  let unexpected = /** @type {string[]} */ ([]);
  const relayNext = () => {
    const n = seq++;
    const nowMs = Date.now();
    const kind = MIX === "mixed" ? ["standard", "shopify", "stripe"][n % 3] : "standard";
    /** @type {{ path: string, headers: Record<string, string>, body: string }} */
    let req;
    /** @type {{ path: string, headers: Record<string, string>, body: string } | undefined} */
    let before;
    let orderId = `${prefix}-${n}`;
    if (kind === "shopify") {
      const w = shopifyWebhook({
        fixture: fixtures.shopify,
        secret: SHOPIFY_SECRET,
        orderNumber: Number.parseInt(prefix.slice(1, 7), 36) * 1_000_000 + n,
        nowMs,
      });
      orderId = w.orderId;
      req = { path: `/v1/hooks/${TENANT}/shopify`, headers: w.headers, body: w.body };
    } else if (kind === "stripe") {
      const w = stripeWithBeacon({ fixture: fixtures.stripe, secret: STRIPE_SECRET, orderId, nowMs, tenantId: TENANT, beaconKey });
      req = { path: `/v1/hooks/${TENANT}/stripe`, headers: w.headers, body: w.body };
      before = { path: `/v1/collect/${TENANT}`, ...w.beacon };
    } else {
      const w = standardWebhook({ secret: WHSEC, orderId, nowMs });
      req = { path: `/v1/hooks/${TENANT}/shop`, headers: w.headers, body: w.body };
    }
    return {
      req,
      before,
      onAnswer: (/** @type {{ status: number, text: string }} */ res, /** @type {number} */ sentAt) => {
        if (res.status === 202) accepted.set(orderId, sentAt);
        else if (unexpected.length < 5) unexpected.push(`${kind} ${res.status} ${res.text.slice(0, 200)}`);
      },
    };
  };
  const floorNext = () => {
    const w = standardWebhook({ secret: WHSEC, orderId: `${prefix}-f${seq++}`, nowMs: Date.now() });
    return {
      req: { path: BASELINE ? `/v1/hooks/${TENANT}/shop` : "/hooks", headers: w.headers, body: w.body },
      onAnswer: (/** @type {{ status: number, text: string }} */ res) => {
        if (res.status !== 202 && unexpected.length < 5) unexpected.push(`${AGAINST} ${res.status} ${res.text.slice(0, 200)}`);
      },
    };
  };

  const relayPid = /** @type {number} */ (relay.child.pid);
  const floorPid = /** @type {number} */ (floor.child.pid);
  if (WARMUP_MS > 0) {
    say(`warming up (${WARMUP_MS / 1000} s each)…`);
    await drive({ base: floorUrl, concurrency: CONCURRENCY, durationMs: WARMUP_MS, next: floorNext });
    await drive({ base: relayUrl, concurrency: CONCURRENCY, durationMs: WARMUP_MS, next: relayNext });
    // Warm-up orders are delivered too, but only the measured ones are accounted below.
  }
  const warmupAccepted = new Set(accepted.keys());
  unexpected = [];
  await sleep(1000);
  await call(relayUrl, "GET", `/v1/bench/storage/${TENANT}?reset=1`);
  await floorStorageCounts(true);

  const totals = {
    relay: {
      latencies: /** @type {number[]} */ ([]),
      statuses: /** @type {Record<string, number>} */ ({}),
      beacons: /** @type {Record<string, number>} */ ({}),
      wallMs: 0,
      cpuMs: 0,
    },
    floor: {
      latencies: /** @type {number[]} */ ([]),
      statuses: /** @type {Record<string, number>} */ ({}),
      beacons: /** @type {Record<string, number>} */ ({}),
      wallMs: 0,
      cpuMs: 0,
    },
  };
  let cpuKnown = true;
  const slice = DURATION_MS / ROUNDS;
  const loadStart = Date.now();
  const requestsBeforeLoad = seen.requests;
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, url, next, pid] of /** @type {const} */ ([
      ["floor", floorUrl, floorNext, floorPid],
      ["relay", relayUrl, relayNext, relayPid],
    ])) {
      say(`round ${r}/${ROUNDS}: ${name === "floor" ? AGAINST : name}, ${CONCURRENCY} connections, ${(slice / 1000).toFixed(1)} s`);
      const cpuBefore = workerdCpuMs(pid);
      const prof = name === "relay" && r === ROUNDS ? await startCdpProfile(relayInspector) : undefined;
      const res = await drive({ base: url, concurrency: CONCURRENCY, durationMs: slice, next });
      if (prof) await prof.stop();
      const cpuAfter = workerdCpuMs(pid);
      const t = totals[name];
      t.latencies.push(...res.latencies);
      for (const [k, v] of Object.entries(res.statuses)) t.statuses[k] = (t.statuses[k] ?? 0) + v;
      for (const [k, v] of Object.entries(res.beacons)) t.beacons[k] = (t.beacons[k] ?? 0) + v;
      t.wallMs += res.wallMs;
      if (cpuBefore === null || cpuAfter === null) cpuKnown = false;
      else t.cpuMs += cpuAfter - cpuBefore;
    }
  }
  const loadEnd = Date.now();
  const requestsDuringLoad = seen.requests - requestsBeforeLoad;

  const measured = [...accepted.keys()].filter((id) => !warmupAccepted.has(id));
  say(`waiting for ${accepted.size} accepted events to reach the Meta emulator…`);
  const drainDeadline = Date.now() + DRAIN_MS;
  while (Date.now() < drainDeadline && [...accepted.keys()].some((id) => !seen.arrivals.has(id))) await sleep(250);
  const drainedAfterMs = Date.now() - loadEnd;
  await sleep(500);

  const relayStorage = (await call(relayUrl, "GET", `/v1/bench/storage/${TENANT}`)).counts;
  const floorStorage = await floorStorageCounts(false);

  /** @type {any} */
  let profile = null;
  if (!args["no-profile"]) {
    say(`profiling one webhook inside workerd (${PROFILE_N} iterations per stage)…`);
    const sample = standardWebhook({ secret: WHSEC, orderId: `${prefix}-profile`, nowMs: Date.now() });
    profile = await call(relayUrl, "POST", "/v1/bench/profile", {
      tenantId: PROFILE_TENANT,
      sourceId: "shop",
      headers: sample.headers,
      body: sample.body,
      iterations: PROFILE_N,
    });
  }

  // ----- accounting
  const lags = measured
    .flatMap((id) => {
      const at = seen.arrivals.get(id)?.[0];
      return at === undefined ? [] : [at - accepted.get(id)];
    })
    .sort((a, b) => a - b);
  const lost = measured.filter((id) => !seen.arrivals.has(id));
  const duplicated = [...accepted.keys()].filter((id) => (seen.arrivals.get(id)?.length ?? 0) > 1);
  const stats = (/** @type {typeof totals.relay} */ t) => {
    const sorted = [...t.latencies].sort((a, b) => a - b);
    const ok = Object.entries(t.statuses)
      .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
      .reduce((n, [, v]) => n + v, 0);
    return {
      requests: sorted.length,
      non2xx: sorted.length - ok,
      statuses: t.statuses,
      requestsPerSecond: round((sorted.length / t.wallMs) * 1000, 0),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      workerdCpuMsPerRequest: cpuKnown && sorted.length ? round(t.cpuMs / sorted.length, 2) : null,
    };
  };
  const relayStats = stats(totals.relay);
  const floorStats = stats(totals.floor);
  const events = measured.length || 1;
  const result = {
    at: new Date().toISOString(),
    machine: machine(),
    settings: {
      mix: MIX,
      concurrency: CONCURRENCY,
      durationSecondsPerTarget: DURATION_MS / 1000,
      rounds: ROUNDS,
      against: AGAINST,
      ...(BASELINE ? { baseline: BASELINE } : {}),
    },
    relay: {
      ...relayStats,
      ...(MIX === "mixed" ? { beacons: totals.relay.beacons } : {}),
      storagePerEvent: Object.fromEntries(Object.entries(relayStorage ?? {}).map(([k, v]) => [k, round(Number(v) / events, 2)])),
    },
    [AGAINST]: {
      ...floorStats,
      storagePerEvent: Object.fromEntries(
        Object.entries(floorStorage).map(([k, v]) => [k, round(Number(v) / (floorStats.requests || 1), 2)]),
      ),
    },
    ratio: {
      throughput: round(Number(relayStats.requestsPerSecond) / Number(floorStats.requestsPerSecond), 2),
      p99: round(Number(relayStats.p99Ms) / Number(floorStats.p99Ms), 2),
      workerdCpu:
        relayStats.workerdCpuMsPerRequest && floorStats.workerdCpuMsPerRequest
          ? round(relayStats.workerdCpuMsPerRequest / floorStats.workerdCpuMsPerRequest, 2)
          : null,
    },
    delivery: {
      accepted: measured.length,
      delivered: measured.length - lost.length,
      lost: lost.length,
      duplicated: duplicated.length,
      metaRequests: seen.requests,
      metaEvents: seen.events,
      outboundRequestsPerEvent: round(seen.requests / Math.max(1, seen.events), 4),
      eventsPerRequest: round(seen.events / Math.max(1, seen.requests), 1),
      metaRequestsDuringLoad: requestsDuringLoad,
      lagP50Ms: round(percentile(lags, 50), 0),
      lagP95Ms: round(percentile(lags, 95), 0),
      lagMaxMs: round(lags.at(-1) ?? Number.NaN, 0),
      drainedAfterLoadMs: drainedAfterMs,
      loadSeconds: round((loadEnd - loadStart) / 1000),
    },
    profile,
    unexpectedAnswers: unexpected,
  };
  // The floor's targets; against a --baseline relay only the delivery and 2xx checks apply.
  const targets = {
    ...(BASELINE
      ? {}
      : {
          throughput: (result.ratio.throughput ?? 0) >= 0.8,
          p99: (result.ratio.p99 ?? Infinity) <= 1.5,
        }),
    outbound: (result.delivery.outboundRequestsPerEvent ?? 1) <= 1 / 50,
    lag: (result.delivery.lagP95Ms ?? Infinity) <= 2000,
    exactlyOnce: lost.length === 0 && duplicated.length === 0,
    all2xx: relayStats.non2xx === 0 && floorStats.non2xx === 0,
  };
  printTable(result, targets);
  console.log(JSON.stringify({ ...result, targets }));
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ ...result, targets }, null, 2)}\n`);
  return targets.exactlyOnce && targets.all2xx ? 0 : 1;
}

/**
 * @param {any} r
 * @param {Record<string, boolean>} targets
 */
function printTable(r, targets) {
  const mark = (/** @type {boolean} */ ok) => (ok ? "ok" : "MISSED");
  const row = (/** @type {string} */ label, /** @type {unknown} */ relay, /** @type {unknown} */ floor, /** @type {string} */ note = "") =>
    `| ${label.padEnd(28)} | ${String(relay ?? "–").padStart(10)} | ${String(floor ?? "–").padStart(10)} | ${note.padEnd(26)} |`;
  const sep = `|${"-".repeat(30)}|${"-".repeat(12)}|${"-".repeat(12)}|${"-".repeat(28)}|`;
  const m = r.machine;
  const against = r.settings.against;
  const o = r[against];
  /** The ratio, with its target when there is one (against the floor). */
  const vs = (/** @type {unknown} */ ratio, /** @type {string} */ target, /** @type {boolean | undefined} */ ok) =>
    ok === undefined ? `${ratio}` : `${ratio} (${target}: ${mark(ok)})`;
  const lines = [
    "",
    `Sluice bench ${r.at}: --mix ${r.settings.mix}, ${r.settings.concurrency} connections, ${r.settings.durationSecondsPerTarget} s per target in ${r.settings.rounds} rounds`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, wrangler ${m.wrangler} (wrangler dev), load average ${m.loadAverage.join(" ")}`,
    "",
    row("", "relay", against, `relay/${against}${against === "floor" ? ", target" : ""}`),
    sep,
    row("webhooks/s", r.relay.requestsPerSecond, o.requestsPerSecond, vs(r.ratio.throughput, "≥ 0.8", targets.throughput)),
    row("p50 latency (ms)", r.relay.p50Ms, o.p50Ms, ""),
    row("p99 latency (ms)", r.relay.p99Ms, o.p99Ms, vs(r.ratio.p99, "≤ 1.5", targets.p99)),
    row("answers not 2xx", r.relay.non2xx, o.non2xx, mark(targets.all2xx)),
    row(
      "workerd CPU per webhook (ms)",
      r.relay.workerdCpuMsPerRequest,
      o.workerdCpuMsPerRequest,
      r.ratio.workerdCpu === null ? "" : `${r.ratio.workerdCpu}`,
    ),
    row("SQL statements per event", r.relay.storagePerEvent.statements, o.storagePerEvent.statements, "ingest + delivery + alarm"),
    row("rows written per event", r.relay.storagePerEvent.rowsWritten, o.storagePerEvent.rowsWritten, ""),
    row("rows read per event", r.relay.storagePerEvent.rowsRead, o.storagePerEvent.rowsRead, ""),
    row("alarm writes per event", r.relay.storagePerEvent.alarmWrites, o.storagePerEvent.alarmWrites ?? "", ""),
    row(
      "write transactions per event",
      r.relay.storagePerEvent.transactions,
      o.storagePerEvent.transactions ?? 1,
      r.relay.storagePerEvent.transactions ? `${round(1 / r.relay.storagePerEvent.transactions, 1)} events/commit` : "",
    ),
    row(
      "outbound requests per event",
      r.delivery.outboundRequestsPerEvent,
      "",
      `${r.delivery.eventsPerRequest}/request (≤ 1/50: ${mark(targets.outbound)})`,
    ),
    row("delivery lag p50 (ms)", r.delivery.lagP50Ms, "", "webhook sent → emulator"),
    row("delivery lag p95 (ms)", r.delivery.lagP95Ms, "", `≤ 2000: ${mark(targets.lag)}`),
    row(
      "delivered exactly once",
      `${r.delivery.delivered}/${r.delivery.accepted}`,
      "",
      `lost ${r.delivery.lost}, dup ${r.delivery.duplicated}: ${mark(targets.exactlyOnce)}`,
    ),
  ];
  if (r.relay.beacons) lines.push(`beacons answered: ${JSON.stringify(r.relay.beacons)}`);
  if (r.unexpectedAnswers.length) lines.push(`unexpected answers (first 5): ${r.unexpectedAnswers.join(" / ")}`);
  if (r.profile) {
    const p = r.profile;
    lines.push("", `Per-stage profile of one ${p.sourceType} webhook inside workerd (ms per webhook, ${p.iterations} repetitions each):`);
    for (const s of p.stages) lines.push(`  ${s.stage.padEnd(34)} ${s.ms.toFixed(3).padStart(8)}`);
    if (p.writePath) {
      lines.push(
        `  inside the Durable Object (ingest ${p.writePath.perIterationMs.toFixed(3)} ms → one object ≈ ${Math.round(1000 / p.writePath.perIterationMs)} events/s):`,
      );
      for (const [k, v] of Object.entries(p.writePath.stagesMs)) lines.push(`    ${k.padEnd(32)} ${Number(v).toFixed(3).padStart(8)}`);
    }
  }
  lines.push("");
  console.log(lines.join("\n"));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[bench] ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
