// A closed-loop load generator for `npm run bench`: `concurrency` workers, each sending its next
// request as soon as the previous one is answered, over keep-alive connections on loopback.

import http from "node:http";

/**
 * @typedef {{ path: string, headers: Record<string, string>, body: string }} Req
 * @typedef {{ status: number, ms: number, text: string }} Res
 */

/** @param {number} concurrency */
export function keepAliveAgent(concurrency) {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/**
 * @param {http.Agent} agent
 * @param {string} base e.g. http://127.0.0.1:8787
 * @param {Req} req
 * @returns {Promise<Res>}
 */
export function post(agent, base, req) {
  const url = new URL(req.path, base);
  const body = Buffer.from(req.body, "utf8");
  const started = performance.now();
  return new Promise((resolve) => {
    const r = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { ...req.headers, "content-length": String(body.length) },
      },
      (res) => {
        const chunks = /** @type {Buffer[]} */ ([]);
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", () => resolve({ status: 0, ms: performance.now() - started, text: "" }));
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error("timeout")));
    r.on("error", (err) => resolve({ status: 0, ms: performance.now() - started, text: String(err.message) }));
    r.end(body);
  });
}

/**
 * Drives `next()` requests at fixed concurrency for `durationMs`.
 * Each run opens its own keep-alive connections and closes them at the end: a connection left
 * idle while the other worker is driven may be closed by the server, and reusing it would count
 * as a failed request.
 * @param {{ base: string, concurrency: number, durationMs: number,
 *   next: () => { req: Req, before?: Req, onAnswer?: (res: Res, sentAt: number) => void } }} o
 *   `before`: a request sent first on the same worker (a browser beacon), not counted as a webhook.
 * @returns {Promise<{ latencies: number[], statuses: Record<string, number>, beacons: Record<string, number>, wallMs: number }>}
 */
export async function drive({ base, concurrency, durationMs, next }) {
  const agent = keepAliveAgent(concurrency);
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  /** @type {Record<string, number>} */
  const beacons = {};
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const { req, before, onAnswer } = next();
      if (before) {
        const b = await post(agent, base, before);
        beacons[b.status] = (beacons[b.status] ?? 0) + 1;
      }
      const sentAt = Date.now();
      const res = await post(agent, base, req);
      latencies.push(res.ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      onAnswer?.(res, sentAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { latencies, statuses, beacons, wallMs: performance.now() - started };
}

/**
 * @param {number[]} sorted ascending
 * @param {number} p 0..100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
