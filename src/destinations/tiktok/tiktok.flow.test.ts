// End to end through the Worker and the tenant's Durable Object: a TikTok destination configured
// through the admin API, standard webhooks and beacons in, the TikTok emulator at the fetch boundary.
import { describe, expect, it } from "vitest";
import { useTestClock } from "../../../test/helpers/clock";
import { tenantWithDestination, expectNothingSentWithoutConsent, sendWithRedelivery, useEmulator } from "../../../test/helpers/emulator";
import { useMsw } from "../../../test/helpers/msw";
import { admin, deliveryOf, purchase, runAlarm, sendBeacon, sendWebhook } from "../../../test/helpers/relay";
import { tiktokApi } from "./emulator.mjs";

useMsw();
useTestClock();

const PIXEL = "C4ABCDEF0123456789AB";
const TOKEN = "tiktok-events-api-token-secret";

function tenantWithTikTok(id: string, token = TOKEN) {
  return tenantWithDestination(id, "tiktok", { type: "tiktok", settings: { pixelCode: PIXEL }, credentials: { accessToken: token } });
}

/** The destination as the shared consent test sees it: its id, its consent flag, its emulator. */
const TIKTOK = { destinationId: "tiktok", flag: "tiktok", api: tiktokApi, base: "https://tiktok.test" };

const delivery = (tenant: string, eventId: string) => deliveryOf(tenant, eventId, "tiktok");

describe("TikTok end to end", () => {
  it("a webhook with TikTok consent reaches the Events API once, hashed, with the order id as event_id", async () => {
    const tenant = await tenantWithTikTok("tt-flow-1");
    const received = useEmulator(tiktokApi, "https://tiktok.test");
    const body = purchase("tt-1001", {
      consent: { tiktok: "granted" },
      clickIds: { ttclid: "E.C.P.click-1", ttp: "2F7h37YkS1j57AYSKTI7IHhJPYH" },
    });
    const first = await sendWithRedelivery(tenant, body);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.headers["access-token"]).toBe(TOKEN);
    expect(request!.response.body).toMatchObject({ code: 0 });
    const sent = request!.body as any;
    expect(sent).toMatchObject({ event_source: "web", event_source_id: PIXEL });
    expect(sent.data).toHaveLength(1);
    expect(sent.data[0]).toMatchObject({
      event: "CompletePayment",
      event_id: "tt-1001",
      properties: { value: 49, currency: "EUR", order_id: "tt-1001" },
      user: {
        // SHA-256 of "john.doe@example.com", "+16505551212" and "User-123" (test/helpers/relay.ts CUSTOMER).
        email: "836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f",
        phone: "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8",
        external_id: "9fd04ee71c44e21cddbd6c9eab81e2d21324f0ace8ec10cbb929b3390625fc9e",
        ttclid: "E.C.P.click-1",
        ttp: "2F7h37YkS1j57AYSKTI7IHhJPYH",
        ip: "203.0.113.7",
      },
    });
    expect(await delivery(tenant, first.json.id)).toMatchObject({ status: "delivered", reason: "tiktok_granted", attempts: 1 });
  });

  it("sends nothing without TikTok consent: Google's signals and Meta's flag do not grant it", async () => {
    await expectNothingSentWithoutConsent({
      tenant: await tenantWithTikTok("tt-flow-2"),
      ...TIKTOK,
      others: { tiktok: "denied", meta: "denied" },
    });
  });

  it("takes ttclid, the _ttp value and consent from the checkout's beacon", async () => {
    const tenant = await tenantWithTikTok("tt-flow-3");
    const received = useEmulator(tiktokApi, "https://tiktok.test");
    const beacon = await sendBeacon(tenant, {
      joinKey: "cart-9",
      consent: { tiktok: "granted" },
      clickIds: { ttclid: "E.C.P.beacon", ttp: "ttp-cookie-1" },
    });
    expect(beacon.status).toBe(204);
    await sendWebhook(tenant, purchase("tt-3001", { consent: undefined, clickIds: {}, joinKey: "cart-9" }));
    await runAlarm(tenant);
    expect(received).toHaveLength(1);
    expect((received[0]!.body as any).data[0].user).toMatchObject({ ttclid: "E.C.P.beacon", ttp: "ttp-cookie-1" });
  });

  it("holds the lane when TikTok refuses the token", async () => {
    const tenant = await tenantWithTikTok("tt-flow-4", "invalid");
    const received = useEmulator(tiktokApi, "https://tiktok.test");
    const res = await sendWebhook(tenant, purchase("tt-4001", { consent: { tiktok: "granted" } }));
    await runAlarm(tenant);
    expect(received).toHaveLength(1);
    expect(received[0]!.response.body).toMatchObject({ code: 40105 });
    expect(await delivery(tenant, res.json.id)).toMatchObject({ status: "pending" });
    const lane = (await admin("GET", `/tenants/${tenant}/destinations/tiktok`)).json;
    expect(JSON.stringify(lane)).toContain("tiktok_token_invalid");
  });
});
