import { describe, expect, it } from "vitest";
import { advance, useTestClock } from "../../helpers/clock";
import { metaReceives } from "../../helpers/meta";
import { useMsw } from "../../helpers/msw";
import { admin, createTenant, purchase, runAlarm, sendWebhook } from "../../helpers/relay";

useMsw();
useTestClock();

const list = async (tenant: string, query: string) => {
  const res = await admin("GET", `/tenants/${tenant}/events?${query}`);
  expect(res.status).toBe(200);
  return (res.json.events as Array<{ orderId: string }>).map((e) => e.orderId);
};

describe("GET /v1/admin/tenants/:id/events filters", () => {
  it("finds an order by its id however many events came after it, and filters by destination and reason on the server", async () => {
    await createTenant("ev-filter");
    metaReceives();
    await sendWebhook("ev-filter", purchase("o-first"));
    // A second apart: events of one millisecond have no order among them (their ids' random bits).
    for (let i = 0; i < 5; i++) {
      advance(1_000);
      await sendWebhook("ev-filter", purchase(`o-later-${i}`));
    }
    await sendWebhook("ev-filter", purchase("o-denied", { consent: { meta: "denied" } }));
    await runAlarm("ev-filter");

    // The newest two do not include it; by order id it is found.
    expect(await list("ev-filter", "limit=2")).not.toContain("o-first");
    expect(await list("ev-filter", "orderId=o-first&limit=2")).toEqual(["o-first"]);
    expect(await list("ev-filter", "orderId=no-such-order")).toEqual([]);

    expect(await list("ev-filter", "reason=meta_denied")).toEqual(["o-denied"]);
    expect((await list("ev-filter", "destinationId=meta&status=delivered")).sort()).toEqual(
      ["o-first", ...Array.from({ length: 5 }, (_, i) => `o-later-${i}`)].sort(),
    );
    expect(await list("ev-filter", "destinationId=google&status=delivered")).toEqual([]);
    expect(await list("ev-filter", "destinationId=meta&reason=meta_denied&status=blocked")).toEqual(["o-denied"]);
  });

  it("lists events of one millisecond newest first by arrival", async () => {
    await createTenant("ev-same-ms");
    metaReceives();
    for (let i = 0; i < 6; i++) await sendWebhook("ev-same-ms", purchase(`o-same-${i}`));
    expect(await list("ev-same-ms", "limit=6")).toEqual(["o-same-5", "o-same-4", "o-same-3", "o-same-2", "o-same-1", "o-same-0"]);
  });

  it("refuses filter values it cannot use with a 400", async () => {
    await createTenant("ev-filter-bad");
    expect((await admin("GET", `/tenants/ev-filter-bad/events?orderId=${"x".repeat(300)}`)).status).toBe(400);
    expect((await admin("GET", "/tenants/ev-filter-bad/events?orderId=")).status).toBe(400);
  });
});
