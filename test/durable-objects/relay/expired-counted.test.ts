import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { tenantKey } from "../../../src/config/tenant-store";
import { advance, useTestClock } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const DAY = 24 * 3_600_000;

/** Meta refuses the token every time: the lane is held and its deliveries stay queued. */
function metaRefusesTheToken(): void {
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", () =>
      HttpResponse.json(
        { error: { message: "Error validating access token", type: "OAuthException", code: 190, error_subcode: 463 } },
        { status: 400 },
      ),
    ),
  );
}

/**
 * A delivery that never went out in its 24 hours is lost to the tenant, and the stats must say
 * so: a lane held on a credential error for the whole window, or a queue whose event is purged in
 * a run that could not send, ends its deliveries `expired`, and the stats count each one.
 */
describe("deliveries that reach the end of the 24 hours unsent are counted expired", () => {
  it("a lane held for 24 hours: its queued conversions count as expired", async () => {
    const tenant = "exp-held";
    await createTenant(tenant);
    metaRefusesTheToken();
    for (const order of ["exp-held-1", "exp-held-2"]) expect((await sendWebhook(tenant, purchase(order))).status).toBe(202);
    await runAlarm(tenant);
    expect((await admin("GET", `/tenants/${tenant}/destinations/meta`)).json.lane).toMatchObject({ state: "needs_attention" });

    advance(DAY + 60_000);
    await runAlarm(tenant);
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json;
    expect(stats.destinations.meta).toMatchObject({ delivered: 0, failed: 0, expired: 2 });
  });

  it("a queue purged in a run that could not read the tenant's config: its deliveries count as expired", async () => {
    const tenant = "exp-purged";
    await createTenant(tenant);
    metaRefusesTheToken();
    expect((await sendWebhook(tenant, purchase("exp-purged-1"))).status).toBe(202);
    await runAlarm(tenant);
    const config = await env.CONFIG.get(tenantKey(tenant));
    // A read that fails in the run at the end of the window (here: a value that is not JSON).
    await env.CONFIG.put(tenantKey(tenant), "{not json");
    advance(DAY + 60_000);
    await runAlarm(tenant);
    await env.CONFIG.put(tenantKey(tenant), config!);
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json;
    expect(stats.destinations.meta).toMatchObject({ delivered: 0, failed: 0, expired: 1 });
  });
});
