import { env } from "cloudflare:workers";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import app from "../src/index";
import { SHA256 } from "./helpers/hash-vectors";
import { advance, now, useTestClock } from "./helpers/clock";
import { metaReceives, metaRequests } from "./helpers/meta";
import { server, useMsw } from "./helpers/msw";
import { admin, alarmAt, api, createTenant, deliveryOf, purchase, relayRows, runAlarm, sendWebhook } from "./helpers/relay";
import { signStandard } from "./helpers/standard-webhooks";

useMsw();
useTestClock();

/*
 * The relay spine as a black-box reader of its contract checks it: a signed standard webhook in,
 * the Conversions API request Meta receives out, and the delivery log in between, all through the
 * Worker's routes. Hash values are Meta's documented normalization
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters).
 */

const UK_PHONE_HASH = "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823";

/** Replaces the tenant's Meta destination (its token kept): enabled or not, with an action source. */
function putMeta(tenant: string, { enabled, actionSource }: { enabled: boolean; actionSource: string }) {
  return admin("PUT", `/tenants/${tenant}/destinations/meta`, {
    type: "meta",
    enabled,
    settings: { pixelId: "1234567890", actionSource },
  });
}

describe("Meta user_data through the webhook route", () => {
  it("reads a phone without a country code in the tenant's defaultCountry, and does not send that country", async () => {
    await createTenant("sa-default-country", { defaultCountry: "GB" });
    const sent = metaReceives();
    const body = purchase("sa-dc-1", { customer: { email: "john.doe@example.com", phone: "020 7946 0958" } });
    expect((await sendWebhook("sa-default-country", body)).status).toBe(202);
    await runAlarm("sa-default-country");
    expect(sent).toHaveLength(1);
    expect(sent[0].user_data.ph).toEqual([UK_PHONE_HASH]);
    expect(sent[0].user_data.em).toEqual([SHA256["john.doe@example.com"]]);
    expect(sent[0].user_data.country).toBeUndefined();
  });

  it("reads the phone in the customer's own country before the tenant's", async () => {
    await createTenant("sa-customer-country", { defaultCountry: "GB" });
    const sent = metaReceives();
    await sendWebhook("sa-customer-country", purchase("sa-cc-1", { customer: { phone: "(650) 555-1212", country: "US" } }));
    await runAlarm("sa-customer-country");
    expect(sent[0].user_data).toMatchObject({ ph: [SHA256["16505551212"]], country: [SHA256.us] });
  });

  it("passes pre-hashed values through, lower-cased and not hashed again", async () => {
    await createTenant("sa-prehashed");
    const sent = metaReceives();
    const customer = {
      email: SHA256["john.doe@example.com"].toUpperCase(),
      phone: ` ${SHA256["16505551212"]} `,
      externalId: SHA256["user-123"],
    };
    await sendWebhook("sa-prehashed", purchase("sa-ph-1", { customer }));
    await runAlarm("sa-prehashed");
    expect(sent[0].user_data).toMatchObject({
      em: [SHA256["john.doe@example.com"]],
      ph: [SHA256["16505551212"]],
      external_id: [SHA256["user-123"]],
    });
  });

  it("drops an invalid field and still delivers the event with the others", async () => {
    await createTenant("sa-invalid-field");
    const sent = metaReceives();
    const res = await sendWebhook(
      "sa-invalid-field",
      purchase("sa-if-1", { customer: { email: "not-an-email", phone: "call me", firstName: "Mary", country: "Narnia" } }),
    );
    expect(res.status).toBe(202);
    await runAlarm("sa-invalid-field");
    expect(sent).toHaveLength(1);
    const keys = Object.keys(sent[0].user_data).sort();
    expect(keys).toEqual(["client_ip_address", "client_user_agent", "fbc", "fbp", "fn"]);
    expect(sent[0].user_data.fn).toEqual([SHA256.mary]);
    expect(await deliveryOf("sa-invalid-field", res.json.id)).toMatchObject({ status: "delivered" });
  });

  it("sends event_time in Unix seconds from a time given with an offset, and the order id as event_id", async () => {
    await createTenant("sa-time");
    const sent = metaReceives();
    const at = new Date(now() - 3_600_000);
    // The same instant written in UTC+02:00.
    const local = new Date(at.getTime() + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
    await sendWebhook("sa-time", purchase("sa-time-1", { occurredAt: local }));
    await runAlarm("sa-time");
    expect(sent[0]).toMatchObject({ event_time: Math.floor(at.getTime() / 1000), event_id: "sa-time-1", event_name: "Purchase" });
    expect(Number.isInteger(sent[0].event_time)).toBe(true);
  });

  it("sends an event of a non-website action source without browser context", async () => {
    await createTenant("sa-store");
    await putMeta("sa-store", { enabled: true, actionSource: "physical_store" });
    const sent = metaReceives();
    const res = await sendWebhook("sa-store", purchase("sa-store-1", { client: {} }));
    await runAlarm("sa-store");
    expect(sent).toHaveLength(1);
    expect(sent[0].action_source).toBe("physical_store");
    expect(sent[0].event_source_url).toBeUndefined();
    expect(await deliveryOf("sa-store", res.json.id)).toMatchObject({ status: "delivered" });
  });
});

describe("the delivery log", () => {
  it("shows an event as the contract gives it: ids, receipt, expiry 24 h later, deliveries", async () => {
    await createTenant("sa-log");
    metaReceives();
    const res = await sendWebhook("sa-log", purchase("sa-log-1"));
    const detail = await admin("GET", `/tenants/sa-log/events/${res.json.id}`);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ id: res.json.id, sourceId: "shop", orderId: "sa-log-1" });
    expect(Date.parse(detail.json.receivedAt)).toBe(now());
    expect(Date.parse(detail.json.expiresAt) - Date.parse(detail.json.receivedAt)).toBe(24 * 3_600_000);
    expect(detail.json.deliveries).toEqual([
      expect.objectContaining({
        destinationId: "meta",
        type: "meta",
        decision: "send",
        reason: "meta_granted",
        status: "pending",
        attempts: 0,
      }),
    ]);
    const listed = (await admin("GET", "/tenants/sa-log/events")).json.events;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: res.json.id,
      sourceId: "shop",
      orderId: "sa-log-1",
      receivedAt: detail.json.receivedAt,
      expiresAt: detail.json.expiresAt,
    });
  });

  it("filters by since, status and limit", async () => {
    await createTenant("sa-since");
    metaReceives();
    await sendWebhook("sa-since", purchase("sa-since-old"));
    advance(60_000);
    const cut = new Date(now()).toISOString();
    await sendWebhook("sa-since", purchase("sa-since-new"));
    await sendWebhook("sa-since", purchase("sa-since-blocked", { consent: undefined }));
    const list = async (q: string) => (await admin("GET", `/tenants/sa-since/events?${q}`)).json.events.map((e: any) => e.orderId);
    expect((await list(`since=${encodeURIComponent(cut)}`)).sort()).toEqual(["sa-since-blocked", "sa-since-new"]);
    expect(await list("status=blocked")).toEqual(["sa-since-blocked"]);
    expect(await list("limit=1")).toHaveLength(1);
  });

  it("answers 404 with the error shape for an unknown event id", async () => {
    await createTenant("sa-404");
    const res = await admin("GET", "/tenants/sa-404/events/evt_nope");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});

describe("errors", () => {
  it("an unknown route answers 404 with the JSON error shape", async () => {
    const unknown = await api("/v1/nothing-here");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });

  // Every route of the v1 API and the method it takes, asked with another: 405 with the error
  // shape and `Allow` (RFC 9110 §15.5.6, https://www.rfc-editor.org/rfc/rfc9110#name-405-method-not-allowed).
  const routes: Array<[string, string, string]> = [
    ["/healthz", "POST", "GET"],
    ["/v1/hooks/sa-405/shop", "GET", "POST"],
    ["/v1/collect/sa-405", "GET", "POST"],
    ["/v1/consent/sa-405/withdraw", "GET", "POST"],
    ["/v1/admin/tenants/sa-405/events", "DELETE", "GET"],
    ["/v1/admin/tenants/sa-405/events/evt_x", "DELETE", "GET"],
    ["/v1/admin/tenants/sa-405/events/evt_x/replay", "GET", "POST"],
    ["/v1/admin/tenants/sa-405/stats", "POST", "GET"],
    ["/v1/admin/tenants/sa-405/dry-run", "GET", "POST"],
    ["/v1/admin/tenants/sa-405/subjects/erase", "GET", "POST"],
    ["/v1/collect/sa-405/sluice.js", "POST", "GET"],
    ["/v1/openapi.json", "POST", "GET"],
    ["/docs", "POST", "GET"],
    ["/console", "DELETE", "GET"],
  ];
  it.each(routes)("%s with %s answers 405 (it takes %s)", async (path, method, allowed) => {
    if ((await admin("GET", "/tenants/sa-405")).status === 404) await createTenant("sa-405");
    const res = await api(path, { method, headers: { authorization: "Bearer test-admin-token", origin: "https://shop.example" } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain(allowed);
    expect(await res.json()).toEqual({ error: { code: "method_not_allowed", message: expect.any(String) } });
  });

  it("HEAD is answered as GET, not 405", async () => {
    expect((await api("/healthz", { method: "HEAD" })).status).toBe(200);
  });
});

describe("delivery", () => {
  it("a webhook is sent by the alarm run at its receipt (the alarm is set for now)", async () => {
    await createTenant("sa-prompt");
    const sent = metaReceives();
    await sendWebhook("sa-prompt", purchase("sa-prompt-1"));
    const at = await alarmAt("sa-prompt");
    expect(at).not.toBeNull();
    expect(at! - now()).toBeLessThanOrEqual(1_000);
    await runAlarm("sa-prompt");
    expect(sent).toHaveLength(1);
  });

  it("Meta throttling (HTTP 429, code 4/17/613) is retried, not failed", async () => {
    await createTenant("sa-throttle");
    let calls = 0;
    const codes = [4, 17, 613, 80003];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const body = (await request.json()) as any;
        const code = codes[calls++];
        return code === undefined
          ? HttpResponse.json({ events_received: body.data.length, messages: [] })
          : HttpResponse.json({ error: { code, message: "throttled", type: "OAuthException" } }, { status: code === 4 ? 429 : 400 });
      }),
    );
    const res = await sendWebhook("sa-throttle", purchase("sa-thr-1"));
    await runAlarm("sa-throttle");
    for (let i = 0; i < 12 && calls < 5; i++) {
      advance(10 * 60_000);
      await runAlarm("sa-throttle");
    }
    expect(calls).toBe(5);
    expect(await deliveryOf("sa-throttle", res.json.id)).toMatchObject({ status: "delivered", attempts: 5 });
  });

  it("a duplicate sent after delivery sends nothing more", async () => {
    await createTenant("sa-dup-late");
    const sent = metaReceives();
    const first = await sendWebhook("sa-dup-late", purchase("sa-dl-1"));
    await runAlarm("sa-dup-late");
    advance(3_600_000);
    const again = await sendWebhook("sa-dup-late", purchase("sa-dl-1", { value: 50 }));
    expect(again).toEqual({ status: 200, json: { status: "duplicate", id: first.json.id } });
    await runAlarm("sa-dup-late");
    expect(sent).toHaveLength(1);
    expect((await relayRows("sa-dup-late")).events).toHaveLength(1);
  });
});

describe("queue and batches", () => {
  it("a disabled destination gets no delivery and no request", async () => {
    await createTenant("sa-disabled");
    await putMeta("sa-disabled", { enabled: false, actionSource: "website" });
    const sent = metaReceives();
    const res = await sendWebhook("sa-disabled", purchase("sa-dis-1"));
    expect(res.status).toBe(202);
    await runAlarm("sa-disabled");
    expect(sent).toEqual([]);
    expect((await admin("GET", `/tenants/sa-disabled/events/${res.json.id}`)).json.deliveries).toEqual([]);
  });

  it("events received together leave in one Conversions API request", async () => {
    await createTenant("sa-batch");
    const requests = metaRequests();
    for (const id of ["sa-b-1", "sa-b-2", "sa-b-3"]) await sendWebhook("sa-batch", purchase(id));
    await runAlarm("sa-batch");
    expect(requests).toHaveLength(1);
    expect(requests[0]!.map((e) => e.event_id).sort()).toEqual(["sa-b-1", "sa-b-2", "sa-b-3"]);
  });

  it("a redelivery 23 hours later is still a duplicate", async () => {
    await createTenant("sa-dup-23h");
    const sent = metaReceives();
    const first = await sendWebhook("sa-dup-23h", purchase("sa-23-1"));
    await runAlarm("sa-dup-23h");
    advance(23 * 3_600_000);
    const body = purchase("sa-23-1");
    const again = await sendWebhook("sa-dup-23h", body);
    expect(again).toEqual({ status: 200, json: { status: "duplicate", id: first.json.id } });
    await runAlarm("sa-dup-23h");
    expect(sent).toHaveLength(1);
  });

  it("a webhook without a content type is read the same", async () => {
    await createTenant("sa-no-ctype");
    const raw = JSON.stringify(purchase("sa-nc-1"));
    const { "content-type": _ct, ...headers } = await signStandard(raw, { timestamp: Math.floor(now() / 1000) });
    const res = await api("/v1/hooks/sa-no-ctype/shop", { method: "POST", headers, body: raw });
    expect(res.status).toBe(202);
  });

  it("a network error reaching Meta is retried under the same event_id", async () => {
    await createTenant("sa-neterr");
    const requests = metaRequests(1);
    const res = await sendWebhook("sa-neterr", purchase("sa-ne-1"));
    await runAlarm("sa-neterr");
    expect(await deliveryOf("sa-neterr", res.json.id)).toMatchObject({ status: "pending", attempts: 1, lastError: "network_error" });
    advance(15_000);
    await runAlarm("sa-neterr");
    expect(requests.flat().map((e) => e.event_id)).toEqual(["sa-ne-1", "sa-ne-1"]);
    expect(await deliveryOf("sa-neterr", res.json.id)).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("24-hour purge with nothing else to do", () => {
  it("a blocked event alone keeps an alarm set for its expiry, which purges it", async () => {
    await createTenant("sa-purge-alone");
    const sent = metaReceives();
    const res = await sendWebhook("sa-purge-alone", purchase("sa-pa-1", { consent: undefined }));
    const receivedAt = now();
    await runAlarm("sa-purge-alone");
    expect(sent).toEqual([]);
    const at = await alarmAt("sa-purge-alone");
    expect(at).not.toBeNull();
    expect(at!).toBeLessThanOrEqual(receivedAt + 24 * 3_600_000 + 60_000);
    advance(24 * 3_600_000 + 1_000);
    expect(await runAlarm("sa-purge-alone")).toBe(true);
    const rows = await relayRows("sa-purge-alone");
    expect(rows.events).toEqual([]);
    expect(rows.deliveries).toEqual([]);
    expect(rows.eventSubjects).toEqual([]);
    expect((await admin("GET", `/tenants/sa-purge-alone/events/${res.json.id}`)).status).toBe(404);
  });

  it("a delivered event alone is purged at 24 hours too", async () => {
    await createTenant("sa-purge-done");
    metaReceives();
    await sendWebhook("sa-purge-done", purchase("sa-pd-1"));
    await runAlarm("sa-purge-done");
    advance(24 * 3_600_000 + 1_000);
    expect(await runAlarm("sa-purge-done")).toBe(true);
    expect((await relayRows("sa-purge-done")).events).toEqual([]);
  });
});

describe("the README's walkthrough, as written", () => {
  it("creates acme with curl's bodies, and the README's sample purchase reaches Meta hashed", async () => {
    const tenant = await admin("POST", "/tenants", { id: "acme", name: "Acme Tickets", region: "eu", defaultCountry: "DE" });
    expect(tenant.status).toBe(201);
    expect(tenant.json).toMatchObject({ tenant: { id: "acme", name: "Acme Tickets", region: "eu" }, apiKey: expect.any(String) });
    const secret = "whsec_c2x1aWNlLWRlbW8tc2lnbmluZy1rZXkh";
    expect((await admin("PUT", "/tenants/acme/sources/shop", { type: "standard", secret })).status).toBe(201);
    const dest = await admin("PUT", "/tenants/acme/destinations/meta", {
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890", actionSource: "website" },
      credentials: { accessToken: "EAAB..." },
    });
    expect(dest.status).toBe(201);
    expect(dest.text).not.toContain("EAAB...");
    const policy = await admin("PUT", "/tenants/acme/consent-policy", {
      googleOnDenied: "drop",
      categoryMap: { marketing: ["meta"] },
      userRegion: "auto",
    });
    expect(policy.status).toBeLessThan(300);

    const sent = metaReceives();
    const body = {
      type: "purchase",
      orderId: "1001",
      occurredAt: new Date(now() - 60_000).toISOString(),
      value: 49.0,
      currency: "EUR",
      items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
      customer: { email: "jane@example.com", phone: "+49 30 1234567", firstName: "Jane", country: "DE" },
      clickIds: { fbc: "fb.1.1767225000000.AbC", fbp: "fb.1.1767000000000.123" },
      client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0 …", pageUrl: "https://shop.example/thanks" },
      consent: { meta: "granted", gcm: { ad_user_data: "granted" } },
    };
    const raw = JSON.stringify(body);
    const headers = await signStandard(raw, { secret, timestamp: Math.floor(now() / 1000) });
    const res = await api("/v1/hooks/acme/shop", { method: "POST", headers, body: raw });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await runAlarm("acme");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event_id: "1001", event_name: "Purchase", action_source: "website" });
    expect(sent[0].user_data.em).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(JSON.stringify(sent[0])).not.toContain("jane@example.com");

    const blocked = await admin("GET", "/tenants/acme/events?status=blocked&limit=20");
    expect(blocked.json).toEqual({ events: [] });
    const log = await admin("GET", "/tenants/acme/events");
    expect(log.json.events.map((e: any) => e.id)).toEqual([id]);
    expect((await admin("GET", "/tenants/acme/events?orderId=1001")).json.events).toHaveLength(1);
    expect((await admin("GET", "/tenants/acme/events?destinationId=meta&status=failed")).json.events).toEqual([]);
  });
});

describe("Meta consent, first cut, through the webhook route", () => {
  it("a categoryMap category that is true sends to Meta; the same category false blocks it with a reason", async () => {
    await createTenant("sa-category");
    expect((await admin("PUT", "/tenants/sa-category/consent-policy", { categoryMap: { marketing: ["meta"] } })).status).toBeLessThan(300);
    const sent = metaReceives();
    const granted = await sendWebhook("sa-category", purchase("sa-cat-1", { consent: { categories: { marketing: true } } }));
    const refused = await sendWebhook("sa-category", purchase("sa-cat-2", { consent: { categories: { marketing: false } } }));
    const unmapped = await sendWebhook("sa-category", purchase("sa-cat-3", { consent: { categories: { analytics: true } } }));
    await runAlarm("sa-category");
    expect(sent.map((e) => e.event_id)).toEqual(["sa-cat-1"]);
    expect(await deliveryOf("sa-category", granted.json.id)).toMatchObject({ decision: "send", status: "delivered" });
    expect(await deliveryOf("sa-category", refused.json.id)).toMatchObject({
      decision: "blocked",
      status: "blocked",
      reason: expect.any(String),
    });
    expect(await deliveryOf("sa-category", unmapped.json.id)).toMatchObject({
      decision: "blocked",
      status: "blocked",
      reason: expect.any(String),
    });
  });
});

describe("the contract's own example body", () => {
  it("blank optional fields read as absent: accepted, and with empty consent blocked at once for a reason", async () => {
    await createTenant("sa-spec-body");
    const sent = metaReceives();
    const body = {
      type: "purchase",
      orderId: "1001",
      occurredAt: new Date(now() - 60_000).toISOString(),
      value: 49.0,
      currency: "EUR",
      items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
      customer: { email: "", phone: "", firstName: "", lastName: "", city: "", state: "", zip: "", country: "DE", externalId: "" },
      clickIds: { gclid: "", gbraid: "", wbraid: "", fbclid: "", fbc: "", fbp: "" },
      client: { ip: "", userAgent: "", pageUrl: "" },
      joinKey: "",
      consent: {},
    };
    const res = await sendWebhook("sa-spec-body", body);
    expect(res).toEqual({ status: 202, json: { status: "accepted", id: expect.any(String) } });
    await runAlarm("sa-spec-body");
    expect(sent).toEqual([]);
    expect(await deliveryOf("sa-spec-body", res.json.id)).toMatchObject({
      decision: "blocked",
      status: "blocked",
      reason: "consent_missing",
    });
  });
});

describe("region pinning fails closed", () => {
  it("an EU tenant's webhook in a deployed environment without DO_JURISDICTION=eu answers 503 (the platform retries) and stores nothing", async () => {
    await createTenant("sa-eu-closed", { region: "eu" });
    const deployed = { ...env, ENVIRONMENT: "production", DO_JURISDICTION: "none" };
    const raw = JSON.stringify(purchase("sa-eu-1"));
    const headers = await signStandard(raw, { timestamp: Math.floor(now() / 1000) });
    const res = await app.request("http://sluice.test/v1/hooks/sa-eu-closed/shop", { method: "POST", headers, body: raw }, deployed);
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.code).toBe("region_unavailable");
    expect((await relayRows("sa-eu-closed")).events).toEqual([]);
  });
});
