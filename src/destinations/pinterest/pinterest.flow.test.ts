// End to end through the Worker and the tenant's Durable Object: a Pinterest destination configured
// through the admin API, standard webhooks and beacons in, the Pinterest emulator at the fetch boundary.
import { describe, expect, it } from "vitest";
import { useTestClock } from "../../../test/helpers/clock";
import { tenantWithDestination, expectNothingSentWithoutConsent, sendWithRedelivery, useEmulator } from "../../../test/helpers/emulator";
import { useMsw } from "../../../test/helpers/msw";
import { admin, deliveryOf, purchase, runAlarm, sendBeacon, sendWebhook } from "../../../test/helpers/relay";
import { pinterestApi } from "./emulator.mjs";

useMsw();
useTestClock();

const ACCOUNT = "549755885175";
const TOKEN = "pina-conversion-token-secret";

function tenantWithPinterest(id: string, settings: Record<string, unknown> = {}, token = TOKEN) {
  return tenantWithDestination(id, "pinterest", {
    type: "pinterest",
    settings: { adAccountId: ACCOUNT, ...settings },
    credentials: { accessToken: token },
  });
}

/** The destination as the shared consent test sees it: its id, its consent flag, its emulator. */
const PINTEREST = { destinationId: "pinterest", flag: "pinterest", api: pinterestApi, base: "https://pinterest.test" };

const delivery = (tenant: string, eventId: string) => deliveryOf(tenant, eventId, "pinterest");

describe("Pinterest end to end", () => {
  it("a webhook with Pinterest consent reaches the API once, hashed, with the order id as event_id", async () => {
    const tenant = await tenantWithPinterest("pin-flow-1");
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const body = purchase("pin-1001", { consent: { pinterest: "granted" }, clickIds: { epik: "dj0yJnU9b2JDcFFHekV4" } });
    const first = await sendWithRedelivery(tenant, body);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.path).toBe(`/v5/ad_accounts/${ACCOUNT}/events`);
    expect(request!.query).toEqual({});
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.response.status).toBe(200);
    const sent = request!.body as any;
    expect(sent.data).toHaveLength(1);
    expect(sent.data[0]).toMatchObject({
      event_name: "checkout",
      action_source: "web",
      event_id: "pin-1001",
      partner_name: "ss-sluice",
      custom_data: { value: "49", currency: "EUR", order_id: "pin-1001" },
      user_data: {
        // SHA-256 of "john.doe@example.com" and "16505551212" (test/helpers/relay.ts CUSTOMER).
        em: ["836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f"],
        ph: ["e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"],
        click_id: "dj0yJnU9b2JDcFFHekV4",
        client_ip_address: "203.0.113.7",
      },
    });
    expect(await delivery(tenant, first.json.id)).toMatchObject({ status: "delivered", reason: "pinterest_granted", attempts: 1 });
  });

  it("sends nothing without Pinterest consent: Google's signals and other platforms' flags do not grant it", async () => {
    await expectNothingSentWithoutConsent({
      tenant: await tenantWithPinterest("pin-flow-2"),
      ...PINTEREST,
      others: { tiktok: "granted", meta: "denied" },
    });
  });

  it("takes the epik click id and consent from the checkout's beacon; test mode ends validated", async () => {
    const tenant = await tenantWithPinterest("pin-flow-3", { validateOnly: true });
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    expect(
      (await sendBeacon(tenant, { joinKey: "cart-7", consent: { pinterest: "granted" }, clickIds: { epik: "epik-from-cookie" } })).status,
    ).toBe(204);
    const res = await sendWebhook(tenant, purchase("pin-3001", { consent: undefined, clickIds: {}, joinKey: "cart-7" }));
    await runAlarm(tenant);
    expect(received).toHaveLength(1);
    expect(received[0]!.query).toEqual({ test: "true" });
    expect((received[0]!.body as any).data[0].user_data.click_id).toBe("epik-from-cookie");
    expect(await delivery(tenant, res.json.id)).toMatchObject({ status: "validated" });
  });

  it("fails, unsent, an event Pinterest could not match while the rest goes through; a refused token holds the lane", async () => {
    const tenant = await tenantWithPinterest("pin-flow-4");
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const good = await sendWebhook(tenant, purchase("pin-4001", { consent: { pinterest: "granted" } }));
    // No e-mail and a user agent without an IP: Pinterest requires one or the pair, so it is never sent.
    const bad = await sendWebhook(
      tenant,
      purchase("pin-4002", { consent: { pinterest: "granted" }, customer: {}, client: { userAgent: "UA" } }),
    );
    await runAlarm(tenant);
    expect(await delivery(tenant, good.json.id)).toMatchObject({ status: "delivered" });
    expect(await delivery(tenant, bad.json.id)).toMatchObject({ status: "failed" });
    expect(received.flatMap((r) => (r.body as any).data.map((e: any) => e.event_id))).toEqual(["pin-4001"]);

    const held = await tenantWithPinterest("pin-flow-5", {}, "invalid");
    const refused = useEmulator(pinterestApi, "https://pinterest.test");
    const res = await sendWebhook(held, purchase("pin-5001", { consent: { pinterest: "granted" } }));
    await runAlarm(held);
    expect(refused.at(-1)!.response).toMatchObject({ status: 401, body: { code: 2 } });
    expect(await delivery(held, res.json.id)).toMatchObject({ status: "pending" });
    expect(JSON.stringify((await admin("GET", `/tenants/${held}/destinations/pinterest`)).json)).toContain("pinterest_auth_failed");
  });
});
