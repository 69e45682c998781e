import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { meteredState, meterOf } from "../../../durable-objects/relay/meter";
import { RelayStore } from "../../../durable-objects/relay/store";
import { relay } from "../../helpers/relay";
import { tenantWithPlan } from "./helpers";

describe("reviving adjustments after a send", () => {
  it("reads what the batch holds, never the tenant's blocked deliveries", async () => {
    await tenantWithPlan("revive-cost");
    const stub = relay("revive-cost");
    // Make sure the schema exists, then 5,000 consent-blocked deliveries, as a busy tenant has.
    await stub.listEvents({ limit: 1 });
    const rowsRead = await runInDurableObject(stub, (_instance, ctx) => {
      ctx.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
         INSERT INTO deliveries (event_id, destination_id, type, decision, reason, status, updated_at)
         SELECT 'evt_blocked_' || i, 'google', 'google_ads', 'blocked', 'consent_missing', 'blocked', 0 FROM n`,
      );
      // And one refund of some other order, so the lookup is not skipped.
      ctx.storage.sql.exec(
        `INSERT INTO events (id, dedup_key, source_id, order_id, received_at, expires_at, body, adjusts)
         VALUES ('evt_refund', 'shop:refund-1', 'shop', 'o-other', 0, 9e15, '{}', 'shop:o-other')`,
      );
      const metered = meteredState(ctx, true);
      const store = new RelayStore(metered.storage);
      const sent = Array.from({ length: 300 }, (_, i) => ({ event_id: `evt_sent_${i}`, body: "{}" }));
      expect(store.reviveAdjustments(sent, "google", 0)).toBe(0);
      return meterOf(metered)!.read().rowsRead;
    });
    expect(rowsRead).toBeLessThan(1000);
  });
});
