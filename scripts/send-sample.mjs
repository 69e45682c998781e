#!/usr/bin/env node
// `npm run sample`: sends one signed sample purchase from the demo shop to the local relay
// (started by `npm start`), prints the relay's answer and the equivalent curl command.
//
//   node scripts/send-sample.mjs [--relay http://127.0.0.1:8787] [--order <orderId>] [--quiet-curl]
//   (env: RELAY_URL)

import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { DEMO_SIGNING_SECRET, DEMO_SOURCE_ID, DEMO_TENANT, RELAY_URL, SANDBOX_URL, readDemoState } from "./lib/demo.mjs";
import { signStandardWebhook } from "./lib/standard-webhooks.mjs";

/**
 * A standard-source purchase that happened just now.
 * @param {{ orderId?: string, now?: Date }} [options]
 */
export function buildSamplePurchase({ orderId, now = new Date() } = {}) {
  const ms = now.getTime();
  const fbclid = `IwAR${randomBytes(12).toString("base64url")}`;
  return {
    type: "purchase",
    orderId: orderId ?? `demo-${ms}`,
    occurredAt: now.toISOString(),
    value: 49.0,
    currency: "USD",
    items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
    customer: {
      email: "Jane.Doe@Example.com",
      phone: "+1 (650) 555-1212",
      firstName: "Jane",
      lastName: "Doe",
      city: "Menlo Park",
      state: "CA",
      zip: "94025",
      country: "US",
      externalId: "customer-1001",
    },
    clickIds: {
      gclid: `Cj0KCQiA-demo${ms}`,
      fbclid,
      fbc: `fb.1.${ms - 60_000}.${fbclid}`,
      fbp: `fb.1.${ms - 86_400_000}.${1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)}`,
    },
    client: {
      ip: "203.0.113.7",
      userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
      pageUrl: "https://shop.example/checkout/thanks",
    },
    consent: {
      meta: "granted",
      gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" },
    },
  };
}

/** @param {string} s */
function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string} body
 */
export function curlCommand(url, headers, body) {
  const lines = [`curl -sS -X POST ${shellQuote(url)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${k}: ${v}`)}`);
  lines.push(`  --data-raw ${shellQuote(body)}`);
  return lines.join(" \\\n");
}

/**
 * @param {string[]} argv
 * @param {string} name
 */
function option(argv, name) {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const inline = argv.find((a) => a.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : undefined;
}

async function main() {
  const argv = process.argv.slice(2);
  const relay = (option(argv, "relay") ?? readDemoState()?.relayUrl ?? RELAY_URL).replace(/\/+$/, "");
  const url = `${relay}/v1/hooks/${DEMO_TENANT.id}/${DEMO_SOURCE_ID}`;
  const orderId = option(argv, "order");
  const body = JSON.stringify(buildSamplePurchase(orderId ? { orderId } : {}));
  const headers = {
    "content-type": "application/json",
    ...signStandardWebhook({ secret: DEMO_SIGNING_SECRET, body }),
  };

  console.log(`POST ${url}`);
  /** @type {Response} */
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    console.error(`Could not reach the relay at ${relay}${cause}. Is \`npm start\` running?`);
    process.exitCode = 1;
    return;
  }
  const text = await res.text();
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show as is
  }
  console.log(`→ ${res.status} ${res.statusText}`);
  console.log(shown);
  if (!res.ok) process.exitCode = 1;

  if (!argv.includes("--quiet-curl")) {
    console.log("\nThe same delivery with curl (same webhook-id and timestamp: within 5 minutes the relay");
    console.log("answers it as a duplicate; after that the signature timestamp is too old):\n");
    console.log(curlCommand(url, headers, body));
  }
  console.log(`\nSee what the destinations received: ${SANDBOX_URL}/`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
