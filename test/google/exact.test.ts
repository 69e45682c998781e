import { beforeEach, describe, expect, it } from "vitest";
import { adsError, googleAdsFailure, googleRpcError, quotaError } from "../../sandbox/google.mjs";
import { clearGoogleTokenCacheForTesting } from "../../src/destinations/google/oauth";
import { advance, now, useTestClock } from "../helpers/clock";
import { useMsw } from "../helpers/msw";
import { admin, runAlarm, sendWebhook } from "../helpers/relay";
import { ADS_SETTINGS, DM_SETTINGS, createGoogleTenant, dataManagerPut, googleAdsPut, googlePurchase, useGoogleEmulators } from "./helpers";

// Google done exactly, through the Worker against the sandbox's Google emulators: what the
// emulator received, and what the delivery log and the lane show.

useMsw();
useTestClock();
// The Worker shares this isolate's module graph: one token cache across tests otherwise.
beforeEach(() => clearGoogleTokenCacheForTesting());

const CUSTOMER_ID = "1234567890";

/** A purchase dated a minute before the test clock, so the ingest route accepts it. */
const purchase = (orderId: string, overrides: Record<string, unknown> = {}) =>
  googlePurchase(orderId, { occurredAt: new Date(now() - 60_000).toISOString(), ...overrides });

async function sendAll(tenantId: string, bodies: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await sendWebhook(tenantId, body);
    expect(res.status).toBe(202);
    ids.push(res.json.id);
  }
  return ids;
}

const deliveryOf = async (tenantId: string, eventId: string) =>
  (await admin("GET", `/tenants/${tenantId}/events/${eventId}`)).json.deliveries[0];
const laneOf = async (tenantId: string, destinationId = "google") =>
  (await admin("GET", `/tenants/${tenantId}/destinations/${destinationId}`)).json.lane;
const orderIdsOf = (call: { body: any }) => call.body.conversions.map((c: any) => c.orderId);

describe("google_ads: per-row retries never trip the circuit breaker", () => {
  it("seven requests in a row answered TOO_RECENT_EVENT leave the lane closed; the next batch goes out whole", async () => {
    const tenant = "gx-recent";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    for (let i = 0; i < 7; i++) {
      const [id] = await sendAll(tenant, [purchase(`recent-${i}`, { clickIds: { gclid: `TOO_RECENT-click-${i}` } })]);
      await runAlarm(tenant);
      expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "pending", lastError: "TOO_RECENT_EVENT" });
      advance(1_000);
    }
    expect(google.callsTo("google-ads")).toHaveLength(7);
    expect(await laneOf(tenant)).toEqual({ state: "retrying", retrying: 7 });

    // A fresh click is fine: three orders go in one request, not as one-row probes after a pause.
    const ids = await sendAll(tenant, [purchase("fine-1"), purchase("fine-2"), purchase("fine-3")]);
    await runAlarm(tenant);
    const uploads = google.callsTo("google-ads");
    expect(uploads).toHaveLength(8);
    expect(orderIdsOf(uploads[7]!)).toEqual(["fine-1", "fine-2", "fine-3"]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered", attempts: 1 });
  });
});

describe("google_ads: Google's answer read exactly", () => {
  it("DUPLICATE_CLICK_CONVERSION_IN_REQUEST: both rows are sent again, each in a request of its own, and only then delivered", async () => {
    const tenant = "gx-sameclick";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    // Two orders from one click in the same second.
    const same = { clickIds: { gclid: "Cj0KCQiA_one-click" }, occurredAt: new Date(now() - 60_000).toISOString() };
    const ids = await sendAll(tenant, [purchase("same-1", same), purchase("same-2", same), purchase("other-3")]);
    await runAlarm(tenant);

    const uploads = google.callsTo("google-ads");
    expect(uploads.map(orderIdsOf)).toEqual([["same-1", "same-2", "other-3"], ["same-1"], ["same-2"]]);
    const errors = uploads[0]!.response.partialFailureError.details[0].errors;
    expect(errors.map((e: any) => [e.errorCode.conversionUploadError, e.location.fieldPathElements[0].index])).toEqual([
      ["DUPLICATE_CLICK_CONVERSION_IN_REQUEST", 0],
      ["DUPLICATE_CLICK_CONVERSION_IN_REQUEST", 1],
    ]);
    expect(uploads.slice(1).map((u) => u.response)).toEqual([
      expect.not.objectContaining({ partialFailureError: expect.anything() }),
      expect.not.objectContaining({ partialFailureError: expect.anything() }),
    ]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("DUPLICATE_ORDER_ID: Google processed neither row, so each is sent again in a request of its own, and only then delivered", async () => {
    const tenant = "gx-sameorder";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    // Google judged the two order ids one and the same ("Imported events include multiple
    // conversions with the same order ID and were not processed"): nothing recorded.
    google.override("google-ads", () => ({
      status: 200,
      body: {
        partialFailureError: {
          code: 3,
          message: "DUPLICATE_ORDER_ID, at conversions[0].order_id",
          details: [
            googleAdsFailure(
              "v25",
              [
                adsError("conversionUploadError", "DUPLICATE_ORDER_ID", { row: 0, field: "order_id" }),
                adsError("conversionUploadError", "DUPLICATE_ORDER_ID", { row: 1, field: "order_id" }),
              ],
              "req-o",
            ),
          ],
        },
        results: [{}, {}],
      },
    }));
    const ids = await sendAll(tenant, [purchase("order-A"), purchase("order-a")]);
    await runAlarm(tenant);

    const uploads = google.callsTo("google-ads");
    expect(uploads.map(orderIdsOf)).toEqual([["order-A", "order-a"], ["order-A"], ["order-a"]]);
    expect(uploads.slice(1).map((u) => u.response)).toEqual([
      expect.not.objectContaining({ partialFailureError: expect.anything() }),
      expect.not.objectContaining({ partialFailureError: expect.anything() }),
    ]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("a quota error's retryDelay (no Retry-After header) is when the delivery is tried again", async () => {
    const tenant = "gx-quota";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.override("google-ads", () => googleRpcError(429, { details: [googleAdsFailure("v25", [quotaError(120)], "req-q")] }));
    const [id] = await sendAll(tenant, [purchase("quota-1")]);
    await runAlarm(tenant);
    expect(google.callsTo("google-ads")[0]!.response.error.details[0].errors[0].details.quotaErrorDetails.retryDelay).toBe("120s");
    expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "pending", lastError: "RESOURCE_TEMPORARILY_EXHAUSTED" });

    advance(60_000); // well past the first backoff step (10 s), not past Google's 120 s
    await runAlarm(tenant);
    expect(google.callsTo("google-ads")).toHaveLength(1);

    advance(66_000); // past 120 s and the 5 s slot the retry is rounded up to
    await runAlarm(tenant);
    expect(google.callsTo("google-ads").map((u) => u.status)).toEqual([429, 200]);
    expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("an error located at `conversions` without an index concerns every row, not row 0", async () => {
    const tenant = "gx-rowless";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.override("google-ads", () =>
      googleRpcError(400, {
        details: [
          googleAdsFailure(
            "v25",
            [adsError("conversionUploadError", "TOO_MANY_CONVERSIONS_IN_REQUEST", { field: "conversions" })],
            "req-r",
          ),
        ],
      }),
    );
    const ids = await sendAll(tenant, [purchase("rowless-1"), purchase("rowless-2")]);
    await runAlarm(tenant);
    const uploads = google.callsTo("google-ads");
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.response.error.details[0].errors[0].location.fieldPathElements).toEqual([{ fieldName: "conversions" }]);
    for (const id of ids)
      expect(await deliveryOf(tenant, id)).toMatchObject({ status: "failed", lastError: "TOO_MANY_CONVERSIONS_IN_REQUEST" });
  });
});

describe("google_ads: an account closed to click-conversion uploads", () => {
  it("CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE holds the lane, naming the Data Manager destination; a PUT resumes it", async () => {
    const tenant = "gx-allowlist";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.apis.notAllowlisted.add(CUSTOMER_ID);
    const ids = await sendAll(tenant, [purchase("allow-1"), purchase("allow-2")]);
    await runAlarm(tenant);

    const [first] = google.callsTo("google-ads");
    expect(first!.response.partialFailureError.details[0].errors.map((e: any) => e.errorCode)).toEqual([
      { notAllowlistedError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" },
      { notAllowlistedError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" },
    ]);
    for (const id of ids) {
      expect(await deliveryOf(tenant, id)).toMatchObject({ status: "pending", lastError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" });
    }
    const lane = await laneOf(tenant);
    expect(lane).toMatchObject({ state: "needs_attention", code: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" });
    expect(lane.message).toMatch(/google_data_manager/);
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations.google;
    expect(stats).toMatchObject({ failed: 0, lane: { state: "needs_attention" } });

    // Nothing goes out while the lane waits for the tenant.
    advance(30 * 60_000);
    await runAlarm(tenant);
    expect(google.callsTo("google-ads")).toHaveLength(1);

    // Google allowlists the account; the tenant updates the destination: the queue drains at once.
    google.apis.notAllowlisted.delete(CUSTOMER_ID);
    const put = await admin("PUT", `/tenants/${tenant}/destinations/google`, googleAdsPut(tenant, ADS_SETTINGS));
    expect(put.status).toBe(200);
    await runAlarm(tenant);
    const uploads = google.callsTo("google-ads");
    expect(uploads).toHaveLength(2);
    expect(orderIdsOf(uploads[1]!)).toEqual(["allow-1", "allow-2"]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered" });
    expect(await laneOf(tenant)).toEqual({ state: "ok" });
  });
});

describe("google_ads: the emulator's not-allowlisted accounts", () => {
  it("a customer id starting with 999 is not allowlisted, so a run over HTTP can reach the held lane", async () => {
    const tenant = "gx-allowlist-999";
    await createGoogleTenant(tenant, { ads: { ...ADS_SETTINGS, customerId: "999-000-0001" } });
    useGoogleEmulators(now);
    const [id] = await sendAll(tenant, [purchase("allow-999")]);
    await runAlarm(tenant);
    expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "pending", lastError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" });
    expect(await laneOf(tenant)).toMatchObject({ state: "needs_attention", code: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" });
  });
});

describe("google_data_manager: a 403 PERMISSION_DENIED holds the lane whatever ErrorInfo reason it carries", () => {
  it("SERVICE_DISABLED: the deliveries stay pending, the lane needs attention; a PUT drains the queue", async () => {
    const tenant = "gx-dm-disabled";
    await createGoogleTenant(tenant, { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    // What Google's front end answers when the Data Manager API is off in the caller's Cloud project
    // (ErrorInfo reasons: https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto).
    google.override("google-dm", () =>
      googleRpcError(403, {
        message: "Data Manager API has not been used in project 123456789012 before or it is disabled.",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "SERVICE_DISABLED",
            domain: "googleapis.com",
            metadata: { service: "datamanager.googleapis.com", consumer: "projects/123456789012" },
          },
        ],
      }),
    );
    const ids = await sendAll(tenant, [purchase("dm-off-1"), purchase("dm-off-2")]);
    await runAlarm(tenant);

    const [first] = google.callsTo("google-dm");
    expect(first!.status).toBe(403);
    expect(first!.response.error).toMatchObject({ status: "PERMISSION_DENIED", details: [{ reason: "SERVICE_DISABLED" }] });
    expect(first!.body.events.map((e: any) => e.transactionId)).toEqual(["dm-off-1", "dm-off-2"]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "pending", lastError: "SERVICE_DISABLED" });
    const lane = await laneOf(tenant, "google-dm");
    expect(lane).toMatchObject({ state: "needs_attention", code: "SERVICE_DISABLED", nextProbeAt: expect.any(String) });
    expect(lane.message).toMatch(/Data Manager API.*not enabled/);
    // Neither the Cloud project nor Google's own words are shown.
    expect(JSON.stringify(lane)).not.toMatch(/123456789012|has not been used/);
    const stats = (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations["google-dm"];
    expect(stats).toMatchObject({ failed: 0, lane: { state: "needs_attention", code: "SERVICE_DISABLED" } });

    // Nothing goes out while the lane waits for the tenant.
    advance(30 * 60_000);
    await runAlarm(tenant);
    expect(google.callsTo("google-dm")).toHaveLength(1);

    // The tenant enables the API and updates the destination: the queue drains at once, in one request.
    const put = await admin("PUT", `/tenants/${tenant}/destinations/google-dm`, dataManagerPut(tenant, DM_SETTINGS));
    expect(put.status).toBe(200);
    await runAlarm(tenant);
    const ingests = google.callsTo("google-dm").filter((c) => c.url.endsWith("events:ingest"));
    expect(ingests).toHaveLength(2);
    expect(ingests[1]!.status).toBe(200);
    expect(ingests[1]!.body.events.map((e: any) => e.transactionId)).toEqual(["dm-off-1", "dm-off-2"]);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "processing" });

    // Google's asynchronous outcome (requestStatus:retrieve) records both, once.
    advance(61_000);
    await runAlarm(tenant);
    for (const id of ids) expect(await deliveryOf(tenant, id)).toMatchObject({ status: "delivered" });
    expect(await laneOf(tenant, "google-dm")).toEqual({ state: "ok" });
    const after = (await admin("GET", `/tenants/${tenant}/stats`)).json.destinations["google-dm"];
    expect(after).toMatchObject({ delivered: 2, failed: 0, lane: { state: "ok" } });
  });
});

describe("google_ads: an authentication error about the account holds the lane", () => {
  it("TWO_STEP_VERIFICATION_NOT_ENROLLED after the one token refresh: held, then a PUT of the destination drains it", async () => {
    const tenant = "gx-2sv";
    await createGoogleTenant(tenant, { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    const twoStep = () =>
      googleRpcError(401, {
        details: [
          googleAdsFailure(
            "v25",
            [adsError("authenticationError", "TWO_STEP_VERIFICATION_NOT_ENROLLED", { message: "2-Step Verification required." })],
            "req-2sv",
          ),
        ],
      });
    google.override("google-ads", twoStep);
    google.override("google-ads", twoStep);
    const [id] = await sendAll(tenant, [purchase("twostep-1")]);
    await runAlarm(tenant);

    // A 401 is answered with one token refresh and one resend, then read.
    expect(google.callsTo("google-ads").map((u) => u.status)).toEqual([401, 401]);
    expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "pending", lastError: "TWO_STEP_VERIFICATION_NOT_ENROLLED" });
    const lane = await laneOf(tenant);
    expect(lane).toMatchObject({ state: "needs_attention", code: "TWO_STEP_VERIFICATION_NOT_ENROLLED" });
    expect(lane.message).toMatch(/2-Step Verification/);

    expect((await admin("PUT", `/tenants/${tenant}/destinations/google`, googleAdsPut(tenant, ADS_SETTINGS))).status).toBe(200);
    await runAlarm(tenant);
    expect(google.callsTo("google-ads").map((u) => u.status)).toEqual([401, 401, 200]);
    expect(await deliveryOf(tenant, id!)).toMatchObject({ status: "delivered" });
    expect(await laneOf(tenant)).toEqual({ state: "ok" });
  });
});
