import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, deliveryOf, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const NEW_TOKEN = "EAAB-the-recreated-destination-token";

describe("a held destination deleted and created again", () => {
  it("starts with a clear lane: what is queued for its id goes out at once, not after the old hold's hourly probe", async () => {
    const tenant = "h-recreate";
    await createTenant(tenant);
    const sent: string[] = [];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const { data } = (await request.json()) as { data: any[] };
        const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
        if (token !== NEW_TOKEN) {
          return HttpResponse.json(
            { error: { message: "Error validating access token", type: "OAuthException", code: 190, error_subcode: 463 } },
            { status: 400 },
          );
        }
        sent.push(...data.map((e) => e.event_id));
        return HttpResponse.json({ events_received: data.length, messages: [], fbtrace_id: "AbC" });
      }),
    );
    const first = (await sendWebhook(tenant, purchase("rc-1"))).json.id;
    await runAlarm(tenant);
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toMatchObject({ state: "needs_attention" });

    expect((await admin("DELETE", `/tenants/${tenant}/destinations/meta`)).status).toBe(200);
    const created = await admin("PUT", `/tenants/${tenant}/destinations/meta`, {
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website" },
      credentials: { accessToken: NEW_TOKEN },
    });
    expect(created.status).toBe(201);
    // The held conversion (queued, never sent) waits for a retry under the destination's id, no hold.
    expect(created.json.lane).toEqual({ state: "retrying", retrying: 1 });

    const id = (await sendWebhook(tenant, purchase("rc-2"))).json.id;
    await runAlarm(tenant);
    expect(sent.sort()).toEqual(["rc-1", "rc-2"]);
    expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered" });
    expect(await deliveryOf(tenant, first)).toMatchObject({ status: "delivered" });
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toEqual({ state: "ok" });
  });
});
