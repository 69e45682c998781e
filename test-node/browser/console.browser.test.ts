import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Miniflare } from "miniflare";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayRuntime } from "../../scripts/lib/relay-runtime.mjs";
import { startSandbox } from "../../sandbox/server.mjs";
import type { Sandbox } from "../../sandbox/server.mjs";
import { createStandardTenant, relayClient, waitFor } from "../client";
import { launchBrowser } from "./browser";
import { shopCheckout } from "./shop";

/**
 * The console, the checkout snippet and the API reference in a real Chromium (one browser, a few
 * pages) against the bundled Worker under Miniflare and the destination sandbox. Writes the
 * README's screenshots to docs/screenshots/.
 */

const ADMIN_TOKEN = "browser-admin-token";
const SECRET = `whsec_${Buffer.from("sluice-browser-signing-key-01").toString("base64")}`;
const TENANT = "browser-shop";
const SHOTS = path.join(import.meta.dirname, "../../docs/screenshots");

let sandbox: Sandbox;
let mf: Miniflare;
let relayUrl: string;
let shop: Server;
let shopOrigin: string;
let browser: Browser;
let apiKey: string;

const { call, admin } = relayClient((urlPath, init) => fetch(`${relayUrl}${urlPath}`, init), ADMIN_TOKEN);

const checkout = shopCheckout(call, TENANT, SECRET);
const webhook = (orderId: string, extra: Record<string, unknown>) =>
  checkout.webhook(orderId, { email: "buyer@example.com", country: "DE" }, extra);
const mintJoinToken = (beaconKey: string, joinKey: string) => checkout.joinToken(beaconKey, joinKey);

/** The shop: a landing page and a checkout page on another origin than the relay. */
function shopPages(): Server {
  const pages: Partial<Record<string, (q: URLSearchParams) => string>> = {
    "/landing": () =>
      `<!doctype html><title>Landing</title><script src="${relayUrl}/v1/collect/${TENANT}/sluice.js"></script><p>Welcome</p>`,
    "/checkout": (q) => `<!doctype html><title>Checkout</title>
<script>
  // A stub CMP: Google consent mode defaults, then the buyer's choice on a button; its own
  // categories and Meta consent reach the snippet through the callback hook.
  window.dataLayer = [];
  function gtag() { dataLayer.push(arguments); }
  gtag("consent", "default", { ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied" });
  window.sluice = window.sluice || function () { (sluice.q = sluice.q || []).push(arguments); };
  sluice("checkout", { joinKey: ${JSON.stringify(q.get("joinKey"))}, joinToken: ${JSON.stringify(q.get("joinToken"))} });
</script>
<script async src="${relayUrl}/v1/collect/${TENANT}/sluice.js"></script>
<button id="accept" onclick="gtag('consent','update',{ad_storage:'granted',ad_user_data:'granted',ad_personalization:'granted'}); sluice('consent',{meta:'granted'});">Accept all</button>`,
  };
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const page = pages[url.pathname];
    res.writeHead(page ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(page ? page(url.searchParams) : "not found");
  });
}

async function signIn(page: Page, key: string) {
  await page.goto(`${relayUrl}/console`);
  await page.fill("#apikey", key);
  await page.click("#signin button[type=submit]");
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandbox({ log: false });
  ({ mf, url: relayUrl } = await startRelayRuntime({ sandboxUrl: sandbox.url, adminToken: ADMIN_TOKEN }));
  shop = shopPages();
  await new Promise<void>((r) => shop.listen(0, "127.0.0.1", r));
  // localhost, not 127.0.0.1: another origin than the relay's, as a real shop is.
  shopOrigin = `http://localhost:${(shop.address() as AddressInfo).port}`;

  const tenant = { id: TENANT, name: "Browser Shop", region: "eu", defaultCountry: "DE", allowedOrigins: [shopOrigin] };
  const created = await createStandardTenant(admin, tenant, SECRET, { settings: { pixelId: "556677" }, accessToken: "browser-meta-token" });
  apiKey = created.json.apiKey;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await mf?.dispose();
  await sandbox?.close();
  await new Promise((r) => (shop ? shop.close(r) : r(undefined)));
});

describe("the console in a real browser", () => {
  let page: Page;
  let beaconKey: string;
  const thirdParty: string[] = [];
  const cspViolations: string[] = [];

  it("signs in with the tenant key, which stays in sessionStorage and out of every URL", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("request", (r) => {
      if (!r.url().startsWith(relayUrl)) thirdParty.push(r.url());
      expect(r.url()).not.toContain(apiKey);
    });
    page.on("pageerror", (e) => cspViolations.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signIn(page, apiKey);
    await page.waitForSelector("#events");
    expect(await page.textContent("#who")).toContain("Browser Shop (browser-shop)");
    expect(await page.evaluate(() => sessionStorage.getItem("sluice.token"))).toBe(apiKey);
    expect(await page.evaluate(() => localStorage.length + document.cookie.length)).toBe(0);
  });

  it("rotates the beacon key in Setup and shows the new key once", async () => {
    await page.click('#nav button[data-page="setup"]');
    await page.waitForSelector("#setup-sources [data-source=shop]");
    expect(await page.inputValue("#setup-sources input")).toBe(`${relayUrl}/v1/hooks/${TENANT}/shop`);
    // "Send a test event": a dry run of a sample purchase, nothing sent.
    await page.click("#setup-destinations [data-destination=meta] button");
    await page.waitForSelector("#setup-destinations .test-result pre");
    expect(await page.textContent("#setup-destinations .test-result")).toContain("meta_granted");
    expect(sandbox.requests({ api: "meta" })).toEqual([]);
    await shot(page, "setup");
    await page.click("#rotate-beacon-key");
    await page.waitForSelector("#beacon-key-out input");
    beaconKey = await page.inputValue("#beacon-key-out input");
    expect(beaconKey).toMatch(/^bk_/);
    const tenant = await admin("GET", `/tenants/${TENANT}`);
    expect(tenant.json.tenant.beaconKeySet).toBe(true);
    // A second rotation asks first; the first key keeps verifying for 24 h (tested in workerd).
    page.once("dialog", (d) => void d.accept());
    await page.click("#rotate-beacon-key");
    await page.waitForFunction((prev) => {
      const input = document.querySelector<HTMLInputElement>("#beacon-key-out input");
      return input !== null && input.value !== prev;
    }, beaconKey);
    beaconKey = await page.inputValue("#beacon-key-out input");
    const audit = await admin("GET", `/tenants/${TENANT}/audit`);
    expect(audit.json.entries.filter((e: { action: string }) => e.action === "tenant.rotate_beacon_key")).toHaveLength(2);
  });

  it("shows a sent webhook delivered, with its reason in plain words", async () => {
    const res = await webhook("order-delivered", { consent: { meta: "granted" } });
    expect(res.status).toBe(202);
    await waitFor(() => sandbox.requests({ api: "meta" }).find((r) => (r.body as any)?.data?.[0]?.event_id === "order-delivered"));
    await waitFor(async () =>
      (await admin("GET", `/tenants/${TENANT}/events/${res.json.id}`)).json.deliveries[0].status === "delivered" ? true : undefined,
    );
    await page.click('#nav button[data-page="deliveries"]');
    await page.fill("#f-order", "order-delivered");
    const row = page.locator('.event[data-order="order-delivered"] tr[data-destination=meta]');
    await row.waitFor();
    expect(await row.locator(".badge.delivered").count()).toBe(1);
    expect(await row.locator(".reason").textContent()).toContain("The buyer explicitly agreed to sharing with Meta.");
  });

  it("explains a blocked order: no consent signal, nothing sent", async () => {
    const res = await webhook("order-blocked", {});
    expect(res.status).toBe(202);
    await page.click('#nav button[data-page="explain"]');
    await page.fill("#explain-order", "order-blocked");
    await page.click("main form button[type=submit]");
    const story = page.locator("#story .delivery-story[data-destination=meta]");
    await story.waitFor();
    const text = await story.textContent();
    expect(text).toContain("meta (meta) was not sent.");
    expect(text).toContain("No consent signal reached Sluice for this order");
    expect(text).toContain("Decided by: no signal at all.");
    expect(text).toContain("consent_missing");
    expect(await page.textContent("#story")).toContain("Consent signals Sluice had for it: none.");
    expect(await page.textContent("#story")).not.toContain("buyer@example.com");
    await shot(page, "explain");
  });

  it("a checkout page with sluice.js and a stub CMP posts signed beacons that join the webhook", async () => {
    const shopPage = await page.context().newPage();
    const beacons: string[] = [];
    shopPage.on("request", (r) => {
      if (r.url() === `${relayUrl}/v1/collect/${TENANT}` && r.method() === "POST") beacons.push(r.postData() ?? "");
    });
    await shopPage.goto(`${shopOrigin}/landing?fbclid=IwAR-browser-click&utm_source=ad`);
    const joinKey = "checkout-7f3a";
    await shopPage.goto(`${shopOrigin}/checkout?joinKey=${joinKey}&joinToken=${mintJoinToken(beaconKey, joinKey)}`);
    await waitFor(() => (beacons.length === 1 ? true : undefined));
    await shopPage.click("#accept");
    await waitFor(() => (beacons.length === 2 ? true : undefined));
    const [first, second] = beacons.map((b) => JSON.parse(b));
    expect(first.consent).toEqual({ gcmDefault: { ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied" } });
    expect(second.consent).toMatchObject({ gcm: { ad_user_data: "granted" }, meta: "granted" });
    expect(second.clickIds.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR-browser-click$/);
    expect(second.joinToken).toMatch(/^v1\./);

    // The webhook carries the join key and no consent: the beacons' consent and fbc decide.
    const res = await webhook("order-joined", { joinKey });
    expect(res.status).toBe(202);
    const sent = await waitFor(() =>
      sandbox.requests({ api: "meta" }).find((r) => (r.body as any)?.data?.[0]?.event_id === "order-joined"),
    );
    expect((sent.body as any).data[0].user_data.fbc).toBe(second.clickIds.fbc);
    const event = await admin("GET", `/tenants/${TENANT}/events/${res.json.id}`);
    expect(event.json.deliveries[0]).toMatchObject({ decision: "send", reason: "meta_granted" });
    await shopPage.close();
  });

  it("shows lane health, the hourly chart and coverage; every page stayed first-party under its CSP", async () => {
    await page.click('#nav button[data-page="deliveries"]');
    await page.fill("#f-order", "");
    await page.waitForSelector('.event[data-order="order-joined"]');
    await shot(page, "deliveries");
    await page.click('#nav button[data-page="health"]');
    await page.waitForSelector("#health .lane[data-destination=meta]");
    expect(await page.textContent("#health .lane[data-destination=meta]")).toContain("OK");
    expect(await page.locator('svg.chart rect[data-kind="delivered"]').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart rect[data-kind="blocked"]').count()).toBeGreaterThan(0);
    expect(await page.textContent('.bar[data-kind="E-mail"]')).toContain("100%");
    await shot(page, "health");

    const docs = await page.context().newPage();
    await docs.goto(`${relayUrl}/docs`);
    expect(await docs.textContent("h1")).toContain("Sluice API");
    await docs.close();

    expect(thirdParty).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("the operator token picks a tenant", async () => {
    const context = await browser.newContext();
    const op = await context.newPage();
    await signIn(op, ADMIN_TOKEN);
    await op.waitForSelector("#tenant-pick");
    await op.selectOption("#tenant-pick", TENANT);
    await op.click("form button[type=submit]");
    await op.waitForSelector('.event[data-order="order-delivered"]');
    expect(await op.textContent("#who")).toContain("operator");
    await context.close();
  });
});
