import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { pinterestApi } from "../../../src/destinations/pinterest/emulator.mjs";
import { advance, useTestClock } from "../../helpers/clock";
import { useEmulator } from "../../helpers/emulator";
import { metaReceives } from "../../helpers/meta";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendBeacon, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const advanceMinutes = (m: number) => advance(m * 60_000);

/** Graph's answer to an expired token: the lane is held (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
const expiredMetaToken = () =>
  HttpResponse.json(
    { error: { message: "Error validating access token", type: "OAuthException", code: 190, error_subcode: 463 } },
    { status: 400 },
  );

/** The destination id `meta` made (or made again) a Pinterest destination. */
const asPinterest = (tenant: string) =>
  admin("PUT", `/tenants/${tenant}/destinations/meta`, {
    type: "pinterest",
    settings: { adAccountId: "549755885175" },
    credentials: { accessToken: "pina-test-conversion-token" },
  });

/*
 * A delivery's consent verdict was made for the destination it was queued for. A destination
 * deleted and created again under the same id as another platform is not that destination: what
 * was queued for the deleted one must not be sent to it under the old verdict.
 */
describe("a held destination deleted and created again as another platform", () => {
  it("does not receive what was queued for the deleted one (consented to Meta, refused to Pinterest)", async () => {
    const tenant = "h-recreate-type";
    await createTenant(tenant);
    server.use(http.post("https://meta.test/:version/:pixelId/events", () => expiredMetaToken()));
    await sendWebhook(tenant, purchase("rt-1", { consent: { meta: "granted", pinterest: "denied" } }));
    await runAlarm(tenant);
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toMatchObject({ state: "needs_attention" });

    expect((await admin("DELETE", `/tenants/${tenant}/destinations/meta`)).status).toBe(200);
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const created = await asPinterest(tenant);
    expect(created.status).toBe(201);
    await runAlarm(tenant);
    expect(received).toHaveLength(0);
    const events = (await admin("GET", `/tenants/${tenant}/events`)).json.events as any[];
    const delivery = events[0].deliveries.find((d: any) => d.destinationId === "meta");
    expect(delivery).toMatchObject({ status: "failed", lastError: "destination_type_changed" });
    // A replay decides it again for the destination as it is now: Pinterest was refused.
    expect((await admin("POST", `/tenants/${tenant}/events/${events[0].id}/replay`)).json).toMatchObject({ replayed: 0 });
    await runAlarm(tenant);
    expect(received).toHaveLength(0);
  });

  it("a PUT that turns a destination into another platform does not send it what was decided for the old one", async () => {
    const tenant = "h-retype";
    await createTenant(tenant);
    metaReceives(503);
    await sendWebhook(tenant, purchase("rt-2", { consent: { meta: "granted", pinterest: "denied" } }));
    await runAlarm(tenant);
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const retyped = await asPinterest(tenant);
    expect(retyped.status).toBeLessThan(300);
    for (let i = 0; i < 3; i++) {
      advanceMinutes(10);
      await runAlarm(tenant);
    }
    expect(received).toHaveLength(0);
  });

  it("a destination created again as the same platform still gets what was queued (decided for that platform)", async () => {
    const tenant = "h-recreate-same";
    await createTenant(tenant);
    let answer: "hold" | "ok" = "hold";
    const meta: string[] = [];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        if (answer === "hold") return expiredMetaToken();
        const { data } = (await request.json()) as { data: Array<{ event_id: string }> };
        meta.push(...data.map((e) => e.event_id));
        return HttpResponse.json({ events_received: data.length, messages: [], fbtrace_id: "AbC" });
      }),
    );
    await sendWebhook(tenant, purchase("rt-3", { consent: { meta: "granted" } }));
    await runAlarm(tenant);
    expect((await admin("DELETE", `/tenants/${tenant}/destinations/meta`)).status).toBe(200);
    answer = "ok";
    const created = await admin("PUT", `/tenants/${tenant}/destinations/meta`, {
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
      credentials: { accessToken: "EAAB-the-new-token" },
    });
    expect(created.status).toBe(201);
    await runAlarm(tenant);
    expect(meta).toEqual(["rt-3"]);
  });
});

describe("a delivery held for its consent when its destination changes platform", () => {
  it("is decided by the beacon for the platform it is now, and sent there (a grant to Pinterest)", async () => {
    const tenant = "h-held-retype";
    await createTenant(tenant);
    await sendWebhook(tenant, purchase("rt-held-1", { consent: undefined, joinKey: "k-held-retype", clickIds: {} }));
    const received = useEmulator(pinterestApi, "https://pinterest.test");
    const retyped = await asPinterest(tenant);
    expect(retyped.status).toBeLessThan(300);
    expect((await sendBeacon(tenant, { joinKey: "k-held-retype", consent: { pinterest: "granted" } })).status).toBe(204);
    await runAlarm(tenant);
    const events = (await admin("GET", `/tenants/${tenant}/events`)).json.events as any[];
    expect(events[0].deliveries.find((d: any) => d.destinationId === "meta")).toMatchObject({ status: "delivered" });
    expect(received).toHaveLength(1);
  });
});
