import { beforeEach, describe, expect, it } from "vitest";
import { GOOGLE_API_MODULES, createGoogleApis, type GoogleApis } from "../../sandbox/google.mjs";
import type { ApiResponse } from "../../sandbox/server.mjs";
import { emulatorRequest, emulatorToken } from "./helpers";

// sandbox/google.mjs on its own: the emulators the local sandbox mounts and the Worker tests use.

let apis: GoogleApis;
let clock = Date.parse("2026-11-22T10:00:00Z");
const ctx = { now: () => clock };

const request = emulatorRequest;
const json = (answer: ApiResponse) => answer.body as any;
const token = (form: Record<string, string> = {}) => emulatorToken(apis, ctx.now, form);

const conversion = (over: Record<string, unknown> = {}) => ({
  conversionAction: "customers/1234567890/conversionActions/42",
  conversionDateTime: "2026-11-22 09:00:00+00:00",
  conversionValue: 49,
  currencyCode: "EUR",
  orderId: "o-1",
  gclid: "Cj0KCQiA_ok",
  consent: { adUserData: "GRANTED" },
  ...over,
});

function upload(body: unknown, headers: Record<string, string> = {}, path = "/v25/customers/1234567890:uploadClickConversions") {
  const access = json(token()).access_token;
  return apis.ads.handle(
    request({ path, headers: { authorization: `Bearer ${access}`, "developer-token": "dev", ...headers }, body }),
    ctx,
  );
}

const codesOf = (answer: ApiResponse) =>
  (json(answer).partialFailureError?.details[0].errors ?? json(answer).error?.details?.[0]?.errors ?? []).map((e: any) => [
    Object.values(e.errorCode)[0],
    e.location?.fieldPathElements?.[0]?.index,
  ]);

beforeEach(() => {
  apis = createGoogleApis();
  clock = Date.parse("2026-11-22T10:00:00Z");
});

describe("OAuth emulator (/google-oauth/token)", () => {
  it("issues a bearer token for a refresh-token grant", () => {
    const answer = token();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^ya29\.sandbox-/),
      expires_in: 3599,
      scope: expect.stringContaining("https://www.googleapis.com/auth/adwords"),
      token_type: "Bearer",
    });
  });

  it("answers Google's error shapes", () => {
    expect(token({ grant_type: "password" })).toEqual({
      status: 400,
      body: { error: "unsupported_grant_type", error_description: "Invalid grant_type: password" },
    });
    expect(token({ refresh_token: "revoked" })).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
    });
    expect(json(token({ client_secret: "invalid" })).error).toBe("invalid_client");
    expect(token({ client_secret: "invalid" }).status).toBe(401);
  });

  it("keeps client secret and refresh token out of what the sandbox records", () => {
    expect(
      apis.oauth.describe!(request({ body: { client_id: "c", client_secret: "s", refresh_token: "r", grant_type: "refresh_token" } })),
    ).toEqual({
      body: { client_id: "c", client_secret: "[redacted]", refresh_token: "[redacted]", grant_type: "refresh_token" },
    });
  });
});

describe("Ads emulator (/google-ads/{version}/customers/{id}:uploadClickConversions)", () => {
  it("counts valid rows and echoes them in results", () => {
    const answer = upload({ conversions: [conversion()], partialFailure: true });
    expect(answer.status).toBe(200);
    expect(json(answer)).toEqual({
      results: [
        {
          gclid: "Cj0KCQiA_ok",
          conversionAction: "customers/1234567890/conversionActions/42",
          conversionDateTime: "2026-11-22 09:00:00+00:00",
        },
      ],
      jobId: expect.any(String),
    });
    expect(apis.ads.describe!(request({ body: { conversions: [conversion(), conversion()] } }))).toEqual({ events: 2 });
  });

  it("answers a partial failure shaped as Google documents it (partialFailureError)", () => {
    upload({ conversions: [conversion({ orderId: "used" })], partialFailure: true });
    const answer = upload({
      conversions: [conversion(), conversion({ orderId: "o-2", gclid: "UNPARSEABLE_abc" }), conversion({ orderId: "used" })],
      partialFailure: true,
    });
    expect(answer.status).toBe(200);
    const body = json(answer);
    expect(body.results).toEqual([expect.objectContaining({ gclid: "Cj0KCQiA_ok" }), {}, {}]);
    expect(body.partialFailureError).toEqual({
      code: 3,
      message: expect.stringContaining(", at conversions[1].gclid"),
      details: [
        {
          "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure",
          errors: [
            {
              errorCode: { conversionUploadError: "UNPARSEABLE_GCLID" },
              message: "The imported gclid could not be decoded.",
              trigger: { stringValue: "UNPARSEABLE_abc" },
              location: { fieldPathElements: [{ fieldName: "conversions", index: 1 }, { fieldName: "gclid" }] },
            },
            {
              errorCode: { conversionUploadError: "ORDER_ID_ALREADY_IN_USE" },
              message: expect.stringContaining("order ID that was previously recorded"),
              trigger: { stringValue: "used" },
              location: { fieldPathElements: [{ fieldName: "conversions", index: 2 }, { fieldName: "order_id" }] },
            },
          ],
          requestId: expect.any(String),
        },
      ],
    });
  });

  it("fails rows on purpose through magic click ids and the rules of the proto", () => {
    const rows = [
      conversion({ orderId: "a", gclid: "too_recent-1" }),
      conversion({ orderId: "b", gclid: "Concurrent-1" }),
      conversion({ orderId: "c", gclid: undefined, gbraid: "g", wbraid: "w" }),
      conversion({ orderId: "d", gclid: undefined, wbraid: "UNPARSEABLE" }),
      conversion({ orderId: "e", consent: { adUserData: "GRANTED", adPersonalization: "GRANTED" } }),
      conversion({ orderId: "f", userIpAddress: "203.0.113.7" }),
      conversion({ orderId: "g", userIdentifiers: [{ hashedEmail: "not-a-hash" }] }),
      conversion({ orderId: "h", userIdentifiers: [{ addressInfo: { hashedFirstName: "x" } }] }),
      conversion({ orderId: "i", gclid: undefined }),
      conversion({ orderId: "j", conversionDateTime: "2026-11-22T09:00:00Z" }),
      conversion({ orderId: "dup" }),
      conversion({ orderId: "dup" }),
      conversion({ orderId: "k", gclid: undefined, userIdentifiers: [{ hashedEmail: "a".repeat(64) }] }),
    ];
    expect(codesOf(upload({ conversions: rows, partialFailure: true }))).toEqual([
      ["TOO_RECENT_EVENT", 0],
      ["CONCURRENT_MODIFICATION", 1],
      ["GBRAID_WBRAID_BOTH_SET", 2],
      ["UNPARSEABLE_WBRAID", 3],
      ["VALUE_MUST_BE_UNSET", 4],
      ["CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", 5],
      ["INVALID_USER_IDENTIFIER", 6],
      ["UNSUPPORTED_USER_IDENTIFIER", 7],
      ["REQUIRED", 8],
      ["INVALID_FIELD_VALUES_IN_DATE_TIME", 9],
      ["DUPLICATE_ORDER_ID", 10],
      ["DUPLICATE_ORDER_ID", 11],
    ]);
  });

  it("rejects the whole request for request-level errors", () => {
    const ok = { conversions: [conversion()], partialFailure: true };
    expect(json(upload(ok, { "developer-token": "" })).error.details[0].errors[0].errorCode).toEqual({
      requestError: "DEVELOPER_TOKEN_PARAMETER_MISSING",
    });
    expect(upload(ok, { "developer-token": "unapproved" }).status).toBe(403);
    expect(codesOf(upload(ok, {}, "/v25/customers/123-456-7890:uploadClickConversions"))).toEqual([["INVALID_CUSTOMER_ID", undefined]]);
    expect(codesOf(upload(ok, { "login-customer-id": "111-222-3333" }))).toEqual([["INVALID_LOGIN_CUSTOMER_ID", undefined]]);
    expect(codesOf(upload({ conversions: Array.from({ length: 2001 }, () => conversion()), partialFailure: true }))).toEqual([
      ["TOO_MANY_CONVERSIONS_IN_REQUEST", undefined],
    ]);
    // `debugEnabled` no longer exists in v25: an unknown field.
    const unknown = upload({ ...ok, debugEnabled: true });
    expect(unknown.status).toBe(400);
    expect(json(unknown).error.details[0].fieldViolations[0].description).toContain('Unknown name "debugEnabled"');
  });

  it("without partialFailure one bad row rejects every row, and nothing is recorded", () => {
    const answer = upload({ conversions: [conversion(), conversion({ orderId: "o-2", gclid: "UNPARSEABLE" })] });
    expect(answer.status).toBe(400);
    expect(json(answer).error.status).toBe("INVALID_ARGUMENT");
    expect(codesOf(answer)).toEqual([["UNPARSEABLE_GCLID", 1]]);
    expect(json(upload({ conversions: [conversion()], partialFailure: true })).partialFailureError).toBeUndefined();
  });

  it("validateOnly returns no results and records no order id", () => {
    expect(json(upload({ conversions: [conversion()], partialFailure: true, validateOnly: true }))).toEqual({});
    expect(json(upload({ conversions: [conversion()], partialFailure: true })).partialFailureError).toBeUndefined();
  });

  it("accepts only unexpired tokens it issued", () => {
    const body = { conversions: [conversion()], partialFailure: true };
    const access = json(token()).access_token;
    const withToken = (t: string) =>
      apis.ads.handle(
        request({
          path: "/v25/customers/1234567890:uploadClickConversions",
          headers: { authorization: `Bearer ${t}`, "developer-token": "d" },
          body,
        }),
        ctx,
      );
    expect(withToken("ya29.forged").status).toBe(401);
    expect(json(withToken("ya29.forged")).error.status).toBe("UNAUTHENTICATED");
    clock += 3599_000;
    expect(withToken(access).status).toBe(401);
  });

  it("gives plain status faults Google's error bodies", () => {
    expect(apis.ads.faultBody!(429)).toEqual({
      error: {
        code: 429,
        message: "Resource has been exhausted (e.g. check quota).",
        status: "RESOURCE_EXHAUSTED",
        details: [
          expect.objectContaining({ errors: [expect.objectContaining({ errorCode: { quotaError: "RESOURCE_TEMPORARILY_EXHAUSTED" } })] }),
        ],
      },
    });
    expect(apis.dataManager.faultBody!(503)).toEqual({
      error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" },
    });
    expect(apis.oauth.faultBody!(500)).toEqual({ error: "internal_failure", error_description: expect.any(String) });
  });
});

describe("Data Manager emulator (/google-dm/v1/events:ingest)", () => {
  const event = (over: Record<string, unknown> = {}) => ({
    transactionId: "o-1",
    eventTimestamp: "2026-11-22T09:00:00Z",
    conversionValue: 49,
    currency: "EUR",
    eventSource: "WEB",
    adIdentifiers: { gclid: "Cj0KCQiA_ok" },
    userData: { userIdentifiers: [{ emailAddress: "a".repeat(64) }] },
    consent: { adUserData: "CONSENT_GRANTED" },
    ...over,
  });
  const ingestBody = (events: unknown[], over: Record<string, unknown> = {}) => ({
    destinations: [{ operatingAccount: { accountType: "GOOGLE_ADS", accountId: "1234567890" }, productDestinationId: "42" }],
    encoding: "HEX",
    events,
    ...over,
  });
  const ingest = (body: unknown) =>
    apis.dataManager.handle(
      request({ path: "/v1/events:ingest", headers: { authorization: `Bearer ${json(token()).access_token}` }, body }),
      ctx,
    );

  it("accepts a valid request with a requestId, whose status then reads SUCCESS", () => {
    const answer = ingest(ingestBody([event(), event({ transactionId: "o-2" })]));
    expect(answer.status).toBe(200);
    const { requestId } = json(answer);
    const status = apis.dataManager.handle(
      request({
        method: "GET",
        path: "/v1/requestStatus:retrieve",
        query: { requestId },
        headers: { authorization: `Bearer ${json(token()).access_token}` },
      }),
      ctx,
    );
    expect(json(status)).toEqual({
      requestStatusPerDestination: [
        { destination: ingestBody([]).destinations[0], requestStatus: "SUCCESS", eventsIngestionStatus: { recordCount: "2" } },
      ],
    });
  });

  it("processing errors through the gclid: PROCESSING first, then FAILED or PARTIAL_SUCCESS with counts per reason", () => {
    const retrieve = (requestId: string) =>
      json(
        apis.dataManager.handle(
          request({
            method: "GET",
            path: "/v1/requestStatus:retrieve",
            query: { requestId },
            headers: { authorization: `Bearer ${json(token()).access_token}` },
          }),
          ctx,
        ),
      );
    const failed = json(ingest(ingestBody([event({ adIdentifiers: { gclid: "invalid_gclid-1" } })]))).requestId;
    expect(retrieve(failed).requestStatusPerDestination[0]).toMatchObject({ requestStatus: "PROCESSING" });
    expect(retrieve(failed).requestStatusPerDestination[0]).toEqual({
      destination: ingestBody([]).destinations[0],
      requestStatus: "FAILED",
      errorInfo: { errorCounts: [{ recordCount: "1", reason: "PROCESSING_ERROR_REASON_INVALID_GCLID" }] },
      eventsIngestionStatus: { recordCount: "1" },
    });
    const partial = json(
      ingest(ingestBody([event({ transactionId: "t-1" }), event({ transactionId: "t-2", adIdentifiers: { gclid: "EVENT_TOO_OLD-x" } })])),
    ).requestId;
    retrieve(partial);
    expect(retrieve(partial).requestStatusPerDestination[0]).toMatchObject({
      requestStatus: "PARTIAL_SUCCESS",
      errorInfo: { errorCounts: [{ recordCount: "1", reason: "PROCESSING_ERROR_REASON_EVENT_TOO_OLD" }] },
    });
    // INTERNAL_ERROR is transient: the same transaction sent again succeeds.
    const internal = () =>
      json(ingest(ingestBody([event({ transactionId: "t-int", adIdentifiers: { gclid: "INTERNAL_ERROR-x" } })]))).requestId;
    const first = internal();
    retrieve(first);
    expect(retrieve(first).requestStatusPerDestination[0].errorInfo.errorCounts[0].reason).toBe("PROCESSING_ERROR_REASON_INTERNAL_ERROR");
    expect(retrieve(internal()).requestStatusPerDestination[0].requestStatus).toBe("SUCCESS");
  });

  it("fails fast with ErrorInfo and BadRequest field violations naming the events", () => {
    const answer = ingest(
      ingestBody([
        event(),
        event({ userData: { userIdentifiers: [{ emailAddress: "zz" }] } }),
        event({ adIdentifiers: undefined, userData: undefined }),
        event({ currency: "euro", eventTimestamp: "2026-11-22 09:00:00" }),
      ]),
    );
    expect(answer.status).toBe(400);
    const error = json(answer).error;
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.details[0]).toEqual({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "INVALID_HEX_ENCODING",
      domain: "datamanager.googleapis.com",
      metadata: {},
    });
    expect(error.details[1].fieldViolations.map((v: any) => [v.field, v.reason])).toEqual([
      ["events[1].user_data.user_identifiers[0].email_address", "INVALID_HEX_ENCODING"],
      ["events[2]", "NO_IDENTIFIERS_PROVIDED"],
      ["events[3].event_timestamp", "INVALID_FORMAT"],
      ["events[3].currency", "INVALID_CURRENCY_CODE"],
    ]);
  });

  it("checks destinations and the encoding", () => {
    const answer = ingest(
      ingestBody([event()], {
        encoding: undefined,
        destinations: [{ operatingAccount: { accountType: "GOOGLE_ADS", accountId: "123-4" }, productDestinationId: "x" }],
      }),
    );
    expect(json(answer).error.details[1].fieldViolations.map((v: any) => v.reason)).toEqual([
      "INVALID_DESTINATION",
      "INVALID_CONVERSION_ACTION_ID",
      "REQUIRED_FIELD_MISSING",
    ]);
  });

  it("answers validateOnly with an empty body", () => {
    expect(ingest(ingestBody([event()], { validateOnly: true }))).toEqual({ status: 200, body: {} });
  });
});

describe("module wiring", () => {
  it("exports one ApiModule per reserved prefix of server.mjs", () => {
    expect(GOOGLE_API_MODULES.map((m) => [m.name, m.prefix])).toEqual([
      ["google-oauth", "/google-oauth"],
      ["google-ads", "/google-ads"],
      ["google-dm", "/google-dm"],
    ]);
  });
});
