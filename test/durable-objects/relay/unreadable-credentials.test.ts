import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { TenantConfig } from "../../../src/config/types";
import { advance, useTestClock } from "../../helpers/clock";
import { putStoredConfig, sealedUnderLostKey, storedConfig } from "../../helpers/lost-key";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, deliveryOf, META_TOKEN, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const HOUR = 3_600_000;

describe("credentials the relay cannot open hold the lane, they do not fail the queue", () => {
  it("queued conversions wait with the lane in needs_attention, and go out once the credentials open again", async () => {
    const tenant = "unreadable-creds";
    await createTenant(tenant);
    const received: string[] = [];
    server.use(
      http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
        const { data } = (await request.json()) as { data: Array<{ event_id: string }> };
        received.push(...data.map((e) => e.event_id));
        return HttpResponse.json({ events_received: data.length, messages: [], fbtrace_id: "AbC" });
      }),
    );
    const readable = await storedConfig(tenant);
    // The operator replaced ENCRYPTION_KEY without keeping the old one as ENCRYPTION_KEY_PREVIOUS.
    const sealedByLostKey = await sealedUnderLostKey(tenant, "destination", "meta", JSON.stringify({ accessToken: META_TOKEN }));
    const unreadable: TenantConfig = structuredClone(readable);
    unreadable.destinations.meta!.credentials = sealedByLostKey;
    await putStoredConfig(unreadable);

    const id = (await sendWebhook(tenant, purchase("unreadable-1"))).json.id;
    await runAlarm(tenant);
    expect(received).toEqual([]);
    expect(await deliveryOf(tenant, id)).toMatchObject({ status: "pending", lastError: "credentials_unreadable" });
    const dest = await admin("GET", `/tenants/${tenant}/destinations/meta`);
    expect(dest.json.lane).toMatchObject({ state: "needs_attention", code: "credentials_unreadable" });
    expect(dest.json.lane.message).toMatch(/ENCRYPTION_KEY/);
    expect(JSON.stringify(dest.json)).not.toContain(META_TOKEN);

    // The old key is back (or the tenant sent the credentials again): the hourly probe finds them readable.
    await putStoredConfig(readable);
    advance(HOUR + 60_000);
    await runAlarm(tenant);
    await runAlarm(tenant);
    expect(received).toEqual(["unreadable-1"]);
    expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered" });
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toEqual({ state: "ok" });
  });
});
