#!/usr/bin/env node
// A relay runtime in its own process, so a test can crash it for real (SIGKILL to the process
// group: this Node process and the workerd it spawned) and start another on the same state.
//
//   node test-node/relay-runner.mjs --sandbox <url> --persist <dir> [--scale 0.1] [--port 0]
//
// State lives under --persist (Durable Objects, D1, KV, R2, via Miniflare's defaultPersistRoot);
// the D1 migrations are applied on the first start only (a marker file records it). Prints one
// JSON line `{"ready": "<url>", "pid": n}` to stdout once the relay listens; the runtime's own log
// lines go to stderr. Exits when its parent goes away, so it never outlives the test that made it.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startRelayRuntime } from "../scripts/lib/relay-runtime.mjs";

const { values } = parseArgs({
  options: {
    sandbox: { type: "string" },
    persist: { type: "string" },
    scale: { type: "string" },
    port: { type: "string", default: "0" },
    "admin-token": { type: "string" },
  },
});
if (!values.sandbox || !values.persist) {
  console.error("usage: relay-runner.mjs --sandbox <url> --persist <dir> [--scale s] [--port n]");
  process.exit(2);
}

const persistRoot = path.resolve(values.persist);
mkdirSync(persistRoot, { recursive: true });
const marker = path.join(persistRoot, ".migrated");
const firstStart = !existsSync(marker);

const { mf, url } = await startRelayRuntime({
  sandboxUrl: values.sandbox,
  persistRoot,
  port: Number(values.port),
  ...(values.scale ? { retryTimeScale: values.scale } : {}),
  ...(values["admin-token"] ? { adminToken: values["admin-token"] } : {}),
  migrate: firstStart,
  onLogLine: (line) => process.stderr.write(`${line}\n`),
});
if (firstStart) writeFileSync(marker, new Date().toISOString());
process.stdout.write(`${JSON.stringify({ ready: url, pid: process.pid, migrated: firstStart })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(0);
  }
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Orphaned (the test process died without cleaning up): go too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 500).unref();
// Keep the event loop alive while the runtime serves.
setInterval(() => {}, 1 << 30);
