import { describe, expect, it } from "vitest";
import { SOURCE_TYPES, sourceDefinition, sourceDefinitions } from "../../src/sources/registry";
import { admin } from "../helpers/relay";
import { useMsw } from "../helpers/msw";
import { SECRETS } from "./helpers";

useMsw();

describe("the source registry", () => {
  it("files each definition under its own type, and knows no other", () => {
    expect(SOURCE_TYPES).toEqual(["standard", "roller", "shopify", "stripe", "woocommerce"]);
    for (const type of SOURCE_TYPES) expect(sourceDefinitions[type].type).toBe(type);
    expect(sourceDefinition("toString")).toBeUndefined();
    expect(sourceDefinition("paypal")).toBeUndefined();
  });

  it("gives the admin API its types, secret rules and credentials from the definitions", async () => {
    expect((await admin("POST", "/tenants", { id: "src-reg", name: "r", region: "global" })).status).toBe(201);
    const put = (body: unknown) => admin("PUT", "/tenants/src-reg/sources/s", body);

    const unknown = await put({ type: "paypal", secret: "x".repeat(40) });
    expect(unknown.status).toBe(400);
    for (const type of ["roller", "shopify", "stripe", "woocommerce"] as const) {
      const weak = await put({ type, secret: "short", options: { currency: "EUR" } });
      expect(weak.status, type).toBe(400);
      expect(weak.json.error.message, type).toContain(`a ${type} source's secret`);
    }

    // Only a definition with a credentials schema takes credentials, and only its fields.
    const foreign = await put({ type: "shopify", secret: SECRETS.shopify, credentials: { clientId: "c", clientSecret: "s" } });
    expect(foreign.status).toBe(400);
    expect(foreign.json.error.message).toContain("only roller sources take API credentials");
    const extra = await put({
      type: "roller",
      secret: SECRETS.roller,
      options: { currency: "EUR" },
      credentials: { clientId: "c", clientSecret: "s", apiKey: "k" },
    });
    expect(extra.status).toBe(400);
    const roller = await put({
      type: "roller",
      secret: SECRETS.roller,
      options: { currency: "EUR" },
      credentials: { clientId: "c", clientSecret: "s" },
    });
    expect(roller.status).toBe(201);
    expect(roller.json.credentialsSet).toEqual(["clientId", "clientSecret"]);
  });
});
