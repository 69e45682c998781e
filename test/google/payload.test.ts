import { beforeEach, describe, expect, it } from "vitest";
import { createGoogleApis } from "../../sandbox/google.mjs";
import { googleAdsDestination } from "../../src/destinations/google-ads";
import { buildClickConversion, buildUploadClickConversionsRequest, readGoogleAdsSettings } from "../../src/destinations/google-ads/payload";
import { googleDataManagerDestination } from "../../src/destinations/google-data-manager";
import { buildIngestEventsRequest, readDataManagerSettings } from "../../src/destinations/google-data-manager/payload";
import { formatConversionDateTime, pickClickId, rfc3339Seconds } from "../../src/destinations/google/conversion";
import { clearGoogleTokenCacheForTesting } from "../../src/destinations/google/oauth";
import {
  ADS_SETTINGS,
  EMAIL_HASH,
  OAUTH_CREDENTIALS,
  OCCURRED_AT,
  PHONE_HASH,
  SAMPLE_EVENT,
  emulatorRequest,
  emulatorToken,
  item,
  scriptedFetch,
  sendContext,
  tokenResponse,
} from "./helpers";

beforeEach(() => clearGoogleTokenCacheForTesting());

const ADS_CREDENTIALS = { developerToken: "dev-token-1", ...OAUTH_CREDENTIALS };

/** The sample event as a ClickConversion, field by field with https://developers.google.com/google-ads/api/reference/rpc/latest/ClickConversion. */
const SAMPLE_CLICK_CONVERSION = {
  conversionAction: "customers/1234567890/conversionActions/987654321",
  conversionDateTime: "2026-11-22 10:00:00+00:00",
  conversionValue: 49,
  currencyCode: "EUR",
  orderId: "1001",
  gclid: "Cj0KCQiA_sample-gclid",
  userIdentifiers: [{ hashedEmail: EMAIL_HASH }, { hashedPhoneNumber: PHONE_HASH }],
  consent: { adUserData: "GRANTED" },
};

/** The sample event as a Data Manager IngestEventsRequest, field by field with https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest. */
const SAMPLE_INGEST_REQUEST = {
  destinations: [
    {
      operatingAccount: { accountType: "GOOGLE_ADS", accountId: "1234567890" },
      loginAccount: { accountType: "GOOGLE_ADS", accountId: "1112223333" },
      productDestinationId: "987654321",
    },
  ],
  encoding: "HEX",
  events: [
    {
      transactionId: "1001",
      eventTimestamp: "2026-11-22T10:00:00Z",
      conversionValue: 49,
      currency: "EUR",
      eventSource: "WEB",
      adIdentifiers: { gclid: "Cj0KCQiA_sample-gclid" },
      userData: { userIdentifiers: [{ emailAddress: EMAIL_HASH }, { phoneNumber: PHONE_HASH }] },
      consent: { adUserData: "CONSENT_GRANTED" },
      // No userRegion outside the EEA declared: the user agent, never the IP.
      eventDeviceInfo: { userAgent: "Mozilla/5.0" },
      cartData: { items: [{ merchantProductId: "SKU1", quantity: 2, unitPrice: 24.5 }] },
    },
  ],
  validateOnly: false,
};

describe("google_ads: the request for the sample event", () => {
  it("exchanges the refresh token, then POSTs uploadClickConversions with the exact headers and body", async () => {
    const { calls, fetch } = scriptedFetch((req) =>
      req.url.startsWith("https://oauth.test") ? tokenResponse("ya29.token-1") : Response.json({ results: [{}], jobId: "1" }),
    );
    const outcomes = await googleAdsDestination.send([item()], sendContext(fetch, ADS_SETTINGS, ADS_CREDENTIALS));
    expect(outcomes).toEqual([{ status: "delivered" }]);
    expect(calls).toHaveLength(2);

    const [token, upload] = calls;
    expect(token!.url).toBe("https://oauth.test/token");
    expect(token!.method).toBe("POST");
    expect(token!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(token!.text))).toEqual({
      grant_type: "refresh_token",
      client_id: OAUTH_CREDENTIALS.clientId,
      client_secret: OAUTH_CREDENTIALS.clientSecret,
      refresh_token: OAUTH_CREDENTIALS.refreshToken,
    });

    expect(upload!.url).toBe("https://googleads.test/v25/customers/1234567890:uploadClickConversions");
    expect(upload!.method).toBe("POST");
    expect(upload!.headers).toEqual({
      authorization: "Bearer ya29.token-1",
      "content-type": "application/json",
      "developer-token": "dev-token-1",
      // Hyphens stripped: Google wants the 10 digits.
      "login-customer-id": "1112223333",
    });
    expect(upload!.json).toEqual({ conversions: [SAMPLE_CLICK_CONVERSION], partialFailure: true, validateOnly: false });
  });

  it("sends no IP, user agent, session attributes, adPersonalization or cart data", () => {
    const conversion = buildClickConversion(item(), readGoogleAdsSettings(ADS_SETTINGS));
    for (const key of ["userIpAddress", "sessionAttributesEncoded", "sessionAttributesKeyValuePairs", "cartData", "debugEnabled"]) {
      expect(conversion).not.toHaveProperty(key);
    }
    expect(conversion.consent).toEqual({ adUserData: "GRANTED" });
    expect(JSON.stringify(conversion)).not.toContain("203.0.113.7");
    expect(JSON.stringify(conversion)).not.toContain("Mozilla");
  });

  it("denied-flag mode: the click id only, adUserData DENIED, no identifiers", () => {
    const conversion = buildClickConversion(item({}, "send_denied_flag"), readGoogleAdsSettings(ADS_SETTINGS));
    expect(conversion).toEqual({
      ...SAMPLE_CLICK_CONVERSION,
      userIdentifiers: undefined,
      consent: { adUserData: "DENIED" },
    });
    expect(conversion).not.toHaveProperty("userIdentifiers");
  });

  it("omits the login-customer-id header without a manager account, and honours validateOnly", async () => {
    const { calls, fetch } = scriptedFetch((req) => (req.url.startsWith("https://oauth.test") ? tokenResponse("t") : Response.json({})));
    const { loginCustomerId: _login, ...direct } = ADS_SETTINGS;
    await googleAdsDestination.send([item()], sendContext(fetch, { ...direct, validateOnly: true }, ADS_CREDENTIALS));
    expect(calls[1]!.headers).not.toHaveProperty("login-customer-id");
    expect(calls[1]!.json.validateOnly).toBe(true);
  });

  it("is accepted as valid by the sandbox's Ads emulator", () => {
    const apis = createGoogleApis();
    const token = (emulatorToken(apis, Date.now).body as any).access_token;
    const settings = readGoogleAdsSettings(ADS_SETTINGS);
    const answer = apis.ads.handle(
      emulatorRequest({
        path: "/v25/customers/1234567890:uploadClickConversions",
        headers: { authorization: `Bearer ${token}`, "developer-token": "d", "login-customer-id": "1112223333" },
        // Another click: two rows with one click and time would be DUPLICATE_CLICK_CONVERSION_IN_REQUEST.
        body: buildUploadClickConversionsRequest(
          [item(), item({ orderId: "1002", clickIds: { gclid: "Cj0KCQiA_other" } }, "send_denied_flag")],
          settings,
        ),
      }),
      { now: Date.now },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty("partialFailureError");
  });
});

describe("google_data_manager: the request for the sample event", () => {
  it("POSTs events:ingest with a bearer token, no developer token, and the reference body", async () => {
    const { calls, fetch } = scriptedFetch((req) =>
      req.url.startsWith("https://oauth.test") ? tokenResponse("ya29.token-2") : Response.json({ requestId: "req-1" }),
    );
    const settings = { operatingAccountId: "123-456-7890", loginAccountId: "111-222-3333", conversionActionId: "987654321" };
    const outcomes = await googleDataManagerDestination.send([item()], sendContext(fetch, settings, OAUTH_CREDENTIALS));
    expect(outcomes).toEqual([{ status: "processing", requestId: "req-1" }]);
    const ingest = calls[1]!;
    expect(ingest.url).toBe("https://datamanager.test/v1/events:ingest");
    expect(ingest.headers).toEqual({ authorization: "Bearer ya29.token-2", "content-type": "application/json" });
    expect(ingest.json).toEqual(SAMPLE_INGEST_REQUEST);
  });

  it("uses the Data Manager's own consent enums, and strips user data and device info when denied", () => {
    const settings = readDataManagerSettings({ operatingAccountId: "1234567890", conversionActionId: "987654321" });
    const [granted, denied] = (buildIngestEventsRequest([item(), item({}, "send_denied_flag")], settings) as any).events;
    expect(granted.consent).toEqual({ adUserData: "CONSENT_GRANTED" });
    expect(denied.consent).toEqual({ adUserData: "CONSENT_DENIED" });
    expect(denied).not.toHaveProperty("userData");
    expect(denied.adIdentifiers).toEqual({ gclid: "Cj0KCQiA_sample-gclid" });
    expect(JSON.stringify(denied)).not.toMatch(/203\.0\.113\.7|Mozilla|DeviceInfo/);
  });

  it("eventDeviceInfo where consent allows: the user agent, and the IP only for users the tenant places outside the EEA, UK and CH", () => {
    const build = (userRegion: string, it = item()) =>
      (
        buildIngestEventsRequest(
          [it],
          readDataManagerSettings({ operatingAccountId: "1234567890", conversionActionId: "987654321", userRegion }),
        ) as any
      ).events[0];
    expect(build("other").eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0", ipAddress: "203.0.113.7" });
    expect(build("us").eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0", ipAddress: "203.0.113.7" });
    // Google Ads does not match on IP for EEA/UK/CH users; an unknown region counts as the EEA.
    expect(build("eea").eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0" });
    expect(build("auto").eventDeviceInfo).toEqual({ userAgent: "Mozilla/5.0" });
    // Not one address: left out, the event still goes.
    expect(build("us", item({ client: { ip: "unknown, 203.0.113.7", userAgent: "Mozilla/5.0" } })).eventDeviceInfo).toEqual({
      userAgent: "Mozilla/5.0",
    });
    expect(build("us", item({ client: {} }))).not.toHaveProperty("eventDeviceInfo");
    expect(build("us", item({}, "send_denied_flag"))).not.toHaveProperty("eventDeviceInfo");
  });

  it("is accepted as valid by the sandbox's Data Manager emulator, and the Ads consent enum is not", () => {
    const apis = createGoogleApis();
    const token = (emulatorToken(apis, Date.now).body as any).access_token;
    const ingest = (body: unknown) =>
      apis.dataManager.handle(emulatorRequest({ path: "/v1/events:ingest", headers: { authorization: `Bearer ${token}` }, body }), {
        now: Date.now,
      });
    const valid = ingest(SAMPLE_INGEST_REQUEST);
    expect(valid.status).toBe(200);
    expect(valid.body).toEqual({ requestId: expect.any(String) });

    const adsEnum = structuredClone(SAMPLE_INGEST_REQUEST);
    (adsEnum.events[0]!.consent as any).adUserData = "GRANTED";
    const rejected = ingest(adsEnum) as any;
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.details[1].fieldViolations).toEqual([
      { field: "events[0].consent.ad_user_data", description: expect.any(String), reason: "INVALID_ENUM_VALUE" },
    ]);
  });
});

describe("shared Google fields", () => {
  it("sends one click id: gclid, else wbraid (web), else gbraid — never both braids", () => {
    expect(pickClickId({ gclid: "g", wbraid: "w", gbraid: "b" })).toEqual({ gclid: "g" });
    expect(pickClickId({ wbraid: "w", gbraid: "b" })).toEqual({ wbraid: "w" });
    expect(pickClickId({ gbraid: "b" })).toEqual({ gbraid: "b" });
    expect(pickClickId({ fbclid: "f" })).toBeUndefined();
    const settings = readGoogleAdsSettings(ADS_SETTINGS);
    const conversion = buildClickConversion(item({ clickIds: { wbraid: "w1", gbraid: "b1" } }), settings);
    expect(conversion.wbraid).toBe("w1");
    expect(conversion).not.toHaveProperty("gbraid");
    expect(conversion).not.toHaveProperty("gclid");
  });

  it("formats conversionDateTime as yyyy-mm-dd hh:mm:ss+hh:mm from the source timestamp", () => {
    expect(formatConversionDateTime(OCCURRED_AT)).toBe("2026-11-22 10:00:00+00:00");
    expect(formatConversionDateTime(OCCURRED_AT + 5_999)).toBe("2026-11-22 10:00:05+00:00");
    expect(formatConversionDateTime(OCCURRED_AT, "America/Los_Angeles")).toBe("2026-11-22 02:00:00-08:00");
    expect(formatConversionDateTime(OCCURRED_AT, "Asia/Kolkata")).toBe("2026-11-22 15:30:00+05:30");
    expect(formatConversionDateTime(Date.parse("2026-07-01T10:00:00Z"), "Europe/Berlin")).toBe("2026-07-01 12:00:00+02:00");
    expect(formatConversionDateTime(OCCURRED_AT, "Europe/London")).toBe("2026-11-22 10:00:00+00:00");
    expect(formatConversionDateTime(OCCURRED_AT, "Not/AZone")).toBe("2026-11-22 10:00:00+00:00");
    const settings = readGoogleAdsSettings({ ...ADS_SETTINGS, timezone: "Europe/Berlin" });
    expect(buildClickConversion(item(), settings).conversionDateTime).toBe("2026-11-22 11:00:00+01:00");
  });

  it("formats the Data Manager eventTimestamp as RFC 3339 UTC seconds", () => {
    expect(rfc3339Seconds(OCCURRED_AT + 999)).toBe("2026-11-22T10:00:00Z");
  });

  it("reads settings defensively: hyphens stripped, default API version, validateOnly off", () => {
    expect(readGoogleAdsSettings({ customerId: "123-456-7890", conversionActionId: "9" })).toEqual({
      customerId: "1234567890",
      conversionActionId: "9",
      apiVersion: "v25",
      validateOnly: false,
    });
  });

  it("keeps the sample event's Meta identifiers out of Google requests", () => {
    const body = JSON.stringify(buildUploadClickConversionsRequest([item()], readGoogleAdsSettings(ADS_SETTINGS)));
    expect(body).not.toContain("a".repeat(64));
    expect(body).not.toContain(SAMPLE_EVENT.clickIds.fbp!);
  });
});
