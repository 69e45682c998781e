import { describe, expect, it } from "vitest";
import { api, createTenant } from "../helpers/relay";

// The beacon route is public: it must not tell a prober which tenant ids exist.
describe("beacons for an unknown tenant", () => {
  it("answer exactly as a known tenant's unlisted origin does", async () => {
    await createTenant("bt-known", { allowedOrigins: ["https://shop.example"] });
    const beacon = (tenant: string) =>
      api(`/v1/collect/${tenant}`, {
        method: "POST",
        headers: { origin: "https://elsewhere.example", "content-type": "text/plain" },
        body: JSON.stringify({ joinKey: "chk-1", consent: { meta: "granted" } }),
      });
    const known = await beacon("bt-known");
    const unknown = await beacon("bt-no-such-tenant");
    expect(unknown.status).toBe(403);
    expect(known.status).toBe(unknown.status);
    expect(await unknown.json()).toEqual(await known.json());
  });
});
