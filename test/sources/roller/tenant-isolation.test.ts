import { http, HttpResponse } from "msw";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/identity/hash";
import { clearRollerTokenCache } from "../../../src/sources/roller/enrich";
import { useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, META_TOKEN, runAlarm } from "../../helpers/relay";
import { fixtures } from "../helpers";
import { consentThenBookingWithoutContact, rollerTenantWithCredentials } from "./helpers";

useMsw();
useTestClock();
beforeEach(() => clearRollerTokenCache());

/** Two venues' customers, told apart by the token that reads them. */
const BUYERS: Record<string, { secret: string; token: string; email: string; pixel: string }> = {
  "iso-roller-a": { secret: "roller-secret-of-tenant-a-0001", token: "roller-token-A", email: "alice.a@example.com", pixel: "1111111111" },
  "iso-roller-b": { secret: "roller-secret-of-tenant-b-0002", token: "roller-token-B", email: "bob.b@example.com", pixel: "2222222222" },
};
const SHARED_CLIENT_ID = "venue-shared-client-id";

/**
 * ROLLER at the fetch boundary: the token endpoint checks the secret, as ROLLER does, and each
 * token reads its own venue's booking.
 */
function rollerApi() {
  const tokenRequests: string[] = [];
  server.use(
    http.post("https://roller.test/token", async ({ request }) => {
      const body = (await request.json()) as { client_id: string; client_secret: string };
      const owner = Object.values(BUYERS).find((b) => b.secret === body.client_secret);
      tokenRequests.push(owner?.token ?? "refused");
      if (body.client_id !== SHARED_CLIENT_ID || !owner) return HttpResponse.json({ message: "invalid client" }, { status: 401 });
      return HttpResponse.json({ access_token: owner.token, expires_in: 86400 });
    }),
    http.get("https://roller.test/bookings/:uniqueId", ({ request }) => {
      const owner = Object.values(BUYERS).find((b) => request.headers.get("authorization") === `Bearer ${b.token}`);
      if (!owner) return new HttpResponse(null, { status: 401 });
      const detail = fixtures.rollerDetail();
      detail.customer.email = owner.email;
      delete detail.customer.mobileNumber;
      return HttpResponse.json(detail);
    }),
  );
  return tokenRequests;
}

/** What each Meta pixel received, by pixel id. */
function metaPixels() {
  const byPixel: Record<string, any[]> = {};
  server.use(
    http.post("https://meta.test/:v/:pixel/events", async ({ request, params }) => {
      (byPixel[params.pixel as string] ??= []).push(...((await request.json()) as any).data);
      return HttpResponse.json({ events_received: 1, messages: [] });
    }),
  );
  return byPixel;
}

async function rollerTenant(id: string, buyer: { secret: string; pixel: string } = BUYERS[id]!) {
  const source = await rollerTenantWithCredentials(id, { clientId: SHARED_CLIENT_ID, clientSecret: buyer.secret });
  expect(source.status).toBe(200);
  const dest = await admin("PUT", `/tenants/${id}/destinations/meta`, {
    type: "meta",
    enabled: true,
    settings: { pixelId: buyer.pixel, apiVersion: "v25.0", actionSource: "website" },
    credentials: { accessToken: META_TOKEN },
  });
  expect(dest.status).toBe(200);
  await consentThenBookingWithoutContact(id);
}

describe("ROLLER credentials never cross tenants", () => {
  it("two tenants with the same client id and different secrets each get their own token and only their own bookings", async () => {
    const tokenRequests = rollerApi();
    const pixels = metaPixels();
    await rollerTenant("iso-roller-a");
    await rollerTenant("iso-roller-b");

    await runAlarm("iso-roller-a");
    await runAlarm("iso-roller-b");

    // B never rode on A's cached token: the token endpoint saw B's own secret.
    expect(tokenRequests).toEqual(["roller-token-A", "roller-token-B"]);
    const a = BUYERS["iso-roller-a"]!;
    const b = BUYERS["iso-roller-b"]!;
    expect(pixels[a.pixel]).toHaveLength(1);
    expect(pixels[b.pixel]).toHaveLength(1);
    expect(pixels[a.pixel]![0].user_data.em).toEqual([await sha256Hex(a.email)]);
    expect(pixels[b.pixel]![0].user_data.em).toEqual([await sha256Hex(b.email)]);
  });

  it("a tenant naming another's client id with a wrong secret gets no token and no booking", async () => {
    const tokenRequests = rollerApi();
    const pixels = metaPixels();
    await rollerTenant("iso-roller-a2", BUYERS["iso-roller-a"]);
    await runAlarm("iso-roller-a2");
    // The intruder: A's client id, a secret of its own.
    await rollerTenant("iso-roller-x", { secret: "guessed-secret-not-a-venue", pixel: "9999999999" });
    await runAlarm("iso-roller-x");
    expect(tokenRequests).toEqual(["roller-token-A", "refused"]);
    // The event goes out with what the webhook had, and none of A's customer data.
    expect(pixels["9999999999"]).toHaveLength(1);
    expect(pixels["9999999999"]![0].user_data.em).toBeUndefined();
  });
});
