import { describe, expect, it } from "vitest";
import { eventSourceUrl } from "../../src/destinations/meta/source-url";
import { useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../helpers/relay";
import { metaReceives } from "../helpers/meta";

useMsw();
useTestClock();

const detail = async (tenant: string, id: string) => (await admin("GET", `/tenants/${tenant}/events/${id}`)).json;
/** A server-side checkout (Stripe, ROLLER…): no browser context of its own, only the join key. */
const checkout = (orderId: string, joinKey?: string) => purchase(orderId, { client: {}, ...(joinKey ? { joinKey } : {}) });
const BROWSER = { "user-agent": "Mozilla/5.0 (iPhone)" };

describe("Meta event_source_url: page URL, then Referer, then verified Origin, then the tenant's siteUrl", () => {
  it("a checkout whose beacon has no page.url reaches Meta with the beacon's verified Origin", async () => {
    await createTenant("esu-origin");
    const sent = metaReceives();
    await sendBeacon("esu-origin", { joinKey: "k1", consent: { meta: "granted" } }, BROWSER);
    const hook = await sendWebhook("esu-origin", checkout("o-origin", "k1"));
    await runAlarm("esu-origin");
    expect(sent.map((e) => [e.event_id, e.event_source_url, e.user_data.client_user_agent])).toEqual([
      ["o-origin", "https://shop.example", "Mozilla/5.0 (iPhone)"],
    ]);
    const event = await detail("esu-origin", hook.json.id);
    expect(event.deliveries[0]).toMatchObject({ status: "delivered", eventSourceUrlFrom: "origin" });
  });

  it("the beacon's Referer comes before its Origin, its page URL before both", async () => {
    await createTenant("esu-ref");
    const sent = metaReceives();
    await sendBeacon(
      "esu-ref",
      { joinKey: "k2", consent: { meta: "granted" } },
      { ...BROWSER, referer: "https://shop.example/checkout?step=3" },
    );
    await sendBeacon(
      "esu-ref",
      { joinKey: "k3", consent: { meta: "granted" }, page: { url: "https://shop.example/thanks" } },
      { ...BROWSER, referer: "https://shop.example/checkout" },
    );
    const a = await sendWebhook("esu-ref", checkout("o-ref", "k2"));
    const b = await sendWebhook("esu-ref", checkout("o-page", "k3"));
    await runAlarm("esu-ref");
    expect(Object.fromEntries(sent.map((e) => [e.event_id, e.event_source_url]))).toEqual({
      "o-ref": "https://shop.example/checkout?step=3",
      "o-page": "https://shop.example/thanks",
    });
    expect((await detail("esu-ref", a.json.id)).deliveries[0].eventSourceUrlFrom).toBe("referrer");
    expect((await detail("esu-ref", b.json.id)).deliveries[0].eventSourceUrlFrom).toBe("page");
  });

  it("without any browser URL the tenant's siteUrl is used; without that, a website event fails before sending", async () => {
    await createTenant("esu-site");
    const sent = metaReceives();
    const noUrl = purchase("o-nourl", { client: { userAgent: "Mozilla/5.0", ip: "203.0.113.7" } });
    const failed = await sendWebhook("esu-site", noUrl);
    await runAlarm("esu-site");
    expect(sent).toHaveLength(0);
    const failedDelivery = (await detail("esu-site", failed.json.id)).deliveries[0];
    expect(failedDelivery).toMatchObject({ status: "failed", lastError: "website_context_missing" });
    expect(failedDelivery).not.toHaveProperty("eventSourceUrlFrom");

    expect((await admin("PATCH", "/tenants/esu-site", { siteUrl: "http://shop.example" })).status).toBe(400);
    const patched = await admin("PATCH", "/tenants/esu-site", { siteUrl: "https://shop.example/" });
    expect(patched.status).toBe(200);
    expect(patched.json.tenant.siteUrl).toBe("https://shop.example/");
    const site = await sendWebhook("esu-site", purchase("o-site", { client: { userAgent: "Mozilla/5.0", ip: "203.0.113.7" } }));
    await runAlarm("esu-site");
    expect(sent.map((e) => [e.event_id, e.event_source_url])).toEqual([["o-site", "https://shop.example/"]]);
    expect((await detail("esu-site", site.json.id)).deliveries[0]).toMatchObject({ status: "delivered", eventSourceUrlFrom: "siteUrl" });

    const cleared = await admin("PATCH", "/tenants/esu-site", { siteUrl: null });
    expect(cleared.json.tenant.siteUrl).toBeNull();
  });

  it("only http(s) URLs count; a javascript: page URL falls through to the next source", () => {
    expect(eventSourceUrl({ pageUrl: "javascript:alert(1)", origin: "https://shop.example" })).toEqual({
      url: "https://shop.example",
      from: "origin",
    });
    expect(eventSourceUrl({ referrer: "not a url" }, "https://site.example")).toEqual({ url: "https://site.example", from: "siteUrl" });
    expect(eventSourceUrl({})).toBeUndefined();
  });
});
