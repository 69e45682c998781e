import { describe, expect, it } from "vitest";
import { admin, createTenant } from "../helpers/relay";

describe("GET /v1/admin/whoami", () => {
  it("names the operator, or the tenant a key belongs to; no token is a 401", async () => {
    expect((await admin("GET", "/whoami")).json).toEqual({ actor: "operator" });
    const { apiKey } = await createTenant("whoami-a");
    const asTenant = await admin("GET", "/whoami", undefined, { authorization: `Bearer ${apiKey}` });
    expect(asTenant).toMatchObject({ status: 200, json: { actor: "tenant", tenantId: "whoami-a" } });
    expect((await admin("GET", "/whoami", undefined, {})).status).toBe(401);
    expect((await admin("POST", "/whoami")).status).toBe(405);
  });
});
