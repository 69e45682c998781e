import { describe, expect, it } from "vitest";
import { classifyUploadAnswer } from "../../src/destinations/google-ads/classify";
import { classifyIngestAnswer } from "../../src/destinations/google-data-manager/classify";
import { HOLD_MESSAGES } from "../../src/destinations/google/errors";

const adsFailure = (code: Record<string, string>, index?: number) => ({
  error: {
    code: 403,
    status: "PERMISSION_DENIED",
    details: [
      {
        "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
        errors: [
          {
            errorCode: code,
            message: "…",
            ...(index === undefined ? {} : { location: { fieldPathElements: [{ fieldName: "conversions", index }] } }),
          },
        ],
      },
    ],
  },
});

describe("Google credential, permission and setup errors hold the lane", () => {
  it.each([
    [{ authorizationError: "USER_PERMISSION_DENIED" }, "USER_PERMISSION_DENIED"],
    [{ authorizationError: "DEVELOPER_TOKEN_NOT_APPROVED" }, "DEVELOPER_TOKEN_NOT_APPROVED"],
    [{ conversionUploadError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" }, "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"],
  ])("Ads API %j holds every row", (errorCode, code) => {
    const outcomes = classifyUploadAnswer(3, 403, adsFailure(errorCode));
    expect(outcomes).toEqual(Array.from({ length: 3 }, () => ({ status: "hold", code, message: expect.any(String) })));
  });

  it("even when Google pins the permission error on a row", () => {
    const outcomes = classifyUploadAnswer(2, 400, adsFailure({ conversionUploadError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" }, 1));
    expect(outcomes.map((o) => o.status)).toEqual(["hold", "hold"]);
  });

  it("CUSTOMER_NOT_ALLOWLISTED names the Data Manager destination as the way forward", () => {
    const [outcome] = classifyUploadAnswer(1, 400, adsFailure({ conversionUploadError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" }));
    expect(outcome).toMatchObject({ status: "hold", message: expect.stringContaining("google_data_manager") });
  });

  it("Data Manager PERMISSION_DENIED holds", () => {
    const { outcomes } = classifyIngestAnswer(
      2,
      403,
      { error: { code: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission" } },
      false,
    );
    expect(outcomes).toEqual([
      { status: "hold", code: "PERMISSION_DENIED", message: expect.stringMatching(/grant/) },
      { status: "hold", code: "PERMISSION_DENIED", message: expect.stringMatching(/grant/) },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every credential, permission and account-setup error holds, whatever detail Google adds.

/** A google.rpc.Status error answer (`details` as given). */
const rpcError = (code: number, status: string, details: unknown[] = []) => ({
  error: { code, status, message: "…", ...(details.length > 0 ? { details } : {}) },
});

/** A `googleapis.com` ErrorInfo, as Google's front end adds it to a 403 (google/api/error_reason.proto). */
const platformInfo = (reason: string, service = "datamanager.googleapis.com") => ({
  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
  reason,
  domain: "googleapis.com",
  metadata: { service, consumer: "projects/123456789012" },
});

/** A Data Manager ErrorInfo (https://developers.google.com/data-manager/api/reference/rest/v1/ErrorReason). */
const dmInfo = (reason: string) => ({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: "datamanager.googleapis.com" });

/** A whole-request Ads API failure with one GoogleAdsError (no row). */
const adsRequestFailure = (httpStatus: number, status: string, errorCode: Record<string, string>) =>
  rpcError(httpStatus, status, [
    { "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure", errors: [{ errorCode, message: "…" }] },
  ]);

const held = (count: number, code: string, message: unknown = expect.any(String)) =>
  Array.from({ length: count }, () => ({ status: "hold", code, message }));

describe("Data Manager: a 403 PERMISSION_DENIED holds whatever ErrorInfo reason it carries", () => {
  it("SERVICE_DISABLED (the API is off in the Cloud project) holds every event, saying to enable it", () => {
    const { status, outcomes } = classifyIngestAnswer(
      3,
      403,
      rpcError(403, "PERMISSION_DENIED", [platformInfo("SERVICE_DISABLED")]),
      false,
    );
    expect(status).toBe("rejected");
    expect(outcomes).toEqual(held(3, "SERVICE_DISABLED"));
    expect((outcomes[0] as { message: string }).message).toMatch(/Data Manager API.*not enabled.*enable it/);
  });

  it("ACCESS_TOKEN_SCOPE_INSUFFICIENT holds, naming the datamanager scope to authorize again with", () => {
    const { outcomes } = classifyIngestAnswer(
      2,
      403,
      rpcError(403, "PERMISSION_DENIED", [platformInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT")]),
      false,
    );
    expect(outcomes).toEqual(held(2, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"));
    expect((outcomes[0] as { message: string }).message).toContain("https://www.googleapis.com/auth/datamanager");
  });

  it("a reason Sluice has no message for keeps Google's code and the permission message", () => {
    const { outcomes } = classifyIngestAnswer(2, 403, rpcError(403, "PERMISSION_DENIED", [platformInfo("USER_PROJECT_DENIED")]), false);
    expect(outcomes).toEqual(held(2, "USER_PROJECT_DENIED", expect.stringMatching(/grant the OAuth user access/)));
  });

  it("the reason with a message of its own wins over others in the same answer", () => {
    const body = rpcError(403, "PERMISSION_DENIED", [platformInfo("CONSUMER_INVALID"), platformInfo("SERVICE_DISABLED")]);
    expect(classifyIngestAnswer(1, 403, body, false).outcomes).toEqual(held(1, "SERVICE_DISABLED"));
  });

  it("a bare 403 (no body to read) holds too", () => {
    expect(classifyIngestAnswer(2, 403, undefined, false).outcomes).toEqual(held(2, "http_403", expect.stringMatching(/grant/)));
  });

  it.each([["TERMS_AND_CONDITIONS_NOT_SIGNED"], ["DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED"]])(
    "%s (terms not accepted) holds, saying to accept them",
    (reason) => {
      const { outcomes } = classifyIngestAnswer(2, 400, rpcError(400, "INVALID_ARGUMENT", [dmInfo(reason)]), false);
      expect(outcomes).toEqual(held(2, reason, expect.stringMatching(/accept them/)));
    },
  );
});

describe("Google Ads: account-setup and authorization errors hold", () => {
  // https://developers.google.com/google-ads/api/reference/rpc/latest/AuthenticationErrorEnum.AuthenticationError
  // https://developers.google.com/google-ads/api/reference/rpc/latest/AuthorizationErrorEnum.AuthorizationError
  it.each([
    [401, "UNAUTHENTICATED", "authenticationError", "TWO_STEP_VERIFICATION_NOT_ENROLLED", /2-Step Verification/],
    [401, "UNAUTHENTICATED", "authenticationError", "ADVANCED_PROTECTION_NOT_ENROLLED", /Advanced Protection/],
    [401, "UNAUTHENTICATED", "authenticationError", "NOT_ADS_USER", /not a user of any Google Ads account/],
    [401, "UNAUTHENTICATED", "authenticationError", "GOOGLE_ACCOUNT_DELETED", /deleted/],
    [401, "UNAUTHENTICATED", "authenticationError", "OAUTH_TOKEN_REVOKED", /authorize Sluice again/],
    [401, "UNAUTHENTICATED", "authenticationError", "CUSTOMER_NOT_FOUND", /customerId/],
    [403, "PERMISSION_DENIED", "authorizationError", "CUSTOMER_NOT_ENABLED", /not enabled yet or has been deactivated/],
    [403, "PERMISSION_DENIED", "authorizationError", "ACTION_NOT_PERMITTED_FOR_SUSPENDED_ACCOUNT", /suspended/],
    [403, "PERMISSION_DENIED", "authorizationError", "INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION", /loginCustomerId/],
    [403, "PERMISSION_DENIED", "authorizationError", "CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION", /Explorer, Basic or Standard/],
    [403, "PERMISSION_DENIED", "authorizationError", "MISSING_TOS", /terms of service/],
    [403, "PERMISSION_DENIED", "authorizationError", "PROJECT_DISABLED", /enable the Google Ads API/],
    [403, "PERMISSION_DENIED", "authorizationError", "ACTION_NOT_PERMITTED", /Standard or Admin access/],
    [400, "INVALID_ARGUMENT", "conversionUploadError", "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS", /customer data terms/],
  ])("%i %s %s.%s holds every row", (httpStatus, status, family, code, message) => {
    expect(classifyUploadAnswer(3, httpStatus, adsRequestFailure(httpStatus, status, { [family]: code }))).toEqual(
      held(3, code, expect.stringMatching(message)),
    );
  });

  it("a 403 whose GoogleAdsError Sluice has no message for still holds, under Google's code", () => {
    expect(classifyUploadAnswer(2, 403, adsRequestFailure(403, "PERMISSION_DENIED", { authorizationError: "SOME_NEW_CODE" }))).toEqual(
      held(2, "SOME_NEW_CODE", expect.stringMatching(/grant/)),
    );
  });

  it("CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS on a row of a partial failure holds that row; the others count", () => {
    const body = {
      partialFailureError: {
        code: 3,
        message: "…",
        details: [
          {
            "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure",
            errors: [
              {
                errorCode: { conversionUploadError: "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS" },
                message: "…",
                location: { fieldPathElements: [{ fieldName: "conversions", index: 1 }, { fieldName: "user_identifiers" }] },
              },
            ],
          },
        ],
      },
      results: [{ gclid: "a" }, {}],
    };
    expect(classifyUploadAnswer(2, 200, body)).toEqual([
      { status: "delivered" },
      { status: "hold", code: "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS", message: expect.any(String) },
    ]);
  });
});

describe("what is not a credential, permission or setup error keeps its class", () => {
  it("a 401 that survives the token refresh, and the access-token codes, fail as before", () => {
    expect(classifyUploadAnswer(1, 401, rpcError(401, "UNAUTHENTICATED"))).toEqual([{ status: "failed", code: "UNAUTHENTICATED" }]);
    expect(classifyUploadAnswer(1, 401, adsRequestFailure(401, "UNAUTHENTICATED", { authenticationError: "OAUTH_TOKEN_INVALID" }))).toEqual(
      [{ status: "failed", code: "OAUTH_TOKEN_INVALID" }],
    );
  });

  it("row data errors fail their row; a click of another account (UNAUTHORIZED_CUSTOMER) is one row's problem", () => {
    const body = rpcError(400, "INVALID_ARGUMENT", [
      {
        "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure",
        errors: [
          {
            errorCode: { conversionUploadError: "UNAUTHORIZED_CUSTOMER" },
            message: "…",
            location: { fieldPathElements: [{ fieldName: "conversions", index: 0 }] },
          },
        ],
      },
    ]);
    expect(classifyUploadAnswer(2, 400, body)).toEqual([
      { status: "failed", code: "UNAUTHORIZED_CUSTOMER" },
      { status: "retry", code: "rejected_with_batch", perRow: true },
    ]);
  });

  it("Data Manager configuration and throttling answers: INVALID_CONVERSION_ACTION_ID fails, RATE_LIMIT_EXCEEDED (429) retries", () => {
    expect(
      classifyIngestAnswer(1, 400, rpcError(400, "INVALID_ARGUMENT", [dmInfo("INVALID_CONVERSION_ACTION_ID")]), false).outcomes,
    ).toEqual([{ status: "failed", code: "INVALID_CONVERSION_ACTION_ID" }]);
    expect(
      classifyIngestAnswer(1, 429, rpcError(429, "RESOURCE_EXHAUSTED", [platformInfo("RATE_LIMIT_EXCEEDED")]), false, 2_000).outcomes,
    ).toEqual([{ status: "retry", code: "RATE_LIMIT_EXCEEDED", retryAfterMs: 2_000 }]);
  });
});

describe("hold messages", () => {
  it("each tells the tenant what to do and then to update the destination", () => {
    for (const [code, message] of Object.entries(HOLD_MESSAGES)) {
      expect(message, code).toMatch(/: .*update (the destination|this one)/);
    }
  });
});
