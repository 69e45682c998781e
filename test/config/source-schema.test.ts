import { describe, expect, it } from "vitest";
import { MAX_OPTIONS_BYTES } from "../../src/config/source-schema";
import { useMsw } from "../helpers/msw";
import { admin } from "../helpers/relay";

useMsw();

async function tenant(id: string) {
  const res = await admin("POST", "/tenants", { id, name: id, region: "global", defaultCountry: "US" });
  expect(res.status).toBe(201);
}
const put = (t: string, body: unknown) => admin("PUT", `/tenants/${t}/sources/s`, body);

describe("source secrets and options are bounded", () => {
  it("a one-character Shopify, Stripe or WooCommerce secret is refused with 400 naming `secret`", async () => {
    await tenant("ss-short");
    for (const type of ["shopify", "stripe", "woocommerce"]) {
      const res = await put("ss-short", { type, secret: "x" });
      expect(res.status, type).toBe(400);
      expect(res.json.error.message).toContain("secret");
    }
    expect((await put("ss-short", { type: "stripe", secret: "not-a-stripe-endpoint-secret" })).status).toBe(400);
    expect((await put("ss-short", { type: "shopify", secret: "shpss_4d1f0c9b8a7e6d5c4b3a2918" })).status).toBeLessThan(300);
    expect((await put("ss-short", { type: "stripe", secret: "whsec_3f9a7c1e5b2d8f4a6c0e9b7d" })).status).toBeLessThan(300);
  });

  it("secret-looking option names are refused at any depth, naming the path", async () => {
    await tenant("ss-deep");
    const res = await put("ss-deep", {
      type: "shopify",
      secret: "shpss_4d1f0c9b8a7e6d5c4b3a2918",
      options: { extra: { nested: [{ apiKey: "k" }] } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("options.extra.nested.0.apiKey");
  });

  it("an options blob over the cap, or nested too deep, is refused", async () => {
    await tenant("ss-big");
    const big = await put("ss-big", {
      type: "shopify",
      secret: "shpss_4d1f0c9b8a7e6d5c4b3a2918",
      options: { note: "x".repeat(MAX_OPTIONS_BYTES) },
    });
    expect(big.status).toBe(400);
    expect(big.json.error.message).toContain("options");
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const nested = await put("ss-big", { type: "shopify", secret: "shpss_4d1f0c9b8a7e6d5c4b3a2918", options: deep });
    expect(nested.status).toBe(400);
  });
});
