// The webhooks `npm run bench` sends (scripts/bench.mjs): signed as each platform signs them, with
// consent to share with Meta, a unique order per request. `standard` is Sluice's own format
// (Standard Webhooks); `shopify` an orders/paid webhook; `stripe` a checkout.session.completed
// whose consent arrives first in a browser beacon under the session's join key.

import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { samplePurchase } from "./sample-purchase.mjs";
import { signStandardWebhook } from "./standard-webhooks.mjs";

/** @typedef {{ path: string, headers: Record<string, string>, body: string, orderId: string, beacon?: { path: string, headers: Record<string, string>, body: string } }} BenchRequest */

/** @param {string} root */
export function loadFixtures(root) {
  const read = (/** @type {string} */ name) => JSON.parse(readFileSync(path.join(root, "test/fixtures", name), "utf8"));
  return { shopify: read("shopify-order-paid.json"), stripe: read("stripe-checkout-session-completed.json") };
}

/**
 * @param {{ secret: string, orderId: string, nowMs: number }} o
 * @returns {{ headers: Record<string, string>, body: string }}
 */
export function standardWebhook({ secret, orderId, nowMs }) {
  const body = JSON.stringify(samplePurchase(orderId, nowMs));
  const headers = signStandardWebhook({ secret, body, timestamp: Math.floor(nowMs / 1000) });
  return { headers: { "content-type": "application/json", ...headers }, body };
}

/**
 * @param {{ fixture: any, secret: string, orderNumber: number, nowMs: number }} o
 */
export function shopifyWebhook({ fixture, secret, orderNumber, nowMs }) {
  const id = 7_000_000_000_000 + orderNumber;
  const order = {
    ...fixture,
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    processed_at: new Date(nowMs - 60_000).toISOString(),
    created_at: new Date(nowMs - 120_000).toISOString(),
    checkout_token: `ct${id}`,
    note_attributes: [...(fixture.note_attributes ?? []), { name: "_sluice_consent", value: JSON.stringify({ meta: "granted" }) }],
  };
  const body = JSON.stringify(order);
  return {
    orderId: String(id),
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/paid",
      "x-shopify-shop-domain": "bench-shop.myshopify.com",
      "x-shopify-webhook-id": `wh-${id}`,
      "x-shopify-hmac-sha256": createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest("base64"),
    },
    body,
  };
}

/**
 * A Stripe Checkout webhook without consent of its own, and the beacon that brings it.
 * @param {{ fixture: any, secret: string, orderId: string, nowMs: number, tenantId: string, beaconKey: string }} o
 */
export function stripeWithBeacon({ fixture, secret, orderId, nowMs, tenantId, beaconKey }) {
  const joinKey = `jk_${orderId}`;
  const session = fixture.data.object;
  const { sluice_consent: _consent, ...metadata } = session.metadata ?? {};
  const event = {
    ...fixture,
    id: `evt_${orderId}`,
    created: Math.floor(nowMs / 1000) - 30,
    data: {
      ...fixture.data,
      object: { ...session, id: `cs_live_${orderId}`, metadata: { ...metadata, order_id: orderId, sluice_join_key: joinKey } },
    },
  };
  const body = JSON.stringify(event);
  const t = Math.floor(nowMs / 1000);
  const sig = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${t}.${body}`).digest("hex");
  const exp = t + 3600;
  const token = createHmac("sha256", Buffer.from(beaconKey, "utf8")).update(`${tenantId}.${joinKey}.${exp}`).digest("base64url");
  return {
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${sig}` },
    body,
    beacon: {
      headers: {
        "content-type": "text/plain",
        origin: "https://shop.example",
        // Each simulated browser has an address of its own (beacons are limited per address).
        "cf-connecting-ip": `198.18.${(nowMs >> 8) & 255}.${nowMs & 255}`,
      },
      body: JSON.stringify({
        joinKey,
        joinToken: `v1.${exp}.${token}`,
        consent: { meta: "granted" },
        clickIds: { fbp: "fb.1.1767000000000.123456789" },
        page: { url: "https://shop.example/checkout" },
      }),
    },
  };
}

/** A run-unique prefix for order ids, so a rerun against the same state never looks like a redelivery. */
export function runPrefix() {
  return `b${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}
