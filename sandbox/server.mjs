#!/usr/bin/env node
// Sluice destination sandbox: a local HTTP server that answers like the destination APIs the relay
// calls (one module each: Meta, Google, and the emulators kept in src/destinations/<type>/emulator.mjs),
// records what it received, shows it on a page, and fails on purpose when told to.
//
//   node sandbox/server.mjs [--port 8788] [--host 127.0.0.1] [--seed 1] [--now <ms|ISO>] [--quiet]
//   (env: SANDBOX_PORT, SANDBOX_HOST, SANDBOX_SEED, SANDBOX_NOW)
//
// Routes
//   POST /meta/{version}/{pixelId}/events   Meta Conversions API (see meta.mjs)
//   /google-ads/…, /google-oauth/…, /google-dm/…
//                                           Google Ads, OAuth and the Data Manager API (see google.mjs)
//   POST /tiktok/open_api/v1.3/event/track/ TikTok Events API (src/destinations/tiktok/emulator.mjs)
//   POST /pinterest/v5/ad_accounts/{id}/events
//                                           Pinterest API for Conversions (src/destinations/pinterest/emulator.mjs)
//   /roller/…                               reserved: recorded, answered 501
//   GET    /                                HTML list of received requests (self-refreshing)
//   GET    /__sandbox/requests[?api=meta]   received requests as a JSON array
//   DELETE /__sandbox/requests              forget them
//   GET    /__sandbox/faults                the active fault plan (with what is left of `times`)
//   POST   /__sandbox/faults                set a fault plan (JSON; see faults.mjs); replaces the old one
//   DELETE /__sandbox/faults                clear it
//   GET    /__sandbox/health                liveness
//
// Recorded requests never keep a credential: the Authorization value, TikTok's Access-Token header,
// `access_token` and `appsecret_proof` (query or body) are replaced by "[redacted]". The one log
// line per request carries the api, method, path, status, event count and test code: no token, no hash.

import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { FaultInjector, FaultPlanError } from "./faults.mjs";
import { GOOGLE_API_MODULES } from "./google.mjs";
import { metaApi, metaErrorResponse } from "./meta.mjs";
import { PAGE_CSP, renderPage } from "./ui.mjs";

/** @typedef {import("./meta.mjs").ApiRequest} ApiRequest */
/** @typedef {import("./meta.mjs").ApiResponse} ApiResponse */

/**
 * One emulated API, mounted under `prefix`.
 * @typedef {{
 *   name: string,
 *   prefix: string,
 *   handle: (req: import("./meta.mjs").ApiRequest, ctx: import("./meta.mjs").ApiContext) => import("./meta.mjs").ApiResponse,
 *   describe?: (req: import("./meta.mjs").ApiRequest) => import("./meta.mjs").ApiSummary,
 *   errorResponse?: (spec: import("./faults.mjs").MetaErrorSpec) => import("./meta.mjs").ApiResponse,
 *   faultBody?: (status: number) => unknown,
 *   baseUrlVar?: string,
 * }} ApiModule
 *   `baseUrlVar`: the relay variable a local run points at `<sandbox><prefix>` (TIKTOK_API_BASE).
 */

/**
 * @typedef {{
 *   seq: number, api: string, method: string, path: string, query: Record<string, string>,
 *   headers: Record<string, string>, body: unknown, receivedAt: string,
 *   response: { status: number, body: unknown },
 *   events?: number, testEventCode?: string, fault?: string, pending?: boolean,
 * }} RecordedRequest
 *   `response.status` 0 means no answer was sent (socket reset, or the client left during a hold).
 */

/**
 * @typedef {{
 *   url: string, port: number,
 *   requests: (filter?: { api?: string }) => RecordedRequest[],
 *   clear: () => void,
 *   setFaults: (plan: import("./faults.mjs").FaultPlan) => void,
 *   clearFaults: () => void,
 *   close: () => Promise<void>,
 * }} Sandbox
 */

const DESTINATIONS_DIR = new URL("../src/destinations/", import.meta.url);

/**
 * Emulators kept next to their destination (`src/destinations/<type>/emulator.mjs`, named by the
 * definition's `emulator` field), each exporting `EMULATOR_APIS`: a new destination brings its
 * emulator with its folder.
 * @returns {Promise<ApiModule[]>}
 */
async function destinationEmulators() {
  /** @type {ApiModule[]} */
  const modules = [];
  const folders = readdirSync(DESTINATIONS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const folder of folders.map((e) => e.name).sort()) {
    const url = new URL(`${folder}/emulator.mjs`, DESTINATIONS_DIR);
    if (!existsSync(url)) continue;
    const mod = /** @type {{ EMULATOR_APIS?: ApiModule[] }} */ (await import(url.href));
    modules.push(...(mod.EMULATOR_APIS ?? []));
  }
  return modules;
}

/** @type {ApiModule[]} */
export const API_MODULES = [metaApi, ...GOOGLE_API_MODULES, ...(await destinationEmulators())];

/**
 * The relay variables a local run sets so every emulated API is reached in this sandbox at `base`
 * (its URL): the ones of the built-in modules, then each emulator's own `baseUrlVar`.
 * @param {string} base
 * @returns {Record<string, string>}
 */
export function sandboxBaseUrls(base) {
  return {
    META_API_BASE: `${base}/meta`,
    GOOGLE_ADS_API_BASE: `${base}/google-ads`,
    GOOGLE_OAUTH_TOKEN_URL: `${base}/google-oauth/token`,
    GOOGLE_DATA_MANAGER_API_BASE: `${base}/google-dm`,
    ROLLER_API_BASE: `${base}/roller`,
    ...Object.fromEntries(API_MODULES.flatMap((m) => (m.baseUrlVar ? [[m.baseUrlVar, `${base}${m.prefix}`]] : []))),
  };
}

/** Prefixes the relay's other *_API_BASE variables point at; no emulator behind them yet. */
export const RESERVED_PREFIXES = ["/roller"];

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const REDACTED = "[redacted]";
const SECRET_PARAMS = ["access_token", "appsecret_proof"];

/**
 * @param {{ port?: number, host?: string, now?: () => number, seed?: number,
 *   log?: boolean | ((line: string) => void), maxRequests?: number, apis?: ApiModule[] }} [options]
 * @returns {Promise<Sandbox>}
 */
export async function startSandbox({
  port = 0,
  host = "127.0.0.1",
  now = Date.now,
  seed = 1,
  log = true,
  maxRequests = 1000,
  apis = API_MODULES,
} = {}) {
  /** @type {RecordedRequest[]} */
  const recorded = [];
  let seq = 0;
  const faults = new FaultInjector(seed);
  /** @type {Set<NodeJS.Timeout>} */
  const timers = new Set();
  const logLine = log === false ? () => {} : typeof log === "function" ? log : (/** @type {string} */ line) => console.log(line);
  /** @type {string} */
  let baseUrl = "";

  /** @param {RecordedRequest} entry */
  const record = (entry) => {
    recorded.push(entry);
    if (recorded.length > maxRequests) recorded.splice(0, recorded.length - maxRequests);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      logLine(`[sandbox] internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { message: "sandbox internal error" } });
      else res.destroy();
    });
  });

  /**
   * @param {import("node:http").IncomingMessage} req
   * @param {import("node:http").ServerResponse} res
   */
  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname;

    // --- control routes -------------------------------------------------------------------
    if (path === "/" || path === "/index.html") {
      if (method !== "GET" && method !== "HEAD") return sendJson(res, 405, { error: { message: "use GET" } });
      const html = renderPage({ url: baseUrl, requests: recorded, faults: faults.describe() });
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": PAGE_CSP,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      res.end(method === "HEAD" ? undefined : html);
      return;
    }
    if (path === "/__sandbox/health") return sendJson(res, 200, { ok: true, apis: apis.map((a) => a.name) });
    if (path === "/__sandbox/requests") {
      if (method === "GET") {
        const api = url.searchParams.get("api");
        return sendJson(res, 200, snapshot(recorded, api ? { api } : undefined));
      }
      if (method === "DELETE") {
        const cleared = recorded.length;
        recorded.length = 0;
        return sendJson(res, 200, { cleared });
      }
      return sendJson(res, 405, { error: { message: "use GET or DELETE" } });
    }
    if (path === "/__sandbox/faults") {
      if (method === "GET") return sendJson(res, 200, faults.describe());
      if (method === "DELETE") {
        faults.clear();
        return sendJson(res, 200, faults.describe());
      }
      if (method === "POST" || method === "PUT") {
        const raw = await readBody(req, MAX_BODY_BYTES);
        if (raw === undefined) return sendJson(res, 413, { error: { message: "body too large" } });
        /** @type {unknown} */
        let plan;
        try {
          plan = JSON.parse(raw.toString("utf8") || "[]");
        } catch {
          return sendJson(res, 400, { error: { code: "malformed_json", message: "the fault plan must be JSON" } });
        }
        try {
          faults.set(plan);
        } catch (err) {
          if (err instanceof FaultPlanError) {
            return sendJson(res, 400, { error: { code: "invalid_fault_plan", message: err.message } });
          }
          throw err;
        }
        logLine(`[sandbox] fault plan set: ${faults.rules.length} rule(s), seed ${faults.seed}`);
        return sendJson(res, 200, faults.describe());
      }
      return sendJson(res, 405, { error: { message: "use GET, POST or DELETE" } });
    }

    // --- emulated APIs ----------------------------------------------------------------------
    const mod = apis.find((a) => path === a.prefix || path.startsWith(`${a.prefix}/`));
    const reserved = mod ? undefined : RESERVED_PREFIXES.find((p) => path === p || path.startsWith(`${p}/`));
    if (!mod && !reserved) return sendJson(res, 404, { error: { message: `no emulated API at ${path}` } });

    const raw = await readBody(req, MAX_BODY_BYTES);
    const receivedAt = new Date(now()).toISOString();
    const headers = plainHeaders(req.headers);
    const query = Object.fromEntries(url.searchParams);
    const contentType = headers["content-type"] ?? "";
    const parsed = raw === undefined ? { body: undefined } : parseBody(raw, contentType);
    /** @type {import("./meta.mjs").ApiRequest} */
    const apiReq = {
      method,
      path: mod ? path.slice(mod.prefix.length) || "/" : path,
      query,
      headers,
      contentType,
      body: parsed.body,
      ...(parsed.bodyError ? { bodyError: parsed.bodyError } : {}),
    };
    const summary = mod?.describe?.(apiReq) ?? {};
    /** @type {RecordedRequest} */
    const entry = {
      seq: ++seq,
      api: mod ? mod.name : (reserved ?? "").slice(1),
      method,
      path,
      query: redactParams(query),
      headers: redactHeaders(headers),
      body: redactBody(summary.body ?? parsed.body),
      receivedAt,
      response: { status: 0, body: null },
      ...(summary.events !== undefined ? { events: summary.events } : {}),
      ...(summary.testEventCode !== undefined ? { testEventCode: summary.testEventCode } : {}),
    };
    record(entry);

    if (raw === undefined) {
      return answer(res, entry, { status: 413, body: { error: { message: "request body too large" } } });
    }
    if (!mod) {
      return answer(res, entry, {
        status: 501,
        body: { error: { code: "not_emulated", message: `the sandbox does not emulate ${entry.api} yet` } },
      });
    }

    const fault = faults.pick({ api: mod.name, method, path });
    if (!fault) return answer(res, entry, mod.handle(apiReq, { now }));
    return applyFault(res, entry, mod, apiReq, fault);
  }

  /**
   * @param {import("node:http").ServerResponse} res
   * @param {RecordedRequest} entry
   * @param {ApiModule} mod
   * @param {import("./meta.mjs").ApiRequest} apiReq
   * @param {import("./faults.mjs").FaultResponse} fault
   */
  function applyFault(res, entry, mod, apiReq, fault) {
    if ("reset" in fault) {
      entry.fault = join(entry.fault, "reset");
      entry.response = { status: 0, body: null };
      logRequest(entry);
      res.socket?.destroy();
      res.destroy();
      return;
    }
    if ("timeoutMs" in fault) {
      entry.fault = entry.fault ? `${entry.fault}+timeout(${fault.timeoutMs}ms)` : `timeout(${fault.timeoutMs}ms)`;
      entry.pending = true;
      const timer = setTimeout(() => {
        timers.delete(timer);
        delete entry.pending;
        if (res.destroyed || res.socket?.destroyed) {
          entry.response = { status: 0, body: null };
          logRequest(entry, "client left during the hold");
          return;
        }
        if (fault.then) applyFault(res, entry, mod, apiReq, fault.then);
        else answer(res, entry, mod.handle(apiReq, { now }));
      }, fault.timeoutMs);
      timers.add(timer);
      return;
    }
    if ("malformedJson" in fault) {
      entry.fault = join(entry.fault, "malformedJson");
      const status = fault.status ?? 200;
      const text = `{"events_received":${entry.events ?? 1},"messages":[],"fbtrace_id":"A`;
      entry.response = { status, body: text };
      logRequest(entry);
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
      res.end(text);
      return;
    }
    if ("meta_error" in fault) {
      entry.fault = join(entry.fault, `meta_error(${fault.meta_error.code})`);
      return answer(res, entry, (mod.errorResponse ?? metaErrorResponse)(fault.meta_error));
    }
    entry.fault = join(entry.fault, `status(${fault.status})`);
    /** @type {Record<string, string>} */
    const headers = { ...(fault.headers ?? {}) };
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    const body =
      fault.body !== undefined ? fault.body : mod.faultBody ? mod.faultBody(fault.status) : { error: { message: "sandbox fault" } };
    return answer(res, entry, { status: fault.status, headers, body });
  }

  /**
   * @param {import("node:http").ServerResponse} res
   * @param {RecordedRequest} entry
   * @param {import("./meta.mjs").ApiResponse} response
   */
  function answer(res, entry, response) {
    entry.response = { status: response.status, body: response.body };
    logRequest(entry);
    sendJson(res, response.status, response.body, response.headers);
  }

  /**
   * @param {RecordedRequest} entry
   * @param {string} [note]
   */
  function logRequest(entry, note) {
    const status = entry.fault?.endsWith("reset") ? "reset" : entry.response.status === 0 ? "no answer" : entry.response.status;
    const parts = [`[sandbox] ${entry.api} ${entry.method} ${entry.path} -> ${status}`];
    if (entry.events !== undefined) parts.push(`events=${entry.events}`);
    if (entry.testEventCode !== undefined) parts.push(`test_event_code=${safeForLog(entry.testEventCode)}`);
    const err = errorCodeOf(entry.response.body);
    if (err) parts.push(`error=${err}`);
    if (entry.fault) parts.push(`fault=${entry.fault}`);
    if (note) parts.push(`(${note})`);
    logLine(parts.join(" "));
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${actualPort}`;

  return {
    url: baseUrl,
    port: actualPort,
    requests: (filter) => snapshot(recorded, filter),
    clear: () => {
      recorded.length = 0;
    },
    setFaults: (plan) => faults.set(plan),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * @param {RecordedRequest[]} recorded
 * @param {{ api?: string }} [filter]
 * @returns {RecordedRequest[]}
 */
function snapshot(recorded, filter) {
  const list = filter?.api ? recorded.filter((r) => r.api === filter.api) : recorded;
  return structuredClone(list);
}

/** @param {string | undefined} a @param {string} b */
function join(a, b) {
  return a ? `${a}+${b}` : b;
}

/** @param {string} s */
function safeForLog(s) {
  return s.replace(/[^\w.-]/g, "?").slice(0, 64);
}

/** @param {unknown} body */
function errorCodeOf(body) {
  if (!body || typeof body !== "object") return undefined;
  const e = /** @type {{ error?: { code?: unknown, error_subcode?: unknown } }} */ (body).error;
  if (!e || typeof e !== "object" || e.code === undefined) return undefined;
  return e.error_subcode !== undefined ? `${e.code}/${e.error_subcode}` : String(e.code);
}

/**
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

/**
 * The whole body, or undefined when it exceeds `limit` bytes.
 * @param {import("node:http").IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Buffer | undefined>}
 */
async function readBody(req, limit) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

/**
 * @param {Buffer} raw
 * @param {string} contentType
 * @returns {{ body: unknown, bodyError?: string }}
 */
function parseBody(raw, contentType) {
  if (raw.length === 0) return { body: undefined };
  const text = raw.toString("utf8");
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    return { body: Object.fromEntries(new URLSearchParams(text)) };
  }
  try {
    return { body: JSON.parse(text) };
  } catch {
    if (/json/i.test(contentType) || contentType === "") {
      return { body: text, bodyError: "The request body is not valid JSON." };
    }
    return { body: text };
  }
}

/** @param {import("node:http").IncomingHttpHeaders} h */
function plainHeaders(h) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** @param {Record<string, string>} headers */
function redactHeaders(headers) {
  const out = { ...headers };
  if (out.authorization !== undefined) {
    const scheme = /^(\S+)\s/.exec(out.authorization)?.[1];
    out.authorization = scheme ? `${scheme} ${REDACTED}` : REDACTED;
  }
  // `access-token`: TikTok's Events API takes its token in this header.
  for (const k of ["cookie", "x-api-key", "developer-token", "x-goog-api-key", "access-token"]) {
    if (out[k] !== undefined) out[k] = REDACTED;
  }
  return out;
}

/** @param {Record<string, string>} params */
function redactParams(params) {
  const out = { ...params };
  for (const k of SECRET_PARAMS) if (out[k] !== undefined) out[k] = REDACTED;
  return out;
}

/** @param {unknown} body */
function redactBody(body) {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const out = { .../** @type {Record<string, unknown>} */ (body) };
  for (const k of SECRET_PARAMS) if (out[k] !== undefined) out[k] = REDACTED;
  return out;
}

/**
 * `SANDBOX_NOW` / `--now`: epoch milliseconds or an ISO date; the sandbox clock then stands still.
 * @param {string | undefined} value
 * @returns {(() => number) | undefined}
 */
export function parseNowOverride(value) {
  if (value === undefined || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`cannot read the time ${JSON.stringify(value)} (epoch ms or ISO date)`);
  return () => ms;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (!a.startsWith("--")) continue;
    const [k, inline] = a.slice(2).split("=", 2);
    if (!k) continue;
    if (inline !== undefined) out[k] = inline;
    else if (argv[i + 1] !== undefined && !(argv[i + 1] ?? "").startsWith("--")) out[k] = argv[++i] ?? "";
    else out[k] = true;
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || args.h) {
    console.log("usage: node sandbox/server.mjs [--port 8788] [--host 127.0.0.1] [--seed 1] [--now <ms|ISO>] [--quiet]");
    return;
  }
  const str = (/** @type {string | boolean | undefined} */ v) => (typeof v === "string" ? v : undefined);
  const port = Number(str(args.port) ?? process.env.SANDBOX_PORT ?? 8788);
  const host = str(args.host) ?? process.env.SANDBOX_HOST ?? "127.0.0.1";
  const seed = Number(str(args.seed) ?? process.env.SANDBOX_SEED ?? 1);
  const now = parseNowOverride(str(args.now) ?? process.env.SANDBOX_NOW);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${port}`);
  if (!Number.isInteger(seed)) throw new Error(`bad seed ${seed}`);
  const sandbox = await startSandbox({ port, host, seed, log: args.quiet !== true, ...(now ? { now } : {}) });
  console.log(`[sandbox] listening on ${sandbox.url}  (Meta CAPI base: ${sandbox.url}/meta)`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    sandbox.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`[sandbox] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
