import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Miniflare } from "miniflare";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayRuntime } from "../../scripts/lib/relay-runtime.mjs";
import { startSandbox } from "../../sandbox/server.mjs";
import type { Sandbox } from "../../sandbox/server.mjs";
import { createStandardTenant, relayClient, signedPurchase, waitFor } from "../client";
import { launchBrowser } from "./browser";
import { shopCheckout } from "./shop";

/**
 * TikTok and Pinterest destinations in the console and behind the checkout snippet, in a real
 * Chromium against the bundled Worker and the destination sandbox: the snippet beside a CMP that
 * has no TC or GPP string (a visitor outside the EEA), the console's test event and its story of
 * an order. No screenshots: the README's come from console.browser.test.ts.
 */

const ADMIN_TOKEN = "browser-admin-token";
const SECRET = `whsec_${Buffer.from("sluice-browser-signing-key-02").toString("base64")}`;
const TENANT = "browser-tt-pin";
const PIXEL = "C4ABCDEF0123456789AB";

let sandbox: Sandbox;
let mf: Miniflare;
let relayUrl: string;
let shop: Server;
let shopOrigin: string;
let browser: Browser;
let apiKey: string;
let beaconKey: string;

const { call, admin } = relayClient((urlPath, init) => fetch(`${relayUrl}${urlPath}`, init), ADMIN_TOKEN);

const checkout = shopCheckout(call, TENANT, SECRET);
const webhook = (orderId: string, extra: Record<string, unknown>) =>
  checkout.webhook(orderId, { email: "buyer@example.com", phone: "+4915123456789", externalId: "customer-7", country: "DE" }, extra);
const mintJoinToken = (joinKey: string) => checkout.joinToken(beaconKey, joinKey);

/** A delivery once its consent decision is final (not waiting for a beacon). */
async function decidedDelivery(eventId: string, destinationId: string) {
  return waitFor(
    async () => {
      const event = await admin("GET", `/tenants/${TENANT}/events/${eventId}`);
      const d = event.json.deliveries.find((x: { destinationId: string }) => x.destinationId === destinationId);
      return d && d.decision !== "pending" ? d : undefined;
    },
    15_000,
    `the ${destinationId} decision`,
  );
}

/**
 * The checkout page with a stub CMP. TCF: `tcloaded` with `gdpr=1|0` and, when the query has
 * `tc`, that TC string (a CMP outside GDPR's scope sends none: only gdprApplies, tcfPolicyVersion,
 * cmpId and cmpVersion, https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md#tcdata).
 * GPP: `ready` with the `gpp` string, or an empty one and no applicable section (-1,
 * https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform/blob/main/Core/CMP%20API%20Specification.md#pingreturn).
 * The CMP's own choices for TikTok and Pinterest reach the snippet through the callback hook.
 */
function shopPages(): Server {
  const checkout = (q: URLSearchParams) => {
    const tcData: Record<string, unknown> = {
      gdprApplies: q.get("gdpr") === "1",
      tcfPolicyVersion: 5,
      cmpId: 300,
      cmpVersion: 1,
      eventStatus: "tcloaded",
      cmpStatus: "loaded",
      listenerId: 1,
    };
    if (q.has("tc")) tcData.tcString = q.get("tc");
    const gpp = q.get("gpp") ?? "";
    const pingData = {
      gppVersion: "1.1",
      cmpStatus: "loaded",
      signalStatus: "ready",
      sectionList: gpp ? [2] : [],
      applicableSections: gpp ? [2] : [-1],
      gppString: gpp,
    };
    // `late`: the CMP's API appears that many milliseconds after the snippet loaded.
    const late = Number(q.get("late") ?? 0);
    return `<!doctype html><title>Checkout</title>
<script>
  function defineCmp() {
    window.__tcfapi = function (command, version, callback) { if (command === "addEventListener") callback(${JSON.stringify(tcData)}, true); };
    window.__gpp = function (command, callback) {
      if (command === "addEventListener") callback({ eventName: "signalStatus", listenerId: 1, data: "ready", pingData: ${JSON.stringify(pingData)} }, true);
    };
  }
  if (${late} > 0) setTimeout(defineCmp, ${late}); else defineCmp();
  window.sluice = window.sluice || function () { (sluice.q = sluice.q || []).push(arguments); };
  sluice("checkout", { joinKey: ${JSON.stringify(q.get("joinKey"))}, joinToken: ${JSON.stringify(q.get("joinToken"))} });
  sluice("consent", { tiktok: "granted", pinterest: "granted" });
</script>
<script async src="${relayUrl}/v1/collect/${TENANT}/sluice.js"></script>`;
  };
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const found = url.pathname === "/checkout";
    res.writeHead(found ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(found ? checkout(url.searchParams) : "not found");
  });
}

/** Loads the checkout page and returns the first beacon it posts, parsed, once the relay took it. */
async function beaconOf(query: Record<string, string>): Promise<any> {
  const [first] = await beaconsOf(query, (all) => all.length > 0);
  return first;
}

/** Loads the checkout page and collects the beacons it posts until `done` holds for them (each parsed, each taken with 204). */
async function beaconsOf(query: Record<string, string>, done: (beacons: any[]) => boolean): Promise<any[]> {
  const page = await browser.newPage();
  const beacons: Array<{ body: string; status: number }> = [];
  page.on("response", (r) => {
    const req = r.request();
    if (req.url() === `${relayUrl}/v1/collect/${TENANT}` && req.method() === "POST")
      beacons.push({ body: req.postData() ?? "", status: r.status() });
  });
  await page.goto(`${shopOrigin}/checkout?${new URLSearchParams({ ...query, joinToken: mintJoinToken(query.joinKey!) })}`);
  const parsed = await waitFor(
    () => {
      const all = beacons.map((b) => JSON.parse(b.body));
      return all.length > 0 && done(all) ? all : undefined;
    },
    15_000,
    "the beacons",
  );
  await page.close();
  for (const b of beacons) expect(b.status).toBe(204);
  return parsed;
}

async function signIn(page: Page) {
  await page.goto(`${relayUrl}/console`);
  await page.fill("#apikey", apiKey);
  await page.click("#signin button[type=submit]");
  await page.waitForSelector("#events");
}

beforeAll(async () => {
  sandbox = await startSandbox({ log: false });
  ({ mf, url: relayUrl } = await startRelayRuntime({ sandboxUrl: sandbox.url, adminToken: ADMIN_TOKEN }));
  shop = shopPages();
  await new Promise<void>((r) => shop.listen(0, "127.0.0.1", r));
  shopOrigin = `http://localhost:${(shop.address() as AddressInfo).port}`;

  const tenant = { id: TENANT, name: "TikTok and Pinterest Shop", region: "eu", defaultCountry: "DE", allowedOrigins: [shopOrigin] };
  const created = await createStandardTenant(admin, tenant, SECRET, { settings: { pixelId: "556677" }, accessToken: "browser-meta-token" });
  apiKey = created.json.apiKey;
  const tiktok = await admin("PUT", `/tenants/${TENANT}/destinations/tiktok`, {
    type: "tiktok",
    enabled: true,
    settings: { pixelCode: PIXEL, testEventCode: "TEST12345" },
    credentials: { accessToken: "browser-tiktok-token" },
  });
  expect(tiktok.status).toBe(201);
  const pinterest = await admin("PUT", `/tenants/${TENANT}/destinations/pinterest`, {
    type: "pinterest",
    enabled: true,
    settings: { adAccountId: "549755885175", validateOnly: true },
    credentials: { accessToken: "browser-pinterest-token" },
  });
  expect(pinterest.status).toBe(201);
  const key = await admin("POST", `/tenants/${TENANT}/beacon-key`);
  beaconKey = key.json.beaconKey;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await mf?.dispose();
  await sandbox?.close();
  await new Promise((r) => (shop ? shop.close(r) : r(undefined)));
});

describe("the checkout snippet beside a CMP without a TC or GPP string", () => {
  it("sends no tcf or gpp field when the CMP has no TC string (outside the EEA), so explicit TikTok and Pinterest grants decide", async () => {
    const beacon = await beaconOf({ joinKey: "checkout-no-tc", gdpr: "0" });
    const res = await webhook("order-outside-eea", { joinKey: "checkout-no-tc" });
    expect(res.status).toBe(202);
    expect(await decidedDelivery(res.json.id, "tiktok")).toMatchObject({ decision: "send", reason: "tiktok_granted" });
    expect(await decidedDelivery(res.json.id, "pinterest")).toMatchObject({ decision: "send", reason: "pinterest_granted" });
    await waitFor(() => sandbox.requests({ api: "tiktok" }).find((r) => (r.body as any)?.data?.[0]?.event_id === "order-outside-eea"));
    expect(beacon.consent).toEqual({ tiktok: "granted", pinterest: "granted" });
  });

  it("sends no tcf field for an empty TC string either", async () => {
    const beacon = await beaconOf({ joinKey: "checkout-empty-tc", gdpr: "0", tc: "" });
    expect(beacon.consent).toEqual({ tiktok: "granted", pinterest: "granted" });
  });

  it("reads a CMP that loads after the snippet: its TC and GPP strings follow in a later beacon", async () => {
    const tc = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    const gpp = "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    const beacons = await beaconsOf({ joinKey: "checkout-late-cmp", gdpr: "1", tc, gpp, late: "1500" }, (all) =>
      all.some((b) => b.consent.tcf && b.consent.gpp),
    );
    expect(beacons.at(-1).consent).toEqual({
      tcf: { tcString: tc, gdprApplies: true },
      gpp: { gppString: gpp, applicableSections: [2] },
      tiktok: "granted",
      pinterest: "granted",
    });
  });

  it("forwards a TC string and a GPP string when the CMP has them", async () => {
    const tc = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    const gpp = "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    const beacon = await beaconOf({ joinKey: "checkout-eea", gdpr: "1", tc, gpp });
    expect(beacon.consent).toEqual({
      tcf: { tcString: tc, gdprApplies: true },
      gpp: { gppString: gpp, applicableSections: [2] },
      tiktok: "granted",
      pinterest: "granted",
    });
  });
});

describe("the console with TikTok and Pinterest destinations", () => {
  let page: Page;
  const destination = (id: string) => page.locator(`#setup-destinations .destination[data-destination=${id}]`);

  /** Explain an order whose TikTok and Pinterest deliveries were blocked (consent is Google's, and Pinterest refused). */
  async function explainBlockedOrder() {
    await page.click('#nav button[data-page="explain"]');
    await page.fill("#explain-order", "order-explained");
    await page.click("main form button[type=submit]");
    await page.locator("#story .delivery-story[data-destination=tiktok]").waitFor();
  }

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    const consent = { gcm: { ad_storage: "granted", ad_user_data: "granted", ad_personalization: "granted" }, pinterest: "denied" };
    const res = await webhook("order-explained", { consent });
    expect(res.status).toBe(202);
    await decidedDelivery(res.json.id, "tiktok");
  });

  it("Setup describes TikTok's test event code and Pinterest's validateOnly as the test traffic each is", async () => {
    await page.click('#nav button[data-page="setup"]');
    await destination("tiktok").waitFor();
    const tiktokMode = await destination("tiktok").locator("p.small").textContent();
    expect(tiktokMode).toContain("Test event code TEST12345 is set");
    expect(tiktokMode).not.toContain("Live");
    const pinterestMode = await destination("pinterest").locator("p.small").textContent();
    expect(pinterestMode).toContain("?test=true");
    expect(pinterestMode).not.toContain("Google");
  });

  it("sends a test event that TikTok's and Pinterest's consent rules grant, and shows each payload", async () => {
    await page.click('#nav button[data-page="setup"]');
    const tiktok = destination("tiktok");
    const pinterest = destination("pinterest");
    await tiktok.waitFor();

    await tiktok.locator("button.dry-run").click();
    await tiktok.locator(".test-result p").first().waitFor();
    expect(await tiktok.locator(".test-result").textContent()).toContain("tiktok_granted");
    const tiktokPayload = JSON.parse((await tiktok.locator(".test-result pre").textContent()) ?? "null");
    expect(tiktokPayload).toMatchObject({ event_source_id: PIXEL, test_event_code: "TEST12345" });
    expect(tiktokPayload.data[0].user).toMatchObject({ email: "[redacted]", ttclid: "[redacted]", ttp: "[redacted]" });

    await pinterest.locator("button.dry-run").click();
    await pinterest.locator(".test-result p").first().waitFor();
    expect(await pinterest.locator(".test-result").textContent()).toContain("pinterest_granted");
    const pinterestPayload = JSON.parse((await pinterest.locator(".test-result pre").textContent()) ?? "null");
    expect(pinterestPayload.data[0]).toMatchObject({ event_name: "checkout", user_data: { em: ["[redacted]"], click_id: "[redacted]" } });

    // A dry run: nothing reached either platform.
    const sample = (api: string) =>
      sandbox.requests({ api }).filter((r) => (r.body as any)?.data?.[0]?.event_id?.startsWith("console-test-"));
    expect([...sample("tiktok"), ...sample("pinterest")]).toEqual([]);
  });

  it("sends a real test event to TikTok's and Pinterest's test modes and shows what each platform answered", async () => {
    await page.click('#nav button[data-page="setup"]');
    const tiktok = destination("tiktok");
    const pinterest = destination("pinterest");
    await tiktok.waitFor();
    // Meta sends live traffic here: it offers the dry run only.
    expect(await destination("meta").locator("button.test-send").count()).toBe(0);

    await tiktok.locator("button.test-send").click();
    await tiktok.locator(".test-result .test-outcome").waitFor();
    expect(await tiktok.locator(".test-result .test-outcome").textContent()).toContain("validated");
    await pinterest.locator("button.test-send").click();
    await pinterest.locator(".test-result .test-outcome").waitFor();
    expect(await pinterest.locator(".test-result .test-outcome").textContent()).toContain("validated");

    const sample = (api: string) =>
      sandbox.requests({ api }).filter((r) => (r.body as any)?.data?.[0]?.event_id?.startsWith("sluice-test-"));
    const [toTikTok] = sample("tiktok");
    expect(toTikTok?.body).toMatchObject({ event_source_id: PIXEL, test_event_code: "TEST12345" });
    const [toPinterest] = sample("pinterest");
    expect(toPinterest?.query).toMatchObject({ test: "true" });
  });

  it("Deliveries filters status and destination on one and the same delivery", async () => {
    // TikTok granted: its delivery is sent (validated), Meta's and Pinterest's are blocked.
    const res = await webhook("order-filtered", { consent: { tiktok: "granted" } });
    expect(res.status).toBe(202);
    await decidedDelivery(res.json.id, "tiktok");
    await page.click('#nav button[data-page="deliveries"]');
    await page.locator("#events .event").first().waitFor();
    const card = page.locator('#events .event[data-order="order-filtered"]');
    await page.fill("#f-order", "order-filtered");
    await page.dispatchEvent("#f-order", "change");
    await card.waitFor();
    await page.selectOption("#f-status", "blocked");
    await page.selectOption("#f-destination", "pinterest");
    await page.locator("#events p.muted").filter({ hasText: "1 of" }).waitFor();
    expect(await card.count()).toBe(1);
    // TikTok's delivery of this order was not blocked: no match.
    await page.selectOption("#f-destination", "tiktok");
    await page.locator("#events p.muted").filter({ hasText: "0 of" }).waitFor();
    expect(await card.count()).toBe(0);
  });

  it("explains why TikTok and Pinterest did not get an order, naming the deciding signal", async () => {
    await explainBlockedOrder();
    const tiktokStory = await page.locator("#story .delivery-story[data-destination=tiktok]").textContent();
    expect(tiktokStory).toContain("tiktok (tiktok) was not sent.");
    expect(tiktokStory).toContain("Decided by: explicit TikTok consent.");
    expect(tiktokStory).toContain("There was no explicit consent to share with TikTok");
    const pinterestStory = await page.locator("#story .delivery-story[data-destination=pinterest]").textContent();
    expect(pinterestStory).toContain("Decided by: explicit Pinterest consent.");
    expect(pinterestStory).toContain("The buyer refused sharing with Pinterest.");
  });

  it("names each identifier of the order once, in words (TikTok's email and phone keys included)", async () => {
    await explainBlockedOrder();
    const line = (await page.locator("#story li", { hasText: "It carried these identifiers" }).textContent()) ?? "";
    const words = line
      .replace(/^.*values are never shown\): /, "")
      .split(". Click ids")[0]!
      .split(", ");
    expect(words).not.toContain("email");
    expect(words).toEqual([...new Set(words)]);
    expect(words).toEqual(expect.arrayContaining(["e-mail", "phone", "external id"]));
    expect(await page.textContent("#story")).not.toContain("buyer@example.com");
  });

  it("explains an order however many orders came after it: the relay looks it up by its id", async () => {
    const res = await webhook("order-long-ago", { consent: { tiktok: "granted" } });
    expect(res.status).toBe(202);
    // More than the 500 newest events the console lists at once.
    for (let i = 0; i < 520; i += 40) {
      const sent = await Promise.all(Array.from({ length: 40 }, (_, j) => webhook(`order-after-${i + j}`, {})));
      for (const r of sent) expect(r.status).toBe(202);
    }
    await page.click('#nav button[data-page="explain"]');
    await page.fill("#explain-order", "order-long-ago");
    await page.click("main form button[type=submit]");
    await page.locator("#story .delivery-story[data-destination=tiktok]").waitFor();
    expect(await page.textContent("#story")).toContain("order-long-ago");

    // Typed at once, before the page's first list (the newest 500) has come: that slower answer
    // must not replace the order's.
    const lists = /\/events\?/;
    await page.route(lists, async (route) => {
      if (!route.request().url().includes("orderId=")) await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.click('#nav button[data-page="deliveries"]');
    await page.fill("#f-order", "order-long-ago");
    await page.press("#f-order", "Enter");
    await page.locator('#events .event[data-order="order-long-ago"]').waitFor();
    await new Promise((r) => setTimeout(r, 2000));
    expect(await page.locator("#events .event").count()).toBe(1);
    await page.unroute(lists);
  });

  it("tells a refunded order's story with the value it came with and the value it has now", async () => {
    const res = await webhook("order-refunded", { consent: { tiktok: "granted" } });
    expect(res.status).toBe(202);
    const refund = signedPurchase(SECRET, { type: "refund", orderId: "order-refunded", occurredAt: new Date().toISOString(), value: 12 });
    expect((await call("POST", `/v1/hooks/${TENANT}/shop`, refund.body, refund.headers)).status).toBe(202);
    await page.click('#nav button[data-page="explain"]');
    await page.fill("#explain-order", "order-refunded");
    await page.click("main form button[type=submit]");
    await page.locator("#story .delivery-story[data-destination=tiktok]").first().waitFor();
    const story = await page.textContent("#story");
    expect(story).toContain("Purchase, 42 EUR");
    expect(story).toContain("bring it to 30 EUR");
  });
});
