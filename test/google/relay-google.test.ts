import { describe, expect, it } from "vitest";
import { adsError, googleAdsFailure, googleRpcError } from "../../sandbox/google.mjs";
import { useMsw } from "../helpers/msw";
import { admin, relayRows, runAlarm, sendWebhook } from "../helpers/relay";
import {
  ADS_SETTINGS,
  DM_SETTINGS,
  EMAIL_HASH,
  PHONE_HASH,
  advance,
  createGoogleTenant,
  googlePurchase,
  now,
  useClockAhead,
  useGoogleEmulators,
} from "./helpers";

useMsw();

useClockAhead();

/** An upload straight to the Ads emulator, as another system (say the Google tag's import) would. */
function uploadElsewhere(google: ReturnType<typeof useGoogleEmulators>, orderId: string) {
  const token = (
    google.apis.oauth.handle(
      {
        method: "POST",
        path: "/token",
        query: {},
        headers: {},
        contentType: "",
        body: { grant_type: "refresh_token", client_id: "tag", client_secret: "s", refresh_token: "r" },
      },
      { now },
    ).body as any
  ).access_token;
  return google.apis.ads.handle(
    {
      method: "POST",
      path: "/v25/customers/1234567890:uploadClickConversions",
      query: {},
      headers: { authorization: `Bearer ${token}`, "developer-token": "d" },
      contentType: "application/json",
      body: {
        conversions: [
          {
            conversionAction: "customers/1234567890/conversionActions/987654321",
            conversionDateTime: "2026-11-22 10:00:00+00:00",
            orderId,
            gclid: "elsewhere",
          },
        ],
        partialFailure: true,
      },
    },
    { now },
  ) as { status: number; body: any };
}

async function deliveryOf(tenantId: string, eventId: string) {
  const res = await admin("GET", `/tenants/${tenantId}/events/${eventId}`);
  return res.json.deliveries[0];
}

/** Sends webhooks one by one, a millisecond apart so the queue keeps their order. */
async function sendAll(tenantId: string, bodies: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    // Signed at the relay's time, which the 5-minute tolerance is checked against.
    const res = await sendWebhook(tenantId, body, { timestamp: Math.floor(now() / 1000) });
    expect(res.status).toBe(202);
    ids.push(res.json.id);
    advance(1);
  }
  return ids;
}

describe("google_ads through the Worker, against the sandbox's Google emulators", () => {
  it("delivers a webhook as an UploadClickConversions row with Google-normalized hashes", async () => {
    await createGoogleTenant("g-deliver", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    const [id] = await sendAll("g-deliver", [googlePurchase("order-1")]);
    await runAlarm("g-deliver");

    const [upload] = google.callsTo("google-ads");
    expect(upload!.url).toBe("https://googleads.test/v25/customers/1234567890:uploadClickConversions");
    expect(upload!.headers["login-customer-id"]).toBe("1112223333");
    expect(upload!.headers["developer-token"]).toBe("dev-token-1");
    expect(upload!.body).toEqual({
      conversions: [
        {
          conversionAction: "customers/1234567890/conversionActions/987654321",
          conversionDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/),
          conversionValue: 49,
          currencyCode: "EUR",
          orderId: "order-1",
          gclid: "Cj0KCQiA_order-1",
          // " John.Doe+Shop@GMail.com " and "+1 (650) 555-1212": the vectors of test/google/identity.test.ts.
          userIdentifiers: [{ hashedEmail: EMAIL_HASH }, { hashedPhoneNumber: PHONE_HASH }],
          consent: { adUserData: "GRANTED" },
        },
      ],
      partialFailure: true,
      validateOnly: false,
    });
    expect(upload!.status).toBe(200);
    // The reason string belongs to the consent engine; only the decision matters here.
    expect(await deliveryOf("g-deliver", id!)).toMatchObject({
      destinationId: "google",
      type: "google_ads",
      decision: "send",
      status: "delivered",
      attempts: 1,
    });
  });

  it("one batch: row 2 UNPARSEABLE_GCLID fails, rows 1 and 3 (ORDER_ID_ALREADY_IN_USE) count as delivered", async () => {
    await createGoogleTenant("g-partial", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    // order-3 already reached Google another way (say the Google tag): the emulator knows its id.
    expect(uploadElsewhere(google, "order-3").status).toBe(200);

    const ids = await sendAll("g-partial", [
      googlePurchase("order-1"),
      googlePurchase("order-2", { clickIds: { gclid: "UNPARSEABLE-gclid-2" } }),
      googlePurchase("order-3"),
    ]);
    await runAlarm("g-partial");

    const uploads = google.callsTo("google-ads");
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.body.conversions.map((c: any) => c.orderId)).toEqual(["order-1", "order-2", "order-3"]);
    expect(uploads[0]!.response.results).toEqual([expect.objectContaining({ gclid: "Cj0KCQiA_order-1" }), {}, {}]);
    const errors = uploads[0]!.response.partialFailureError.details[0].errors;
    expect(errors.map((e: any) => [e.errorCode.conversionUploadError, e.location.fieldPathElements[0]])).toEqual([
      ["UNPARSEABLE_GCLID", { fieldName: "conversions", index: 1 }],
      ["ORDER_ID_ALREADY_IN_USE", { fieldName: "conversions", index: 2 }],
    ]);

    const [first, second, third] = await Promise.all(ids.map((id) => deliveryOf("g-partial", id)));
    expect(first).toMatchObject({ status: "delivered", attempts: 1 });
    expect(second).toMatchObject({ status: "failed", attempts: 1, lastError: "UNPARSEABLE_GCLID" });
    expect(third).toMatchObject({ status: "delivered", attempts: 1 });

    // Terminal and delivered rows are never sent again.
    advance(7 * 3_600_000);
    await runAlarm("g-partial");
    expect(google.callsTo("google-ads")).toHaveLength(1);
  });

  it("a 401 refreshes the token once and the batch goes through", async () => {
    await createGoogleTenant("g-401", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.override("google-ads", () => googleRpcError(401));
    const [id] = await sendAll("g-401", [googlePurchase("order-401")]);
    await runAlarm("g-401");

    expect(google.callsTo("google-oauth")).toHaveLength(2);
    const uploads = google.callsTo("google-ads");
    expect(uploads.map((u) => u.status)).toEqual([401, 200]);
    expect(uploads[0]!.headers.authorization).not.toBe(uploads[1]!.headers.authorization);
    expect(await deliveryOf("g-401", id!)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("a 401 that survives the refresh fails the delivery with the code, after exactly one refresh", async () => {
    await createGoogleTenant("g-401x2", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.override("google-ads", () => googleRpcError(401));
    google.override("google-ads", () => googleRpcError(401));
    const [id] = await sendAll("g-401x2", [googlePurchase("order-401x2")]);
    await runAlarm("g-401x2");
    expect(google.callsTo("google-oauth")).toHaveLength(2);
    expect(google.callsTo("google-ads")).toHaveLength(2);
    expect(await deliveryOf("g-401x2", id!)).toMatchObject({ status: "failed", attempts: 1, lastError: "UNAUTHENTICATED" });
  });

  it("a 429 with Retry-After is retried after it and delivered once", async () => {
    await createGoogleTenant("g-429", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    google.override("google-ads", () => {
      const quota = googleRpcError(429, {
        details: [
          googleAdsFailure(
            "v25",
            [adsError("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED", { message: "Too many requests. Retry in 120 seconds." })],
            "req-1",
          ),
        ],
      });
      return { ...quota, headers: { "retry-after": "120" } };
    });
    const [id] = await sendAll("g-429", [googlePurchase("order-429")]);
    await runAlarm("g-429");
    expect(await deliveryOf("g-429", id!)).toMatchObject({ status: "pending", attempts: 1, lastError: "RESOURCE_TEMPORARILY_EXHAUSTED" });

    advance(60_000); // past the first backoff step (10 s), not past Retry-After
    await runAlarm("g-429");
    expect(google.callsTo("google-ads")).toHaveLength(1);

    advance(66_000); // past Retry-After and the 5 s slot the retry is rounded up to
    await runAlarm("g-429");
    const uploads = google.callsTo("google-ads");
    expect(uploads.map((u) => u.status)).toEqual([429, 200]);
    expect(uploads[1]!.body.conversions.map((c: any) => c.orderId)).toEqual(["order-429"]);
    const delivery = await deliveryOf("g-429", id!);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 2 });
    expect(delivery.lastError).toBeUndefined();

    advance(3_600_000);
    await runAlarm("g-429");
    expect(google.callsTo("google-ads")).toHaveLength(2);
  });

  it("reuses one access token per destination across batches until it nears expiry", async () => {
    await createGoogleTenant("g-token", { ads: ADS_SETTINGS, dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    await sendAll("g-token", [googlePurchase("order-t1")]);
    await runAlarm("g-token");
    advance(5 * 60_000);
    await sendAll("g-token", [googlePurchase("order-t2")]);
    await runAlarm("g-token");

    expect(google.callsTo("google-ads")).toHaveLength(2);
    expect(google.callsTo("google-dm").filter((c) => c.url.endsWith("events:ingest"))).toHaveLength(2);
    // Tokens are cached per tenant and destination (never shared beyond them): one each.
    expect(google.callsTo("google-oauth")).toHaveLength(2);

    advance(3_600_000); // the 3,599 s tokens are now stale
    await sendAll("g-token", [googlePurchase("order-t3")]);
    await runAlarm("g-token");
    expect(google.callsTo("google-oauth")).toHaveLength(4);
  });

  it("does not send a conversion without a click id or identifiers, and says why", async () => {
    await createGoogleTenant("g-bare", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    const [id] = await sendAll("g-bare", [googlePurchase("order-bare", { clickIds: {}, customer: { firstName: "Mary", country: "DE" } })]);
    await runAlarm("g-bare");
    expect(google.calls).toHaveLength(0);
    expect(await deliveryOf("g-bare", id!)).toMatchObject({ status: "failed", attempts: 1, lastError: "no_click_id_or_identifiers" });
  });

  it("TOO_RECENT_EVENT waits 6 hours before the next attempt", async () => {
    await createGoogleTenant("g-recent", { ads: ADS_SETTINGS });
    const google = useGoogleEmulators(now);
    const [id] = await sendAll("g-recent", [googlePurchase("order-recent", { clickIds: { gclid: "TOO_RECENT-click" } })]);
    const sentAt = now();
    await runAlarm("g-recent");
    expect(await deliveryOf("g-recent", id!)).toMatchObject({ status: "pending", lastError: "TOO_RECENT_EVENT" });
    const row = (await relayRows("g-recent")).deliveries[0] as any;
    expect(row.next_attempt_at - sentAt).toBeGreaterThanOrEqual(6 * 3_600_000);

    advance(5 * 3_600_000);
    await runAlarm("g-recent");
    expect(google.callsTo("google-ads")).toHaveLength(1);
  });

  it("denied-flag tenants send the click id with adUserData DENIED and no identifiers", async () => {
    await createGoogleTenant("g-denied", { ads: ADS_SETTINGS }, { googleOnDenied: "send_denied_flag" });
    const google = useGoogleEmulators(now);
    const [id] = await sendAll("g-denied", [googlePurchase("order-denied", { consent: { gcm: { ad_user_data: "denied" } } })]);
    await runAlarm("g-denied");
    const [conversion] = google.callsTo("google-ads")[0]!.body.conversions;
    expect(conversion.consent).toEqual({ adUserData: "DENIED" });
    expect(conversion).not.toHaveProperty("userIdentifiers");
    expect(conversion.gclid).toBe("Cj0KCQiA_order-denied");
    expect(await deliveryOf("g-denied", id!)).toMatchObject({ decision: "send_denied_flag", status: "delivered" });
  });

  it("validateOnly checks the setup: Google answers without results and records nothing", async () => {
    await createGoogleTenant("g-validate", { ads: { ...ADS_SETTINGS, validateOnly: true } });
    const google = useGoogleEmulators(now);
    const [ok, bad] = await sendAll("g-validate", [
      googlePurchase("order-v1"),
      googlePurchase("order-v2", { clickIds: { gclid: "UNPARSEABLE-v2" } }),
    ]);
    await runAlarm("g-validate");
    const [upload] = google.callsTo("google-ads");
    expect(upload!.body.validateOnly).toBe(true);
    expect(upload!.response).not.toHaveProperty("results");
    // Test traffic: checked by Google, not recorded for attribution.
    expect(await deliveryOf("g-validate", ok!)).toMatchObject({ status: "validated" });
    expect(await deliveryOf("g-validate", bad!)).toMatchObject({ status: "failed", lastError: "UNPARSEABLE_GCLID" });
    // Nothing was counted: the order id is still free.
    expect(uploadElsewhere(google, "order-v1").body).not.toHaveProperty("partialFailureError");
  });
});

describe("google_data_manager through the Worker", () => {
  it("delivers events:ingest with Data Manager enums and hashed user data", async () => {
    await createGoogleTenant("g-dm", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const [id] = await sendAll("g-dm", [googlePurchase("order-dm")]);
    await runAlarm("g-dm");
    const [ingest] = google.callsTo("google-dm");
    expect(ingest!.url).toBe("https://datamanager.test/v1/events:ingest");
    expect(ingest!.headers).not.toHaveProperty("developer-token");
    expect(ingest!.body).toMatchObject({
      destinations: [{ operatingAccount: { accountType: "GOOGLE_ADS", accountId: "1234567890" }, productDestinationId: "987654321" }],
      encoding: "HEX",
      events: [
        {
          transactionId: "order-dm",
          adIdentifiers: { gclid: "Cj0KCQiA_order-dm" },
          userData: { userIdentifiers: [{ emailAddress: EMAIL_HASH }, { phoneNumber: PHONE_HASH }] },
          consent: { adUserData: "CONSENT_GRANTED" },
        },
      ],
    });
    expect(ingest!.response).toEqual({ requestId: expect.any(String) });
    // Accepted is not yet recorded: the outcome is read from requestStatus:retrieve.
    expect(await deliveryOf("g-dm", id!)).toMatchObject({ type: "google_data_manager", status: "processing", attempts: 1 });
    advance(61_000);
    await runAlarm("g-dm");
    const poll = google.callsTo("google-dm")[1]!;
    expect(poll.url).toBe(`https://datamanager.test/v1/requestStatus:retrieve?requestId=${(ingest!.response as any).requestId}`);
    expect(poll.response).toMatchObject({ requestStatusPerDestination: [{ requestStatus: "SUCCESS" }] });
    expect(await deliveryOf("g-dm", id!)).toMatchObject({ status: "delivered", attempts: 1 });
  });
});
