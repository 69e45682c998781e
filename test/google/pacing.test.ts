import { describe, expect, it } from "vitest";
import { useMsw } from "../helpers/msw";
import { alarmAt, runAlarm, sendWebhook } from "../helpers/relay";
import { DM_SETTINGS, advance, createGoogleTenant, googlePurchase, now, useClockAhead, useGoogleEmulators } from "./helpers";

useMsw();
useClockAhead();

async function send(tenantId: string, orderId: string): Promise<void> {
  const res = await sendWebhook(tenantId, googlePurchase(orderId), { timestamp: Math.floor(now() / 1000) });
  expect(res.status).toBe(202);
}

/** Each order in a webhook of its own, the alarm run after it, a second apart. */
async function oneByOne(tenantId: string, orders: string[]): Promise<void> {
  for (const order of orders) {
    await send(tenantId, order);
    await runAlarm(tenantId);
    advance(1_000);
  }
}

/** Runs the tenant's alarm if it is due by the relay's clock, as workerd would. */
async function runAlarmIfDue(tenantId: string): Promise<boolean> {
  const at = await alarmAt(tenantId);
  return at !== null && at <= now() ? runAlarm(tenantId) : false;
}

/** `o1` … `o<n>` for prefix `o`. */
function ordersNamed(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
}

type Emulators = ReturnType<typeof useGoogleEmulators>;

/** The transaction ids of each `events:ingest` request the emulator answered, in order. */
function ingests(google: Emulators): string[][] {
  return google
    .callsTo("google-dm")
    .filter((c) => c.url.endsWith("/v1/events:ingest"))
    .map((c) => (c.body.events as { transactionId: string }[]).map((e) => e.transactionId));
}

describe("Data Manager lanes are paced: the quota is one per OAuth client, shared by its tenants", () => {
  it("sends ten requests as their events come, then one each 30 s carrying everything that came meanwhile", async () => {
    await createGoogleTenant("dm-pace", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    await oneByOne("dm-pace", ordersNamed("o", 10));
    expect(ingests(google)).toEqual(ordersNamed("o", 10).map((order) => [order]));

    // The burst is spent: three more orders, and runs that send none of them.
    await oneByOne("dm-pace", ["o11", "o12", "o13"]);
    expect(ingests(google)).toHaveLength(10);
    // The alarm is set for the lane's next request, about 30 s after the burst, not sooner.
    const wake = (await alarmAt("dm-pace"))!;
    expect(wake - now()).toBeGreaterThan(10_000);
    expect(wake - now()).toBeLessThanOrEqual(30_000);

    advance(wake - now());
    await runAlarm("dm-pace");
    expect(ingests(google)).toHaveLength(11);
    expect(ingests(google)[10]).toEqual(["o11", "o12", "o13"]);
  });

  it("a batch that Google's answer splits into one request per event is resent at once, whatever the bucket holds", async () => {
    await createGoogleTenant("dm-alone", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    await oneByOne("dm-alone", ordersNamed("o", 9));
    // The burst's tenth request: twelve orders, one of which Google will not record.
    const batch = ordersNamed("b", 12);
    for (const order of batch) {
      const body = googlePurchase(order, order === "b7" ? { clickIds: { gclid: "EVENT_TOO_OLD-b7" } } : {});
      expect((await sendWebhook("dm-alone", body, { timestamp: Math.floor(now() / 1000) })).status).toBe(202);
    }
    await runAlarm("dm-alone");
    expect(ingests(google)).toHaveLength(10);
    expect(ingests(google)[9]).toEqual(batch);

    // The first poll (a minute later) finds it PROCESSING, the second (two minutes on)
    // PARTIAL_SUCCESS without naming the event: each is resent alone. The bucket holds six
    // requests by then; all twelve go in that run.
    advance(61_000);
    await runAlarm("dm-alone");
    expect(ingests(google)).toHaveLength(10);
    advance(121_000);
    await runAlarm("dm-alone");
    const resends = ingests(google).slice(10);
    expect(resends).toEqual(batch.map((order) => [order]));
  });

  it("three tenants, an order every 2 s each for 5 minutes: 2 requests a minute per tenant after the burst, every order sent once", async () => {
    const tenants = ["dm-sim-a", "dm-sim-b", "dm-sim-c"];
    for (const id of tenants) await createGoogleTenant(id, { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const sentOrders: string[] = [];
    const STEP_MS = 2_000;
    const MINUTES = 5;
    for (let t = 0; t < MINUTES * 60_000; t += STEP_MS) {
      for (const id of tenants) {
        const order = `${id}-${t / STEP_MS}`;
        await send(id, order);
        sentOrders.push(order);
      }
      advance(STEP_MS);
      for (const id of tenants) await runAlarmIfDue(id);
    }
    // Then the relay is left alone until every lane has sent what it held.
    for (let i = 0; i < 4; i++) {
      advance(30_000);
      for (const id of tenants) await runAlarmIfDue(id);
    }

    const requests = ingests(google);
    const delivered = requests.flat();
    expect([...delivered].sort()).toEqual([...sentOrders].sort());
    // Without pacing each order (2 s apart, runs 500 ms apart) would be a request of its own: 450.
    // Paced: per tenant the burst of 10, then 2 a minute, and the last one after the load.
    for (const id of tenants) {
      const own = requests.filter((orders) => orders[0]!.startsWith(id));
      expect(own.length).toBeLessThanOrEqual(10 + 2 * MINUTES + 1);
    }
    expect(requests.length).toBeLessThanOrEqual(3 * (10 + 2 * MINUTES + 1));
  }, 120_000);
});
