#!/usr/bin/env node
// `npm run soak`: a few thousand signed webhooks through the real bundled relay (dist/, under
// Miniflare, in-memory state) against the local destination sandbox with ~20 % injected faults on
// the Meta endpoint, then an account of what became of every accepted event (README,
// "Reliability"). Exits 1 when an accepted event was lost or a conversion duplicated.
//
//   npm run soak [-- --orders 3000 --redeliver 0.1 --concurrency 24 --fault-rate 0.2 --scale 0.001
//                    --deadline 300 --seed 7 --invalid 0.005 --long-timeouts 3 --no-google]
//
// What it does
//   1. builds dist/ when missing or stale; starts the sandbox in this process with a seeded fault
//      plan on Meta (500, 503, 429 + Retry-After 1-2 s, Graph throttling code 613, malformed JSON
//      with 200, connection reset, a 2 s hold then reset, and a few holds past the relay's 10 s
//      fetch timeout); starts the relay on loopback with RETRY_TIME_SCALE (0.001: 10 s → 10 ms,
//      30 min → 1.8 s, 6 h → 22 s; the 24 h window itself is not scaled) and a high ingest rate
//      limit;
//   2. creates a tenant with a standard source, a Meta destination and (unless --no-google) a
//      google_ads destination against the sandbox's Google emulators (no faults there);
//   3. sends every order once (consent granted for both), ~10 % redeliveries (a third concurrent
//      with their original, a third later in the stream, a third after it while retries run; half
//      with the original webhook-id), and --invalid orders Meta must reject (a page URL that is not http(s));
//   4. polls the relay (stats + the pending list) until no delivery is pending, or --deadline
//      seconds after the last webhook;
//   5. reads every accepted event's delivery log and every request the emulators received, and
//      prints the account.
//
// Definitions (per destination)
//   delivered      orders whose id the emulator accepted (HTTP 200, a clean answer)
//   resent         orders whose id reached the emulator in more than one request it answered 200
//                  (e.g. a 200 with a malformed body, retried under the SAME event_id / orderId:
//                  the platform dedups it). Reported, not a failure.
//   duplicated     a second conversion for one order under a NEW id: an order accepted twice by
//                  the relay, or sent under an id that is not its order id. Must be 0.
//   lost           accepted, but not terminal at the end, missing from the log, or logged
//                  delivered and never accepted by the emulator. Must be 0.
//   failed/expired terminal outcomes in the delivery log, with their reasons.
//   past 24 h      delivered at an attempt whose nominal time at real scale (10 s, 1 min, 5 min,
//   unscaled       30 min, 2 h, 6 h, then every 6 h) falls after the 24 h window: RETRY_TIME_SCALE
//                  does not scale the window, so such an event would have expired in production.

import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrng } from "../sandbox/faults.mjs";
import { startSandbox } from "../sandbox/server.mjs";
import { ensureBuilt, startRelayRuntime } from "./lib/relay-runtime.mjs";
import { newMessageId, signStandardWebhook } from "./lib/standard-webhooks.mjs";

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "3000" },
    redeliver: { type: "string", default: "0.1" },
    concurrency: { type: "string", default: "24" },
    "fault-rate": { type: "string", default: "0.2" },
    scale: { type: "string", default: "0.001" },
    deadline: { type: "string", default: "300" },
    seed: { type: "string", default: "7" },
    invalid: { type: "string", default: "0.005" },
    "long-timeouts": { type: "string", default: "3" },
    "no-google": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run soak -- [--orders 3000] [--redeliver 0.1] [--concurrency 24] [--fault-rate 0.2] [--scale 0.001]\n" +
      "                      [--deadline 300] [--seed 7] [--invalid 0.005] [--long-timeouts 3] [--no-google]",
  );
  process.exit(0);
}
const num = (/** @type {string} */ name, /** @type {number} */ min, /** @type {number} */ max) => {
  const v = Number(args[/** @type {keyof typeof args} */ (name)]);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
  return v;
};
const ORDERS = Math.round(num("orders", 1, 100_000));
const REDELIVER = num("redeliver", 0, 1);
const CONCURRENCY = Math.round(num("concurrency", 1, 256));
const FAULT_RATE = num("fault-rate", 0, 0.9);
const SCALE = num("scale", 0.0001, 1);
const DEADLINE_MS = num("deadline", 10, 3600) * 1000;
const SEED = Math.round(num("seed", 0, 2 ** 31));
const INVALID = num("invalid", 0, 0.5);
const LONG_TIMEOUTS = Math.round(num("long-timeouts", 0, 20));
const WITH_GOOGLE = !args["no-google"];

const ADMIN_TOKEN = "soak-admin-token";
const TENANT = "soak";
const SECRET = `whsec_${Buffer.from("sluice-soak-signing-key-0123456789").toString("base64")}`;
const META_ID = "meta";
const GOOGLE_ID = "google";
const TERMINAL = new Set(["delivered", "failed", "expired", "blocked", "suppressed"]);
/** The relay's nominal schedule (README, "Reliability"): delay before retry n, then every 6 h. */
const RETRY_SCHEDULE_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
const WINDOW_MS = 24 * 3_600_000;
/** Nominal time from receipt to attempt n at real scale (no jitter, no request time). */
const nominalAt = (/** @type {number} */ attempt) => {
  let t = 0;
  for (let k = 1; k < attempt; k++) t += RETRY_SCHEDULE_MS[Math.min(k, RETRY_SCHEDULE_MS.length) - 1];
  return t;
};
/** A bounded number of polls, however the deadline is set. */
const POLL_MS = 1000;

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (/** @type {string} */ msg) => console.log(`[soak ${elapsed().padStart(6)}] ${msg}`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const random = createPrng(SEED);

// ---------------------------------------------------------------------------------------------
// Fault plan: shares of Meta requests per kind, summing to FAULT_RATE. Rules are tried in order,
// each drawing from the PRNG, so a rule's rate is its share over what the rules before it left.
// Every rule carries a large `times` so the sandbox's plan view counts its firings exactly.

const FAULT_KINDS = [
  { kind: "HTTP 500 (Graph code 2)", weight: 0.25, response: { status: 500 } },
  { kind: "HTTP 503 (Graph code 2)", weight: 0.2, response: { status: 503 } },
  { kind: "HTTP 429 + Retry-After 1 s", weight: 0.1, response: { status: 429, retryAfter: 1 } },
  { kind: "HTTP 429 + Retry-After 2 s", weight: 0.1, response: { status: 429, retryAfter: 2 } },
  { kind: "Graph 613 throttled (HTTP 400)", weight: 0.1, response: { meta_error: { code: 613, is_transient: true, status: 400 } } },
  { kind: "HTTP 200, malformed JSON", weight: 0.1, response: { malformedJson: true, status: 200 } },
  { kind: "connection reset", weight: 0.1, response: { reset: true } },
  { kind: "2 s hold, then reset", weight: 0.05, response: { timeoutMs: 2000, then: { reset: true } } },
];
const LONG_TIMEOUT = { kind: "hold 12 s (> 10 s fetch timeout)", share: 0.02, response: { timeoutMs: 12_000 } };

function faultPlan() {
  const totalWeight = FAULT_KINDS.reduce((a, k) => a + k.weight, 0);
  /** @type {Array<{ kind: string, share: number, cap: number, response: unknown }>} */
  const kinds = [];
  // The long holds block the Meta lane for 10 s each: few of them, capped, drawn first.
  if (LONG_TIMEOUTS > 0 && FAULT_RATE > 0)
    kinds.push({ kind: LONG_TIMEOUT.kind, share: LONG_TIMEOUT.share, cap: LONG_TIMEOUTS, response: LONG_TIMEOUT.response });
  for (const k of FAULT_KINDS)
    kinds.push({ kind: k.kind, share: (FAULT_RATE * k.weight) / totalWeight, cap: 1_000_000, response: k.response });
  let left = 1;
  const rules = [];
  for (const k of kinds) {
    const rate = Math.min(1, k.share / left);
    rules.push({ api: "meta", times: k.cap, rate, response: k.response });
    left -= k.share;
  }
  return { plan: { seed: SEED, rules }, kinds };
}

// ---------------------------------------------------------------------------------------------
// Relay log: kept in a file, and folded into counts of attempts by outcome.

const logDir = mkdtempSync(path.join(os.tmpdir(), "sluice-soak-"));
const logFile = path.join(logDir, "relay.log");
writeFileSync(logFile, "");
/** @type {string[]} */
let logBuffer = [];
const attemptOutcomes = new Map(); // `${destinationId} ${outcome} ${code}` → n
const logEvents = new Map(); // msg → n, for warn/error lines other than per-delivery ones
/** @type {number[]} */
const batchSizes = [];
/** @param {string} line */
function onRelayLine(line) {
  logBuffer.push(line);
  if (logBuffer.length >= 500) flushLog();
  const start = line.indexOf("{");
  if (start < 0) return;
  /** @type {Record<string, any>} */
  let entry;
  try {
    entry = JSON.parse(line.slice(start));
  } catch {
    return;
  }
  if (entry.msg === "delivery") {
    const key = `${entry.destinationId} ${entry.outcome}${entry.code ? ` ${entry.code}` : ""}`;
    attemptOutcomes.set(key, (attemptOutcomes.get(key) ?? 0) + 1);
  } else if (entry.msg === "batch_sent") {
    batchSizes.push(entry.count);
  } else if (entry.level === "warn" || entry.level === "error") {
    logEvents.set(entry.msg, (logEvents.get(entry.msg) ?? 0) + 1);
  }
}
function flushLog() {
  if (logBuffer.length === 0) return;
  appendFileSync(logFile, `${logBuffer.join("\n")}\n`);
  logBuffer = [];
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** @type {string} */
let relayUrl = "";

/**
 * @param {string} method
 * @param {string} urlPath
 * @param {{ body?: string, headers?: Record<string, string>, timeoutMs?: number }} [opts]
 * @returns {Promise<{ status: number, json: any }>}
 */
async function call(method, urlPath, opts = {}) {
  const res = await fetch(`${relayUrl}${urlPath}`, {
    method,
    headers: { "content-type": "application/json", ...(opts.headers ?? {}) },
    body: opts.body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = { unparsed: text.slice(0, 200) };
  }
  return { status: res.status, json };
}
/** @param {string} method @param {string} urlPath @param {unknown} [body] */
const admin = (method, urlPath, body) =>
  call(method, `/v1/admin${urlPath}`, {
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });

/** @param {string} what @param {{ status: number, json: any }} res */
function expectOk(what, res) {
  if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
}

/**
 * Runs `fn` over `items` with at most `limit` at a time.
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T, index: number) => Promise<void>} fn
 */
async function pool(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(/** @type {T} */ (items[i]), i);
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------------------------
// Orders and webhooks

/** @param {number} i */
const orderIdOf = (i) => `soak-${String(i + 1).padStart(5, "0")}`;

/**
 * @typedef {{ orderId: string, body: string, webhookId: string, invalid: boolean }} Order
 * @typedef {{ kind: "original" | "twin" | "later" | "tail", status: number, answer: string, id?: string, at: number }} Answer
 */

/** @param {number} i @param {boolean} invalid @returns {Order} */
function makeOrder(i, invalid) {
  const orderId = orderIdOf(i);
  const body = JSON.stringify({
    type: "purchase",
    orderId,
    occurredAt: new Date(Date.now() - 120_000 - Math.floor(random() * 3_600_000)).toISOString(),
    value: Math.round(1000 + random() * 20_000) / 100,
    currency: "EUR",
    items: [{ id: `SKU${i % 17}`, quantity: 1 + (i % 3), price: 10 }],
    customer: { email: `buyer-${i}@example.com`, phone: `+49 30 ${String(1_000_000 + i)}`, firstName: "Soak", country: "DE" },
    clickIds: {
      gclid: `Cj0KCQiA_${orderId}`,
      fbp: `fb.1.1767000000000.${1000 + i}`,
    },
    // Meta rejects a website event whose event_source_url is not http(s) (code 100): the batch is
    // split and only this event fails. Google does not read the page URL.
    client: {
      ip: "203.0.113.9",
      userAgent: "Mozilla/5.0 (soak)",
      pageUrl: invalid ? "shop.example/thanks" : "https://shop.example/thanks",
    },
    consent: { meta: "granted", gcm: { ad_user_data: "granted" } },
  });
  return { orderId, body, webhookId: newMessageId(), invalid };
}

/** @type {Map<string, Answer[]>} */
const answers = new Map();
const otherAnswers = new Map(); // "HTTP 503 code" → n
let requestsSent = 0;

/**
 * Sends one webhook like a platform: a network error or a 5xx is retried (at most 3 tries).
 * @param {Order} order
 * @param {Answer["kind"]} kind
 * @param {boolean} sameWebhookId
 */
async function deliverWebhook(order, kind, sameWebhookId) {
  const webhookId = sameWebhookId ? order.webhookId : newMessageId();
  for (let attempt = 1; attempt <= 3; attempt++) {
    requestsSent++;
    let res;
    try {
      res = await call("POST", `/v1/hooks/${TENANT}/shop`, {
        body: order.body,
        headers: signStandardWebhook({ secret: SECRET, body: order.body, id: webhookId }),
      });
    } catch (err) {
      res = { status: 0, json: { error: { code: err instanceof Error ? err.name : "error" } } };
    }
    const answer = res.status === 202 || res.status === 200 ? String(res.json?.status) : "other";
    /** @type {Answer} */
    const entry = { kind, status: res.status, answer, ...(res.json?.id ? { id: res.json.id } : {}), at: Date.now() };
    const list = answers.get(order.orderId) ?? [];
    list.push(entry);
    answers.set(order.orderId, list);
    if (answer === "accepted" || answer === "duplicate") return;
    const key = `HTTP ${res.status} ${res.json?.error?.code ?? answer}`;
    otherAnswers.set(key, (otherAnswers.get(key) ?? 0) + 1);
    if (res.status !== 0 && res.status < 500 && res.status !== 429) return;
    await sleep(200 * attempt);
  }
}

// ---------------------------------------------------------------------------------------------
// Account

/** @param {number[]} xs @param {number} p */
function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
/** @param {number} ms */
const secs = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)}s` : "-");

/** @param {string[][]} rows */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("   ")).join("\n");
}

/** @param {Map<string, number>} m */
const describeCounts = (m) =>
  m.size === 0
    ? "-"
    : [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ");

// ---------------------------------------------------------------------------------------------

async function main() {
  say(
    `orders ${ORDERS}, redeliveries ${(REDELIVER * 100).toFixed(0)} %, concurrency ${CONCURRENCY}, Meta faults ${(FAULT_RATE * 100).toFixed(0)} %, ` +
      `RETRY_TIME_SCALE ${SCALE}, seed ${SEED}, deadline ${DEADLINE_MS / 1000}s${WITH_GOOGLE ? ", destinations meta + google_ads" : ", destination meta"}`,
  );
  if (ensureBuilt({ log: say })) say("built dist/");
  else say("dist/ is up to date");

  const sandbox = await startSandbox({ port: 0, log: false, seed: SEED, maxRequests: 10_000_000 });
  const { plan, kinds } = faultPlan();
  sandbox.setFaults(/** @type {any} */ (plan));
  const relay = await startRelayRuntime({
    sandboxUrl: sandbox.url,
    adminToken: ADMIN_TOKEN,
    retryTimeScale: String(SCALE),
    ingestLimit: 1_000_000,
    onLogLine: onRelayLine,
  });
  relayUrl = relay.url;
  say(`sandbox ${sandbox.url}, relay ${relay.url} (relay log: ${logFile})`);

  let exitCode = 1;
  try {
    exitCode = await run(sandbox, kinds);
  } finally {
    flushLog();
    await relay.mf.dispose().catch(() => {});
    await sandbox.close().catch(() => {});
  }
  return exitCode;
}

/**
 * @param {import("../sandbox/server.mjs").Sandbox} sandbox
 * @param {Array<{ kind: string }>} kinds the fault plan's rules, in order
 */
async function run(sandbox, kinds) {
  // --- tenant ---------------------------------------------------------------------------------
  expectOk("create tenant", await admin("POST", "/tenants", { id: TENANT, name: "Soak Shop", region: "eu", defaultCountry: "DE" }));
  expectOk("put source", await admin("PUT", `/tenants/${TENANT}/sources/shop`, { type: "standard", secret: SECRET }));
  expectOk(
    "put meta destination",
    await admin("PUT", `/tenants/${TENANT}/destinations/${META_ID}`, {
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
      credentials: { accessToken: "soak-meta-token" },
    }),
  );
  if (WITH_GOOGLE) {
    expectOk(
      "put google_ads destination",
      await admin("PUT", `/tenants/${TENANT}/destinations/${GOOGLE_ID}`, {
        type: "google_ads",
        enabled: true,
        settings: { customerId: "123-456-7890", conversionActionId: "987654321", apiVersion: "v25" },
        credentials: {
          developerToken: "soak-dev-token",
          clientId: "soak-client",
          clientSecret: "soak-secret",
          refreshToken: "soak-refresh",
        },
      }),
    );
  }
  /** @type {Array<typeof META_ID | typeof GOOGLE_ID>} */
  const destinations = WITH_GOOGLE ? [META_ID, GOOGLE_ID] : [META_ID];

  // --- the send plan --------------------------------------------------------------------------
  const invalidCount = Math.round(ORDERS * INVALID);
  const invalidSet = new Set();
  while (invalidSet.size < invalidCount) invalidSet.add(Math.floor(random() * ORDERS));
  const orders = Array.from({ length: ORDERS }, (_, i) => makeOrder(i, invalidSet.has(i)));
  const redeliveries = Math.round(ORDERS * REDELIVER);
  const picked = new Set();
  while (picked.size < Math.min(redeliveries, ORDERS)) picked.add(Math.floor(random() * ORDERS));
  const pickedList = [...picked];
  const third = Math.ceil(pickedList.length / 3);
  const twins = new Set(pickedList.slice(0, third));
  const later = pickedList.slice(third, 2 * third);
  const tail = pickedList.slice(2 * third);

  /** @type {Array<{ key: number, kind: "original" | "later", i: number, sameId: boolean }>} */
  const jobs = orders.map((_, i) => ({ key: i, kind: /** @type {const} */ ("original"), i, sameId: true }));
  for (const i of later) jobs.push({ key: i + 1 + random() * 400, kind: "later", i, sameId: random() < 0.5 });
  jobs.sort((a, b) => a.key - b.key);

  /** @type {Map<number, Promise<void>>} */
  const originalDone = new Map();
  say(
    `sending ${ORDERS} orders (${invalidCount} invalid for Meta) + ${redeliveries} redeliveries ` +
      `(${twins.size} concurrent with the original, ${later.length} later in the stream, ${tail.length} after it) …`,
  );
  const sendStarted = Date.now();
  await pool(jobs, CONCURRENCY, async (job) => {
    const order = /** @type {Order} */ (orders[job.i]);
    if (job.kind === "original") {
      const sends = [deliverWebhook(order, "original", true)];
      if (twins.has(job.i)) sends.push(deliverWebhook(order, "twin", random() < 0.5));
      const done = Promise.all(sends).then(() => {});
      originalDone.set(job.i, done);
      await done;
    } else {
      await originalDone.get(job.i);
      await deliverWebhook(order, "later", job.sameId);
    }
  });
  const sendMs = Date.now() - sendStarted;
  say(
    `stream sent in ${secs(sendMs)} (${Math.round((jobs.length + twins.size) / (sendMs / 1000))} webhooks/s); redelivering ${tail.length} while retries run …`,
  );
  // The tail: redeliveries spread over a few seconds while the relay is retrying.
  await pool(tail, Math.max(1, Math.floor(CONCURRENCY / 4)), async (i) => {
    await sleep(Math.floor(random() * 1000));
    await deliverWebhook(/** @type {Order} */ (orders[i]), "tail", random() < 0.5);
  });

  // --- who was accepted -------------------------------------------------------------------------
  /** @type {Map<string, string>} */
  const acceptedId = new Map(); // orderId → event id of its (first) 202
  /** @type {Map<string, number>} */
  const acceptedAt = new Map();
  let accepted202 = 0;
  let duplicates200 = 0;
  let otherCount = 0;
  /** Orders with two 202s, or answers naming two different event ids. */
  const doubleAccepted = new Set();
  for (const [orderId, list] of answers) {
    const ids = new Set(list.filter((a) => a.id).map((a) => a.id));
    if (ids.size > 1) doubleAccepted.add(orderId);
    for (const a of list) {
      if (a.answer === "accepted") {
        accepted202++;
        if (acceptedId.has(orderId)) doubleAccepted.add(orderId);
        else {
          acceptedId.set(orderId, /** @type {string} */ (a.id));
          acceptedAt.set(orderId, a.at);
        }
      } else if (a.answer === "duplicate") duplicates200++;
      else otherCount++;
    }
  }
  // An order answered only "duplicate" was accepted by an answer we never saw (a retried 5xx).
  for (const [orderId, list] of answers) {
    if (acceptedId.has(orderId)) continue;
    const dup = list.find((a) => a.answer === "duplicate");
    if (dup?.id) {
      acceptedId.set(orderId, dup.id);
      acceptedAt.set(orderId, dup.at);
    }
  }
  say(`answers: ${accepted202} accepted, ${duplicates200} duplicate, ${otherCount} other; waiting for every delivery to be terminal …`);

  // --- drain ------------------------------------------------------------------------------------
  const drainStarted = Date.now();
  const maxPolls = Math.ceil(DEADLINE_MS / POLL_MS) + 1;
  let drained = false;
  let lastReport = 0;
  for (let poll = 0; poll < maxPolls && Date.now() - drainStarted < DEADLINE_MS; poll++) {
    const [stats, pending] = await Promise.all([
      admin("GET", `/tenants/${TENANT}/stats`),
      admin("GET", `/tenants/${TENANT}/events?status=pending&limit=500`),
    ]);
    expectOk("stats", stats);
    expectOk("pending list", pending);
    const pendingEvents = pending.json.events.length;
    if (pendingEvents === 0) {
      drained = true;
      break;
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      const perDest = destinations
        .map((d) => {
          const s = stats.json.destinations?.[d] ?? {};
          return `${d} delivered ${s.delivered ?? 0} failed ${s.failed ?? 0}`;
        })
        .join(", ");
      say(`  ${perDest}; events with a pending delivery: ${pendingEvents >= 500 ? "≥500" : pendingEvents}`);
    }
    await sleep(POLL_MS);
  }
  const drainMs = Date.now() - drainStarted;
  say(drained ? `every delivery terminal after ${secs(drainMs)}` : `DEADLINE: deliveries still pending after ${secs(drainMs)}`);
  // Let stragglers land (a held request answered after its client left, a last log line).
  await sleep(1500);

  // --- the relay's delivery log, event by event ------------------------------------------------
  /** @type {Map<string, any>} */
  const details = new Map();
  let missingDetails = 0;
  await pool([...acceptedId.entries()], 16, async ([orderId, id]) => {
    const res = await admin("GET", `/tenants/${TENANT}/events/${id}`);
    if (res.status === 200) details.set(orderId, res.json);
    else missingDetails++;
  });
  const stats = (await admin("GET", `/tenants/${TENANT}/stats`)).json;

  // --- what the emulators received --------------------------------------------------------------
  const known = new Set(orders.map((o) => o.orderId));
  /** per destination: orderId → clean 200 acceptances / 200 receipts (clean or garbled) */
  const clean = { [META_ID]: new Map(), [GOOGLE_ID]: new Map() };
  const received200 = { [META_ID]: new Map(), [GOOGLE_ID]: new Map() };
  /** first clean acceptance time per destination and order */
  const firstAcceptedAt = { [META_ID]: new Map(), [GOOGLE_ID]: new Map() };
  /** conversions sent under an id that is not an order id of ours / not the order's own id */
  const foreignIds = { [META_ID]: 0, [GOOGLE_ID]: 0 };
  const googleAlready = new Map(); // orderId → ORDER_ID_ALREADY_IN_USE answers
  const bump = (/** @type {Map<string, number>} */ m, /** @type {string} */ k) => m.set(k, (m.get(k) ?? 0) + 1);

  const metaRequests = sandbox.requests({ api: "meta" });
  for (const r of metaRequests) {
    if (r.response.status !== 200) continue;
    const data = /** @type {any} */ (r.body)?.data ?? [];
    for (const ev of data) {
      const id = String(ev?.event_id);
      if (!known.has(id) || ev?.custom_data?.order_id !== id) foreignIds[META_ID]++;
      bump(received200[META_ID], id);
      if (!r.fault) {
        bump(clean[META_ID], id);
        if (!firstAcceptedAt[META_ID].has(id)) firstAcceptedAt[META_ID].set(id, Date.parse(r.receivedAt));
      }
    }
  }
  const googleRequests = sandbox.requests({ api: "google-ads" });
  for (const r of googleRequests) {
    if (r.response.status !== 200) continue;
    const conversions = /** @type {any} */ (r.body)?.conversions ?? [];
    const resp = /** @type {any} */ (r.response.body) ?? {};
    const rowErrors = new Map();
    for (const e of resp.partialFailureError?.details?.[0]?.errors ?? []) {
      const index = e?.location?.fieldPathElements?.[0]?.index;
      const code = Object.values(e?.errorCode ?? {})[0];
      if (typeof index === "number") rowErrors.set(index, code);
    }
    conversions.forEach((/** @type {any} */ c, /** @type {number} */ i) => {
      const id = String(c?.orderId);
      if (!known.has(id)) foreignIds[GOOGLE_ID]++;
      const err = rowErrors.get(i);
      if (err === "ORDER_ID_ALREADY_IN_USE") {
        bump(googleAlready, id);
        bump(received200[GOOGLE_ID], id);
      } else if (!err && resp.results?.[i] && Object.keys(resp.results[i]).length > 0) {
        bump(clean[GOOGLE_ID], id);
        bump(received200[GOOGLE_ID], id);
        if (!firstAcceptedAt[GOOGLE_ID].has(id)) firstAcceptedAt[GOOGLE_ID].set(id, Date.parse(r.receivedAt));
      }
    });
  }

  // --- per destination account ------------------------------------------------------------------
  const perDest = destinations.map((dest) => {
    let delivered = 0;
    let resent = 0;
    let resentClean = 0;
    let lost = 0;
    let logDelivered = 0;
    let logMismatch = 0;
    const failed = new Map();
    const expired = new Map();
    const attempts = new Map(); // attempts of delivered events → n
    let beyondWindow = 0;
    const otherTerminal = new Map();
    /** @type {string[]} */
    const lostExamples = [];
    /** @type {number[]} */
    const latencies = [];
    for (const [orderId] of acceptedId) {
      const detail = details.get(orderId);
      const delivery = detail?.deliveries?.find((/** @type {any} */ d) => d.destinationId === dest);
      const accepts = clean[dest].get(orderId) ?? 0;
      if (accepts > 0) delivered++;
      if ((received200[dest].get(orderId) ?? 0) > 1) resent++;
      if (accepts > 1) resentClean++;
      const at = firstAcceptedAt[dest].get(orderId);
      const sentAt = acceptedAt.get(orderId);
      if (at !== undefined && sentAt !== undefined) latencies.push(Math.max(0, at - sentAt));
      const why = !delivery
        ? "no delivery in the log"
        : !TERMINAL.has(delivery.status)
          ? `still ${delivery.status} after ${delivery.attempts} attempts (${delivery.lastError ?? "-"})`
          : delivery.status === "delivered" && accepts === 0
            ? "logged delivered, never accepted by the emulator"
            : undefined;
      if (why) {
        lost++;
        if (lostExamples.length < 5) lostExamples.push(`${orderId}: ${why}`);
        continue;
      }
      if (delivery.status === "delivered") {
        logDelivered++;
        bump(attempts, String(delivery.attempts));
        if (nominalAt(delivery.attempts) > WINDOW_MS) beyondWindow++;
      } else if (delivery.status === "failed") bump(failed, delivery.lastError ?? "?");
      else if (delivery.status === "expired") bump(expired, delivery.lastError ?? "?");
      else bump(otherTerminal, `${delivery.status} ${delivery.reason}`);
      if (delivery.status !== "delivered" && accepts > 0) logMismatch++;
    }
    const duplicated = doubleAccepted.size + Math.max(0, Number(stats?.received ?? 0) - acceptedId.size) + foreignIds[dest];
    return {
      dest,
      delivered,
      logDelivered,
      resent,
      resentClean,
      lost,
      duplicated,
      failed,
      expired,
      otherTerminal,
      lostExamples,
      latencies,
      logMismatch,
      attempts,
      beyondWindow,
    };
  });

  // --- faults ------------------------------------------------------------------------------------
  const described = /** @type {{ rules: Array<{ times?: number, remaining?: number }> }} */ (
    await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()
  );
  const faultCounts = kinds.map((k, i) => {
    const rule = described.rules[i] ?? {};
    return [k.kind, (rule.times ?? 0) - (rule.remaining ?? 0)];
  });
  const faultTotal = faultCounts.reduce((a, [, n]) => a + Number(n), 0);

  // --- print -------------------------------------------------------------------------------------
  const lostTotal = perDest.reduce((a, d) => a + d.lost, 0) + missingDetails;
  // Events the relay stored beyond one per accepted order: a second event for some order.
  const extraStored = Math.max(0, Number(stats?.received ?? 0) - acceptedId.size);
  const duplicatedTotal = doubleAccepted.size + extraStored + foreignIds[META_ID] + foreignIds[GOOGLE_ID];
  console.log("");
  console.log("=== Sluice soak ===");
  console.log(
    table([
      ["webhooks", "count"],
      ["requests sent (incl. platform retries)", String(requestsSent)],
      ["orders (unique)", String(ORDERS)],
      ["answered 202 accepted", String(accepted202)],
      ["answered 200 duplicate", String(duplicates200)],
      ["other answers", `${otherCount}${otherAnswers.size ? ` (${describeCounts(otherAnswers)})` : ""}`],
      ["orders accepted", String(acceptedId.size)],
      ["events the relay stored (stats.received)", String(stats?.received ?? "?")],
      ["orders invalid for Meta (bad page URL)", String(invalidCount)],
    ]),
  );
  console.log("");
  const row = (/** @type {string} */ label, /** @type {(d: typeof perDest[number]) => string} */ f) => [label, ...perDest.map(f)];
  console.log(
    table([
      ["per destination", ...perDest.map((d) => d.dest)],
      row("accepted events", () => String(acceptedId.size)),
      row("delivered (emulator accepted, unique ids)", (d) => String(d.delivered)),
      row("delivered (relay log)", (d) => String(d.logDelivered)),
      row("resent with the same id (reached it twice)", (d) => String(d.resent)),
      row("  of which accepted cleanly twice", (d) => String(d.resentClean)),
      row("DUPLICATED (new id for an order)", (d) => String(d.duplicated)),
      row("LOST", (d) => String(d.lost)),
      row("failed", (d) => String([...d.failed.values()].reduce((a, b) => a + b, 0))),
      row("expired", (d) => String([...d.expired.values()].reduce((a, b) => a + b, 0))),
      row("blocked / suppressed", (d) => String([...d.otherTerminal.values()].reduce((a, b) => a + b, 0))),
      row("log not delivered but emulator accepted", (d) => String(d.logMismatch)),
      row("latency 202 → accepted, p50", (d) => secs(percentile(d.latencies, 50))),
      row("latency 202 → accepted, p95", (d) => secs(percentile(d.latencies, 95))),
      row("latency 202 → accepted, max", (d) => secs(percentile(d.latencies, 100))),
      row("delivered at an attempt past 24 h unscaled", (d) => String(d.beyondWindow)),
      row("requests to the emulator", (d) => String(d.dest === META_ID ? metaRequests.length : googleRequests.length)),
    ]),
  );
  for (const d of perDest) {
    const byAttempt = [...d.attempts.entries()].sort((x, y) => Number(x[0]) - Number(y[0]));
    console.log(`  ${d.dest} delivered at attempt: ${byAttempt.map(([n, c]) => `#${n} ${c}`).join(", ") || "-"}`);
    if (d.failed.size) console.log(`  ${d.dest} failed reasons: ${describeCounts(d.failed)}`);
    if (d.expired.size) console.log(`  ${d.dest} expired reasons: ${describeCounts(d.expired)}`);
    if (d.otherTerminal.size) console.log(`  ${d.dest} blocked/suppressed: ${describeCounts(d.otherTerminal)}`);
    for (const ex of d.lostExamples) console.log(`  ${d.dest} lost: ${ex}`);
  }
  if (doubleAccepted.size) console.log(`  orders accepted twice / under two ids: ${[...doubleAccepted].slice(0, 5).join(", ")}`);
  if (missingDetails) console.log(`  accepted events missing from the log: ${missingDetails}`);
  if (googleAlready.size) console.log(`  google rows answered ORDER_ID_ALREADY_IN_USE (counted as resent): ${googleAlready.size}`);
  console.log("");
  console.log(
    table([
      [`faults injected on Meta (${metaRequests.length} requests)`, "count"],
      ...faultCounts.map(([k, n]) => [String(k), String(n)]),
      ["total", `${faultTotal} (${metaRequests.length ? ((faultTotal / metaRequests.length) * 100).toFixed(1) : "0"} % of requests)`],
    ]),
  );
  console.log("");
  console.log(`relay attempts by outcome: ${describeCounts(attemptOutcomes)}`);
  console.log(
    `relay batches: ${batchSizes.length}, events per batch p50 ${percentile(batchSizes, 50) ?? "-"} max ${percentile(batchSizes, 100) ?? "-"}; ` +
      `other warnings: ${describeCounts(logEvents)}`,
  );
  console.log(
    `relay stats: received ${stats?.received}, duplicates ${stats?.duplicates}, ` +
      destinations.map((d) => `${d} ${JSON.stringify(stats?.destinations?.[d] ?? {})}`).join(", "),
  );
  console.log(`wall time ${elapsed()} (sending ${secs(sendMs)}, draining ${secs(drainMs)}); relay log ${logFile}`);
  const pass = lostTotal === 0 && duplicatedTotal === 0 && drained;
  console.log(`RESULT: ${pass ? "PASS" : "FAIL"} — lost ${lostTotal}, duplicated ${duplicatedTotal}${drained ? "" : ", deadline passed"}`);
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    flushLog();
    console.error(`[soak] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
