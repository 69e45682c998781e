import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

describe("test traffic is not delivered traffic", () => {
  it("a Meta destination with a test event code ends `validated`, counted apart in stats", async () => {
    const tenant = "tt-meta";
    await createTenant(tenant);
    const put = await admin("PUT", `/tenants/${tenant}/destinations/meta`, {
      type: "meta",
      enabled: true,
      settings: { pixelId: "1234567890", apiVersion: "v25.0", actionSource: "website", testEventCode: "TEST123" },
    });
    expect(put.status).toBe(200);
    const received: any[] = [];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const body = (await request.json()) as any;
        received.push(body);
        return HttpResponse.json({ events_received: body.data.length, messages: [] });
      }),
    );
    const res = await sendWebhook(tenant, purchase("tt-1"));
    await runAlarm(tenant);
    expect(received).toHaveLength(1);
    expect(received[0].test_event_code).toBe("TEST123");
    const event = (await admin("GET", `/tenants/${tenant}/events/${res.json.id}`)).json;
    expect(event.deliveries.find((d: any) => d.destinationId === "meta")).toMatchObject({ status: "validated", attempts: 1 });
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations.meta;
    expect(stats).toMatchObject({ validated: 1, delivered: 0, failed: 0 });
    // The hourly series keeps test traffic apart too: it was checked, not recorded.
    const hourly = (await admin("GET", `/tenants/${tenant}/stats`)).json.hourly;
    expect(hourly).toEqual([{ hour: expect.any(String), delivered: 0, validated: 1, blocked: 0, failed: 0 }]);
    const listed = (await admin("GET", `/tenants/${tenant}/events?status=validated`)).json.events;
    expect(listed.map((e: any) => e.id)).toEqual([res.json.id]);
  });
});
