import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { utf8 } from "../../src/config/encoding";
import { clock } from "../../src/platform/clock";
import type { SourceContext, SourceDefinition, VerifiedRequest } from "../../src/sources/types";
import { ADMIN, BASE, META_TOKEN, admin, beaconKeys } from "../helpers/relay";
import rollerCreated from "../fixtures/roller-booking-created.json";
import rollerDetail from "../fixtures/roller-booking-detail.json";
import shopifyPaid from "../fixtures/shopify-order-paid.json";
import stripeCompleted from "../fixtures/stripe-checkout-session-completed.json";
import wooProcessing from "../fixtures/woocommerce-order-processing.json";

/** Fresh, mutable copies of the sample payloads in test/fixtures. */
export const fixtures = {
  rollerCreated: () => structuredClone(rollerCreated) as any,
  rollerDetail: () => structuredClone(rollerDetail) as any,
  shopifyPaid: () => structuredClone(shopifyPaid) as any,
  stripeCompleted: () => structuredClone(stripeCompleted) as any,
  wooProcessing: () => structuredClone(wooProcessing) as any,
};

/** A fresh copy of a sample payload (one of `fixtures`) with `mutate` applied. */
export function changed<T>(sample: () => T, mutate: (payload: T) => void = () => {}): T {
  const payload = sample();
  mutate(payload);
  return payload;
}

/** Test secrets, one per platform, in each platform's own format. */
export const SECRETS = {
  roller: "roller-test-shared-key-7Hq2mZ9xLw4Rb8Np3Ks6Vt1Yc5",
  shopify: "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",
  stripe: "whsec_3f9a7c1e5b2d8f4a6c0e9b7d5f3a1c8e",
  woocommerce: "wc-test-secret: K8#p&2vQ!x",
};

const encoder = new TextEncoder();

async function hmac(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Headers as each platform sends them, signed here from the test secret. */
export const sign = {
  roller: (key = SECRETS.roller, header = "x-api-key") => ({ "content-type": "application/json", [header]: key }),

  async shopify(body: string, opts: { secret?: string; topic?: string; webhookId?: string } = {}) {
    return {
      "content-type": "application/json",
      "x-shopify-topic": opts.topic ?? "orders/paid",
      "x-shopify-shop-domain": "northwind-outfitters.myshopify.com",
      "x-shopify-api-version": "2026-10",
      "x-shopify-webhook-id": opts.webhookId ?? "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "x-shopify-triggered-at": "2026-11-22T15:14:05.123Z",
      "x-shopify-hmac-sha256": base64(await hmac(opts.secret ?? SECRETS.shopify, body)),
    };
  },

  async stripe(body: string, opts: { secret?: string; timestamp?: number; extra?: string[] } = {}) {
    const t = opts.timestamp ?? Math.floor(clock.now() / 1000);
    const v1 = hex(await hmac(opts.secret ?? SECRETS.stripe, `${t}.${body}`));
    return {
      "content-type": "application/json; charset=utf-8",
      "stripe-signature": [
        `t=${t}`,
        ...(opts.extra ?? []),
        `v1=${v1}`,
        "v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
      ].join(","),
    };
  },

  async woocommerce(body: string, opts: { secret?: string; topic?: string; deliveryId?: string } = {}) {
    const topic = opts.topic ?? "order.updated";
    return {
      "content-type": "application/json",
      "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
      "x-wc-webhook-source": "https://shop.example.de/",
      "x-wc-webhook-topic": topic,
      "x-wc-webhook-resource": topic.split(".")[0]!,
      "x-wc-webhook-event": topic.split(".")[1] ?? "",
      "x-wc-webhook-id": "14",
      "x-wc-webhook-delivery-id": opts.deliveryId ?? "2f0b9c41d8e7a6b5c4d3e2f1a0b9c8d7",
      "x-wc-webhook-signature": base64(await hmac(opts.secret ?? SECRETS.woocommerce, body)),
    };
  },
};

/** A request and context as the ingest route builds them, for unit-level adapter calls. */
export function request(text: string, headers: Record<string, string>): VerifiedRequest {
  return { headers: new Headers(headers), body: utf8(text), text };
}

export function context(secret: string, options: Record<string, unknown> = {}, now = Date.now()): SourceContext {
  return { tenantId: "t-unit", sourceId: "src", secret, options, now };
}

/** `verify` of a source adapter for a raw body and headers, in the unit context with `secret`. */
export const verifier =
  (source: SourceDefinition, defaultSecret: string) =>
  (body: string, headers: Record<string, string>, secret = defaultSecret) =>
    source.verify(request(body, headers), context(secret));

type Signer = (body: string, opts?: { secret?: string; topic?: string }) => Promise<Record<string, string>>;

/**
 * `parse` of a source adapter for a payload signed as the platform signs it, under `topic` for
 * platforms that name one (default `defaultTopic`), in the unit context with `options`, at `now`.
 */
export const signedParser =
  (source: SourceDefinition, secret: string, signer: Signer, defaultTopic?: string, now: () => number = Date.now) =>
  async (payload: unknown, options: Record<string, unknown> = {}, topic = defaultTopic) => {
    const raw = JSON.stringify(payload);
    return source.parse(request(raw, await signer(raw, { topic })), context(secret, options, now()));
  };

/**
 * The signature tests every source signed by a base64 HMAC of the raw body shares (Shopify,
 * WooCommerce): the platform's signature of `raw` verifies; the body changed by one byte, a
 * signature by `otherSecret`, or no `header` do not.
 */
export function itChecksBodyHmac(
  source: SourceDefinition,
  secret: string,
  signer: Signer,
  raw: string,
  forged: { otherSecret: string; header: string },
) {
  const verify = verifier(source, secret);

  it("accepts the base64 HMAC of the raw body", async () => {
    expect(await verify(raw, await signer(raw))).toBe(true);
  });

  it("rejects a body changed by one byte, a wrong secret, a missing header", async () => {
    const headers = await signer(raw);
    expect(await verify(oneByteChanged(raw), headers)).toBe(false);
    expect(await verify(raw, await signer(raw, { secret: forged.otherSecret }))).toBe(false);
    const { [forged.header]: _dropped, ...unsigned } = headers;
    expect(await verify(raw, unsigned)).toBe(false);
  });
}

/** Flips one byte of the body (a digit or letter), as a tampering proxy would. */
export function oneByteChanged(raw: string): string {
  const i = raw.search(/[0-9]/);
  const ch = raw[i]!;
  return raw.slice(0, i) + (ch === "9" ? "8" : String(Number(ch) + 1)) + raw.slice(i + 1);
}

export interface SourceTenant {
  id: string;
  type: "roller" | "shopify" | "stripe" | "woocommerce";
  secret: string;
  options?: Record<string, unknown>;
  consentPolicy?: Record<string, unknown>;
  /** The Meta destination's action source; "website" needs UA and page URL on the event. */
  actionSource?: string;
  allowedOrigins?: string[];
}

/** A tenant with one source `hook` of the given type and a Meta destination `meta`, via the Admin API. */
export async function createSourceTenant(t: SourceTenant): Promise<void> {
  const created = await admin("POST", "/tenants", {
    id: t.id,
    name: `Tenant ${t.id}`,
    region: "global",
    defaultCountry: "US",
    ...(t.allowedOrigins ? { allowedOrigins: t.allowedOrigins } : {}),
  });
  if (created.status !== 201) throw new Error(`tenant create failed: ${created.status} ${created.text}`);
  const source = await admin("PUT", `/tenants/${t.id}/sources/hook`, { type: t.type, secret: t.secret, options: t.options ?? {} });
  if (source.status >= 300) throw new Error(`source put failed: ${source.status} ${source.text}`);
  const dest = await admin("PUT", `/tenants/${t.id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: t.actionSource ?? "website" },
    credentials: { accessToken: META_TOKEN },
  });
  if (dest.status >= 300) throw new Error(`destination put failed: ${dest.status} ${dest.text}`);
  const key = await admin("POST", `/tenants/${t.id}/beacon-key`);
  if (key.status !== 201) throw new Error(`beacon key failed: ${key.status} ${key.text}`);
  beaconKeys.set(t.id, key.json.beaconKey);
  if (t.consentPolicy) {
    const policy = await admin("PUT", `/tenants/${t.id}/consent-policy`, t.consentPolicy);
    if (policy.status >= 300) throw new Error(`consent policy put failed: ${policy.status} ${policy.text}`);
  }
}

/** POSTs a webhook to the tenant's `hook` source through the Worker. */
export async function postHook(tenantId: string, body: string, headers: Record<string, string>) {
  const res = await exports.default.fetch(`${BASE}/v1/hooks/${tenantId}/hook`, { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}

/** Rows of the tenant's Durable Object: what was stored, if anything. */
export function storedRows(tenantId: string) {
  return runInDurableObject(env.TENANT_RELAY.getByName(tenantId), (_instance, state) => {
    const q = (sql: string) => {
      try {
        return state.storage.sql.exec(sql).toArray();
      } catch {
        return [];
      }
    };
    return { events: q("SELECT * FROM events"), deliveries: q("SELECT * FROM deliveries") };
  });
}

export async function eventDetail(tenantId: string, eventId: string) {
  return (await admin("GET", `/tenants/${tenantId}/events/${eventId}`)).json;
}

/**
 * Waits for the event's first delivery to leave `pending`. The alarm is set for "now", so workerd
 * may run it on its own before a test's runDurableObjectAlarm gets to; polling covers both.
 */
export async function settledDelivery(tenantId: string, eventId: string) {
  return vi.waitFor(
    async () => {
      const detail = await eventDetail(tenantId, eventId);
      const delivery = detail?.deliveries?.[0];
      expect(delivery?.status).not.toBe("pending");
      return delivery;
    },
    { timeout: 5_000, interval: 50 },
  );
}

export { ADMIN };
