// The local demo set-up shared by `npm start` (scripts/start.mjs) and `npm run sample`
// (scripts/send-sample.mjs). Nothing here is a real credential: the demo tenant only ever talks to
// the local sandbox.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatSecret } from "./standard-webhooks.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STATE_DIR = join(ROOT, ".sandbox");
export const DEMO_FILE = join(STATE_DIR, "demo.json");

export const RELAY_PORT = Number(process.env.RELAY_PORT ?? 8787);
export const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8788);
export const RELAY_URL = process.env.RELAY_URL ?? `http://127.0.0.1:${RELAY_PORT}`;
export const SANDBOX_URL = process.env.SANDBOX_URL ?? `http://127.0.0.1:${SANDBOX_PORT}`;

export const DEMO_TENANT = Object.freeze({ id: "demo", name: "Demo Shop", region: "global", defaultCountry: "US" });
export const DEMO_SOURCE_ID = "shop";
/** whsec_ + base64 of the fixed 24 bytes "sluice-demo-signing-key!" (demo only). */
export const DEMO_SIGNING_SECRET = formatSecret(Buffer.from("sluice-demo-signing-key!", "utf8"));
export const DEMO_DESTINATION_ID = "meta";
/** The sandbox's Google emulators accept any OAuth client; none of these is a real credential. */
const DEMO_GOOGLE_OAUTH = {
  clientId: "demo-client.apps.googleusercontent.com",
  clientSecret: "demo-client-secret",
  refreshToken: "1//demo-refresh-token",
};
/**
 * Google destinations next to Meta, all answered by the sandbox. The Data Manager API comes first:
 * it is Google's primary path; `google_ads` (UploadClickConversions) is for accounts already
 * allowlisted, Google having closed it to new integrations on 2026-06-15.
 */
export const DEMO_GOOGLE_DESTINATIONS = Object.freeze({
  "google-dm": {
    type: "google_data_manager",
    enabled: true,
    settings: { operatingAccountId: "123-456-7890", conversionActionId: "987654321" },
    credentials: DEMO_GOOGLE_OAUTH,
  },
  "google-ads": {
    type: "google_ads",
    enabled: true,
    settings: { customerId: "123-456-7890", conversionActionId: "987654321" },
    credentials: { developerToken: "demo-developer-token", ...DEMO_GOOGLE_OAUTH },
  },
});
export const DEMO_META_DESTINATION = Object.freeze({
  type: "meta",
  enabled: true,
  settings: { pixelId: "1234567890", actionSource: "website", testEventCode: "TEST12345" },
  credentials: { accessToken: "demo-meta-token" },
});

/**
 * @typedef {{ tenantId: string, apiKey?: string, sourceId: string, signingSecret: string,
 *   relayUrl: string, sandboxUrl: string, createdAt?: string, updatedAt: string }} DemoState
 */

/** @returns {DemoState | undefined} */
export function readDemoState() {
  if (!existsSync(DEMO_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(DEMO_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

/** @param {DemoState} state */
export function writeDemoState(state) {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(DEMO_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads a dotenv-style file (`KEY=value`, `KEY="value"`, `# comments`).
 * @param {string} path
 * @returns {Record<string, string>}
 */
export function readDotenv(path) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m?.[1]) continue;
    let value = m[2] ?? "";
    if (/^"(.*)"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, "\n").replace(/\\"/g, '"');
    else if (/^'(.*)'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]] = value;
  }
  return out;
}
