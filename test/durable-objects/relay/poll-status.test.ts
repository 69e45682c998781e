import { describe, expect, it } from "vitest";
import { advance, now, useTestClock } from "../../helpers/clock";
import { useMsw } from "../../helpers/msw";
import { admin, runAlarm, sendWebhook } from "../../helpers/relay";
import { DM_SETTINGS, createGoogleTenant, googlePurchase, useGoogleEmulators } from "../../google/helpers";

useMsw();
useTestClock();

/**
 * durable-objects/relay/poll-status.ts: a Data Manager delivery stays `processing` after the 2xx
 * of events:ingest until requestStatus:retrieve reports a final state, answered here by the
 * sandbox's Data Manager emulator (processing errors through the gclid, see sandbox/README.md).
 */

async function deliveryOf(tenantId: string, eventId: string) {
  const res = await admin("GET", `/tenants/${tenantId}/events/${eventId}`);
  return res.json.deliveries[0];
}

async function send(tenantId: string, orderId: string, gclid: string): Promise<string> {
  const res = await sendWebhook(
    tenantId,
    googlePurchase(orderId, { occurredAt: new Date(now() - 60_000).toISOString(), clickIds: { gclid } }),
  );
  expect(res.status).toBe(202);
  return res.json.id;
}

const ingests = (google: ReturnType<typeof useGoogleEmulators>) =>
  google.callsTo("google-dm").filter((c) => c.url.endsWith("/v1/events:ingest"));
const polls = (google: ReturnType<typeof useGoogleEmulators>) =>
  google.callsTo("google-dm").filter((c) => c.url.includes("requestStatus:retrieve"));

describe("Data Manager asynchronous outcomes", () => {
  it("PROCESSING then FAILED with INVALID_GCLID ends failed with that code, after polling with backoff", async () => {
    await createGoogleTenant("dm-invalid", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const id = await send("dm-invalid", "o-invalid", "INVALID_GCLID_abc");
    await runAlarm("dm-invalid");
    expect(ingests(google)).toHaveLength(1);
    const { requestId } = ingests(google)[0]!.response as { requestId: string };
    expect(await deliveryOf("dm-invalid", id)).toMatchObject({ status: "processing", attempts: 1 });

    // Not polled before its time.
    await runAlarm("dm-invalid");
    expect(polls(google)).toHaveLength(0);

    advance(61_000);
    await runAlarm("dm-invalid");
    expect(polls(google)).toHaveLength(1);
    expect(polls(google)[0]!.url).toBe(`https://datamanager.test/v1/requestStatus:retrieve?requestId=${requestId}`);
    expect(polls(google)[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(polls(google)[0]!.response).toMatchObject({ requestStatusPerDestination: [{ requestStatus: "PROCESSING" }] });
    expect(await deliveryOf("dm-invalid", id)).toMatchObject({ status: "processing" });

    // The next poll waits longer (2 min): a minute later nothing is asked.
    advance(61_000);
    await runAlarm("dm-invalid");
    expect(polls(google)).toHaveLength(1);
    advance(61_000);
    await runAlarm("dm-invalid");
    expect(polls(google)).toHaveLength(2);
    expect(polls(google)[1]!.response).toMatchObject({
      requestStatusPerDestination: [
        { requestStatus: "FAILED", errorInfo: { errorCounts: [{ recordCount: "1", reason: "PROCESSING_ERROR_REASON_INVALID_GCLID" }] } },
      ],
    });
    expect(await deliveryOf("dm-invalid", id)).toMatchObject({ status: "failed", lastError: "INVALID_GCLID", attempts: 1 });

    advance(3_600_000);
    await runAlarm("dm-invalid");
    expect(polls(google)).toHaveLength(2);
    expect(ingests(google)).toHaveLength(1);
  });

  it("INTERNAL_ERROR is retried: the event is sent again and then recorded", async () => {
    await createGoogleTenant("dm-internal", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const id = await send("dm-internal", "o-internal", "INTERNAL_ERROR_abc");
    await runAlarm("dm-internal");
    advance(61_000);
    await runAlarm("dm-internal"); // PROCESSING
    advance(121_000);
    await runAlarm("dm-internal"); // FAILED, INTERNAL_ERROR
    expect(polls(google)[1]!.response).toMatchObject({
      requestStatusPerDestination: [
        { requestStatus: "FAILED", errorInfo: { errorCounts: [{ reason: "PROCESSING_ERROR_REASON_INTERNAL_ERROR" }] } },
      ],
    });
    expect(await deliveryOf("dm-internal", id)).toMatchObject({ status: "pending", lastError: "INTERNAL_ERROR" });

    for (let i = 0; i < 10 && ingests(google).length < 2; i++) {
      advance(10 * 60_000);
      await runAlarm("dm-internal");
    }
    expect(ingests(google)).toHaveLength(2);
    expect((ingests(google)[1]!.body as any).events.map((e: any) => e.transactionId)).toEqual(["o-internal"]);
    expect(await deliveryOf("dm-internal", id)).toMatchObject({ status: "processing", attempts: 2 });
    advance(61_000);
    await runAlarm("dm-internal");
    expect(polls(google).at(-1)!.response).toMatchObject({ requestStatusPerDestination: [{ requestStatus: "SUCCESS" }] });
    expect(await deliveryOf("dm-internal", id)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("SUCCESS ends delivered; a status Google does not answer (503) is asked again later", async () => {
    await createGoogleTenant("dm-success", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const id = await send("dm-success", "o-success", "Cj0_ok");
    await runAlarm("dm-success");
    google.override("google-dm", () => ({ status: 503, body: { error: { code: 503, message: "unavailable", status: "UNAVAILABLE" } } }));
    advance(61_000);
    await runAlarm("dm-success");
    expect(polls(google)).toHaveLength(1);
    expect(await deliveryOf("dm-success", id)).toMatchObject({ status: "processing" });
    advance(121_000);
    await runAlarm("dm-success");
    expect(polls(google)).toHaveLength(2);
    expect(await deliveryOf("dm-success", id)).toMatchObject({ status: "delivered", attempts: 1 });
    const stats = await admin("GET", "/tenants/dm-success/events?status=processing");
    expect(stats.status).toBe(200);
  });

  it("PARTIAL_SUCCESS (counts, not events) resends each event alone; each then ends on its own status", async () => {
    await createGoogleTenant("dm-partial", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const good = await send("dm-partial", "o-good", "Cj0_good");
    advance(1);
    const bad = await send("dm-partial", "o-bad", "INVALID_GCLID_bad");
    await runAlarm("dm-partial");
    expect((ingests(google)[0]!.body as any).events).toHaveLength(2);
    advance(61_000);
    await runAlarm("dm-partial"); // PROCESSING
    advance(121_000);
    await runAlarm("dm-partial"); // PARTIAL_SUCCESS: one INVALID_GCLID, which one is not said
    expect(polls(google)[1]!.response).toMatchObject({ requestStatusPerDestination: [{ requestStatus: "PARTIAL_SUCCESS" }] });
    expect(
      ingests(google)
        .slice(1)
        .map((c) => (c.body as any).events.map((e: any) => e.transactionId)),
    ).toEqual([["o-good"], ["o-bad"]]);
    for (let i = 0; i < 6; i++) {
      advance(5 * 60_000);
      await runAlarm("dm-partial");
    }
    expect(await deliveryOf("dm-partial", good)).toMatchObject({ status: "delivered", attempts: 2 });
    expect(await deliveryOf("dm-partial", bad)).toMatchObject({ status: "failed", lastError: "INVALID_GCLID", attempts: 2 });
  });
});
