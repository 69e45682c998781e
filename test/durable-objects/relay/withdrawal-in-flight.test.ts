import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { useTestClock, now } from "../../helpers/clock";
import { server, useMsw } from "../../helpers/msw";
import { admin, relayRows, runAlarm, sendWebhook } from "../../helpers/relay";
import { ADS_SETTINGS, createGoogleTenant, googlePurchase, useGoogleEmulators } from "../../google/helpers";

useMsw();
useTestClock();

/**
 * durable-objects/relay/deliver.ts checks a batch again right before the request that carries
 * the data. Here the withdrawal lands while the relay waits for Google's OAuth token, after the
 * batch was read and checked once: the upload must not go out.
 */
describe("a withdrawal that lands during the OAuth token fetch", () => {
  it("stops the upload that would follow it; the event is suppressed", async () => {
    await createGoogleTenant("inflight", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    let withdrew = false;
    server.use(
      http.post("https://oauth.test/token", async () => {
        if (!withdrew) {
          withdrew = true;
          const res = await admin("POST", "/../consent/inflight/withdraw", { orderId: "o-inflight" });
          expect(res.json).toMatchObject({ suppressed: 1 });
        }
        return HttpResponse.json({ access_token: "ya29.inflight", expires_in: 3599, token_type: "Bearer" });
      }),
    );
    const hook = await sendWebhook("inflight", googlePurchase("o-inflight", { occurredAt: new Date(now() - 60_000).toISOString() }));
    expect(hook.status).toBe(202);
    await runAlarm("inflight");
    await runAlarm("inflight");
    expect(withdrew).toBe(true);
    expect(google.callsTo("google-ads")).toHaveLength(0);
    const rows = await relayRows("inflight");
    expect(rows.deliveries.map((d: any) => d.status)).toEqual(["suppressed"]);
  });
});
