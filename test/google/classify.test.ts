import { describe, expect, it } from "vitest";
import { classifyUploadAnswer } from "../../src/destinations/google-ads/classify";
import { classifyIngestAnswer } from "../../src/destinations/google-data-manager/classify";
import { classOfGoogleCode, REJECTED_WITH_BATCH, TOO_RECENT_RETRY_MS } from "../../src/destinations/google/errors";

const FAILURE_TYPE = "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure";
const SIX_HOURS = 6 * 60 * 60 * 1000;

/** A GoogleAdsError at conversions[row] (omit row for a request-level error). */
function rowError(family: string, code: string, row?: number, field = "gclid") {
  return {
    errorCode: { [family]: code },
    message: code,
    ...(row === undefined ? {} : { location: { fieldPathElements: [{ fieldName: "conversions", index: row }, { fieldName: field }] } }),
  };
}

function partialFailure(errors: unknown[], results?: unknown[]) {
  return {
    partialFailureError: { code: 3, message: "…", details: [{ "@type": FAILURE_TYPE, errors, requestId: "r" }] },
    ...(results ? { results } : {}),
  };
}

function requestError(httpStatus: number, status: string, errors: unknown[] = []) {
  return {
    error: {
      code: httpStatus,
      message: "…",
      status,
      ...(errors.length > 0 ? { details: [{ "@type": FAILURE_TYPE, errors, requestId: "r" }] } : {}),
    },
  };
}

// https://developers.google.com/google-ads/api/docs/best-practices/partial-failures
describe("UploadClickConversions: HTTP 200 with partialFailureError", () => {
  it("maps the reference's RudderStack fixture to its row", () => {
    const body = {
      partialFailureError: {
        code: 3,
        message: "…, at conversions[0].conversion_environment",
        details: [
          {
            "@type": "type.googleapis.com/google.ads.googleads.vNN.errors.GoogleAdsFailure",
            errors: [
              {
                errorCode: { notAllowlistedError: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE" },
                message: "…",
                trigger: { int64Value: "2" },
                location: { fieldPathElements: [{ fieldName: "conversions", index: 0 }, { fieldName: "conversion_environment" }] },
              },
            ],
            requestId: "…",
          },
        ],
      },
      results: [{}],
    };
    // A setup error: the lane is held (deliveries stay queued), see test/google/hold.test.ts.
    expect(classifyUploadAnswer(1, 200, body)).toEqual([
      { status: "hold", code: "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", message: expect.stringContaining("google_data_manager") },
    ]);
  });

  it("row 2 UNPARSEABLE_GCLID, row 3 ORDER_ID_ALREADY_IN_USE: rows 1 and 3 delivered, row 2 failed", () => {
    const body = partialFailure(
      [
        rowError("conversionUploadError", "UNPARSEABLE_GCLID", 1),
        rowError("conversionUploadError", "ORDER_ID_ALREADY_IN_USE", 2, "order_id"),
      ],
      [{ gclid: "a", conversionAction: "x", conversionDateTime: "y" }, {}, {}],
    );
    expect(classifyUploadAnswer(3, 200, body)).toEqual([
      { status: "delivered" },
      { status: "failed", code: "UNPARSEABLE_GCLID" },
      { status: "delivered" },
    ]);
  });

  it("counts every already-recorded code as delivered", () => {
    const codes = ["ORDER_ID_ALREADY_IN_USE", "CLICK_CONVERSION_ALREADY_EXISTS"];
    const body = partialFailure(
      codes.map((c, i) => rowError("conversionUploadError", c, i)),
      codes.map(() => ({})),
    );
    expect(classifyUploadAnswer(codes.length, 200, body)).toEqual(codes.map(() => ({ status: "delivered" })));
  });

  it.each(["DUPLICATE_CLICK_CONVERSION_IN_REQUEST", "DUPLICATE_ORDER_ID"])(
    "%s: Google processed neither row, so both are resent, not delivered",
    (code) => {
      const body = partialFailure([rowError("conversionUploadError", code, 0), rowError("conversionUploadError", code, 1)], [{}, {}]);
      expect(classifyUploadAnswer(2, 200, body)).toEqual([
        { status: "retry", code, perRow: true },
        { status: "retry", code, perRow: true },
      ]);
    },
  );

  it("retries TOO_RECENT_* after 6 hours and CONCURRENT_MODIFICATION with backoff", () => {
    const body = partialFailure(
      [
        rowError("conversionUploadError", "TOO_RECENT_EVENT", 0),
        rowError("conversionUploadError", "TOO_RECENT_CONVERSION_ACTION", 1, "conversion_action"),
        rowError("databaseError", "CONCURRENT_MODIFICATION", 2),
      ],
      [{}, {}, {}],
    );
    // Rows of a 200 answer: retried for their own reasons, never a sign of an unwell API.
    expect(classifyUploadAnswer(3, 200, body)).toEqual([
      { status: "retry", code: "TOO_RECENT_EVENT", retryAfterMs: SIX_HOURS, perRow: true },
      { status: "retry", code: "TOO_RECENT_CONVERSION_ACTION", retryAfterMs: SIX_HOURS, perRow: true },
      { status: "retry", code: "CONCURRENT_MODIFICATION", perRow: true },
    ]);
    expect(TOO_RECENT_RETRY_MS).toBe(SIX_HOURS);
  });

  it("records configuration and data errors with Google's code, terminally", () => {
    const codes = ["NO_CONVERSION_ACTION_FOUND", "INVALID_USER_IDENTIFIER", "GBRAID_WBRAID_BOTH_SET", "EXPIRED_EVENT", "EVENT_NOT_FOUND"];
    const body = partialFailure(
      codes.map((c, i) => rowError("conversionUploadError", c, i)),
      codes.map(() => ({})),
    );
    expect(classifyUploadAnswer(5, 200, body)).toEqual(codes.map((code) => ({ status: "failed", code })));
  });

  it("an error at the collection without an index is request-level: it goes to the rows Google did not confirm, never pinned on row 0", () => {
    const located = (index?: number | string) => ({
      errorCode: { conversionUploadError: "UNPARSEABLE_GCLID" },
      location: { fieldPathElements: [{ fieldName: "conversions", ...(index === undefined ? {} : { index }) }, { fieldName: "gclid" }] },
    });
    expect(classifyUploadAnswer(2, 200, partialFailure([located()], [{ gclid: "a" }, {}]))).toEqual([
      { status: "delivered" },
      { status: "failed", code: "UNPARSEABLE_GCLID" },
    ]);
    // proto3 JSON writes an int64 index as a string.
    expect(classifyUploadAnswer(2, 200, partialFailure([located("1")], [{}, {}]))).toEqual([
      { status: "retry", code: "partial_failure_unmapped", perRow: true },
      { status: "failed", code: "UNPARSEABLE_GCLID" },
    ]);
  });

  it("retries a row with an empty result that no error names; request-level errors go to such rows", () => {
    expect(classifyUploadAnswer(2, 200, partialFailure([rowError("conversionUploadError", "UNPARSEABLE_GCLID", 0)], [{}, {}]))).toEqual([
      { status: "failed", code: "UNPARSEABLE_GCLID" },
      { status: "retry", code: "partial_failure_unmapped", perRow: true },
    ]);
    expect(
      classifyUploadAnswer(2, 200, partialFailure([rowError("conversionUploadError", "NO_CONVERSION_ACTION_FOUND")], [{ gclid: "a" }, {}])),
    ).toEqual([{ status: "delivered" }, { status: "failed", code: "NO_CONVERSION_ACTION_FOUND" }]);
  });

  it("validateOnly: no results, so only the named rows fail", () => {
    expect(classifyUploadAnswer(2, 200, partialFailure([rowError("conversionUploadError", "UNPARSEABLE_GCLID", 1)]))).toEqual([
      { status: "delivered" },
      { status: "failed", code: "UNPARSEABLE_GCLID" },
    ]);
    expect(classifyUploadAnswer(2, 200, {})).toEqual([{ status: "delivered" }, { status: "delivered" }]);
  });

  it("retries rows of a 200 it cannot read (a resend that did count comes back as a duplicate)", () => {
    expect(classifyUploadAnswer(1, 200, undefined)).toEqual([{ status: "retry", code: "malformed_response" }]);
    expect(classifyUploadAnswer(2, 200, { partialFailureError: { code: 3, message: "?" }, results: [{ gclid: "a" }, {}] })).toEqual([
      { status: "delivered" },
      { status: "retry", code: "partial_failure_unreadable" },
    ]);
  });
});

describe("UploadClickConversions: whole-request errors, the same for every row", () => {
  it("429 RESOURCE_EXHAUSTED: retry honouring Retry-After", () => {
    const body = requestError(429, "RESOURCE_EXHAUSTED", [rowError("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED")]);
    expect(classifyUploadAnswer(2, 429, body, 30_000)).toEqual([
      { status: "retry", code: "RESOURCE_TEMPORARILY_EXHAUSTED", retryAfterMs: 30_000 },
      { status: "retry", code: "RESOURCE_TEMPORARILY_EXHAUSTED", retryAfterMs: 30_000 },
    ]);
  });

  it("5xx: retry, with the Google code when given, else the status name or the HTTP status", () => {
    expect(classifyUploadAnswer(1, 500, requestError(500, "INTERNAL", [rowError("internalError", "INTERNAL_ERROR")]))).toEqual([
      { status: "retry", code: "INTERNAL_ERROR" },
    ]);
    expect(classifyUploadAnswer(1, 503, requestError(503, "UNAVAILABLE"))).toEqual([{ status: "retry", code: "UNAVAILABLE" }]);
    expect(classifyUploadAnswer(1, 504, undefined)).toEqual([{ status: "retry", code: "http_504" }]);
  });

  it("400 CONCURRENT_MODIFICATION: retry", () => {
    expect(
      classifyUploadAnswer(1, 400, requestError(400, "INVALID_ARGUMENT", [rowError("databaseError", "CONCURRENT_MODIFICATION")])),
    ).toEqual([{ status: "retry", code: "CONCURRENT_MODIFICATION" }]);
  });

  it("auth and configuration errors fail every row with their code", () => {
    const cases: Array<[number, unknown, string]> = [
      [401, requestError(401, "UNAUTHENTICATED"), "UNAUTHENTICATED"],
      [
        400,
        requestError(400, "INVALID_ARGUMENT", [rowError("requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING")]),
        "DEVELOPER_TOKEN_PARAMETER_MISSING",
      ],
      [
        400,
        requestError(400, "INVALID_ARGUMENT", [rowError("conversionUploadError", "TOO_MANY_CONVERSIONS_IN_REQUEST")]),
        "TOO_MANY_CONVERSIONS_IN_REQUEST",
      ],
    ];
    for (const [status, body, code] of cases) {
      expect(classifyUploadAnswer(2, status, body), code).toEqual([
        { status: "failed", code },
        { status: "failed", code },
      ]);
    }
  });

  it("a rejected request whose errors all name rows: those rows are classified, the others resent", () => {
    const body = requestError(400, "INVALID_ARGUMENT", [rowError("conversionUploadError", "UNPARSEABLE_GCLID", 1)]);
    expect(classifyUploadAnswer(3, 400, body)).toEqual([
      { status: "retry", code: REJECTED_WITH_BATCH, perRow: true },
      { status: "failed", code: "UNPARSEABLE_GCLID" },
      { status: "retry", code: REJECTED_WITH_BATCH, perRow: true },
    ]);
  });

  it("an error located at `conversions` without an index concerns the request, not row 0", () => {
    const tooMany = {
      errorCode: { conversionUploadError: "TOO_MANY_CONVERSIONS_IN_REQUEST" },
      message: "…",
      location: { fieldPathElements: [{ fieldName: "conversions" }] },
    };
    expect(classifyUploadAnswer(2, 400, requestError(400, "INVALID_ARGUMENT", [tooMany]))).toEqual([
      { status: "failed", code: "TOO_MANY_CONVERSIONS_IN_REQUEST" },
      { status: "failed", code: "TOO_MANY_CONVERSIONS_IN_REQUEST" },
    ]);
  });

  it("quota errors: Google's retryDelay in the body is the retry time (the Ads API sends no Retry-After)", () => {
    const quota = {
      ...rowError("quotaError", "RESOURCE_EXHAUSTED"),
      details: { quotaErrorDetails: { rateScope: "DEVELOPER", retryDelay: "120s" } },
    };
    expect(classifyUploadAnswer(1, 429, requestError(429, "RESOURCE_EXHAUSTED", [quota]))).toEqual([
      { status: "retry", code: "RESOURCE_EXHAUSTED", retryAfterMs: 120_000 },
    ]);
    // The later of a Retry-After header and the body's delay wins.
    expect(classifyUploadAnswer(1, 429, requestError(429, "RESOURCE_EXHAUSTED", [quota]), 300_000)[0]).toMatchObject({
      retryAfterMs: 300_000,
    });
    // google.rpc.RetryInfo, as other Google APIs (the Data Manager) send it; fractional seconds.
    const retryInfo = {
      error: {
        code: 429,
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" }],
      },
    };
    expect(classifyIngestAnswer(1, 429, retryInfo, false).outcomes).toEqual([
      { status: "retry", code: "RESOURCE_EXHAUSTED", retryAfterMs: 1_500 },
    ]);
  });

  it("a retired API version (a bare 404 for the version path, or UNSUPPORTED_VERSION) holds the lane, naming the settings to change", () => {
    const messages = [
      classifyUploadAnswer(2, 404, {
        error: {
          code: 404,
          status: "NOT_FOUND",
          message: "The requested URL /v19/customers/1:uploadClickConversions was not found on this server.",
        },
      }),
      classifyUploadAnswer(2, 404, undefined),
      classifyUploadAnswer(2, 400, requestError(400, "INVALID_ARGUMENT", [rowError("requestError", "UNSUPPORTED_VERSION")])),
    ];
    for (const outcomes of messages) {
      expect(outcomes).toHaveLength(2);
      for (const o of outcomes) {
        expect(o).toMatchObject({ status: "hold", message: expect.stringMatching(/GOOGLE_ADS_API_VERSION/) });
        expect((o as { message: string }).message).toMatch(/apiVersion/);
      }
    }
  });
});

describe("events:ingest (Data Manager, fast fail)", () => {
  const violation = (field: string, reason: string) => ({ field, description: "…", reason });
  const dmError = (httpStatus: number, status: string, details: unknown[]) => ({
    error: { code: httpStatus, message: "…", status, details },
  });

  it("2xx with a requestId: every event accepted for processing under it; validateOnly answers carry none", () => {
    expect(classifyIngestAnswer(2, 200, { requestId: "abc" }, false)).toEqual({
      status: "accepted",
      outcomes: [
        { status: "processing", requestId: "abc" },
        { status: "processing", requestId: "abc" },
      ],
    });
    expect(classifyIngestAnswer(1, 200, {}, true)).toEqual({ status: "validated", outcomes: [{ status: "delivered" }] });
    expect(classifyIngestAnswer(1, 200, {}, false)).toEqual({
      status: "unreadable",
      outcomes: [{ status: "retry", code: "malformed_response" }],
    });
  });

  it("field violations name their events; the others are marked for resending", () => {
    const body = dmError(400, "INVALID_ARGUMENT", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_HEX_ENCODING", domain: "datamanager.googleapis.com" },
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        fieldViolations: [violation("events[1].user_data.user_identifiers[0].email_address", "INVALID_HEX_ENCODING")],
      },
    ]);
    expect(classifyIngestAnswer(3, 400, body, false)).toEqual({
      status: "rejected",
      outcomes: [
        { status: "retry", code: REJECTED_WITH_BATCH, perRow: true },
        { status: "failed", code: "INVALID_HEX_ENCODING" },
        { status: "retry", code: REJECTED_WITH_BATCH, perRow: true },
      ],
    });
  });

  it("a request-level reason (ErrorInfo only) applies to every event", () => {
    const body = dmError(400, "INVALID_ARGUMENT", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INVALID_CONVERSION_ACTION_ID", domain: "datamanager.googleapis.com" },
    ]);
    expect(classifyIngestAnswer(2, 400, body, false).outcomes).toEqual([
      { status: "failed", code: "INVALID_CONVERSION_ACTION_ID" },
      { status: "failed", code: "INVALID_CONVERSION_ACTION_ID" },
    ]);
    expect(classifyIngestAnswer(1, 403, dmError(403, "PERMISSION_DENIED", []), false).outcomes).toEqual([
      { status: "hold", code: "PERMISSION_DENIED", message: expect.any(String) },
    ]);
  });

  it("throttling and server errors retry", () => {
    expect(classifyIngestAnswer(1, 429, dmError(429, "RESOURCE_EXHAUSTED", []), false, 5_000).outcomes).toEqual([
      { status: "retry", code: "RESOURCE_EXHAUSTED", retryAfterMs: 5_000 },
    ]);
    expect(classifyIngestAnswer(1, 500, undefined, false).outcomes).toEqual([{ status: "retry", code: "http_500" }]);
  });
});

// https://developers.google.com/google-ads/api/docs/best-practices/understand-api-errors
describe("retry classes", () => {
  it.each([
    ["ORDER_ID_ALREADY_IN_USE", "duplicate"],
    ["DUPLICATE_ORDER_ID", "not_processed_in_request"],
    ["CLICK_CONVERSION_ALREADY_EXISTS", "duplicate"],
    ["TOO_RECENT_EVENT", "too_recent"],
    ["TOO_RECENT_CALL", "too_recent"],
    ["DUPLICATE_CLICK_CONVERSION_IN_REQUEST", "not_processed_in_request"],
    ["UNSUPPORTED_VERSION", "hold"],
    ["CONCURRENT_MODIFICATION", "transient"],
    ["RESOURCE_TEMPORARILY_EXHAUSTED", "transient"],
    ["INTERNAL_ERROR", "transient"],
    ["TRANSIENT_ERROR", "transient"],
    ["DEADLINE_EXCEEDED", "transient"],
    ["UNPARSEABLE_GCLID", "terminal"],
    ["USER_PERMISSION_DENIED", "hold"],
    ["DEVELOPER_TOKEN_NOT_APPROVED", "hold"],
    ["PERMISSION_DENIED", "hold"],
    ["TWO_STEP_VERIFICATION_NOT_ENROLLED", "hold"],
    ["CUSTOMER_NOT_FOUND", "hold"],
    ["NOT_ADS_USER", "hold"],
    ["CUSTOMER_NOT_ENABLED", "hold"],
    ["CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS", "hold"],
    ["TERMS_AND_CONDITIONS_NOT_SIGNED", "hold"],
    ["SERVICE_DISABLED", "hold"],
    ["ACCESS_TOKEN_SCOPE_INSUFFICIENT", "hold"],
    ["CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", "hold"],
    ["OAUTH_TOKEN_INVALID", "terminal"],
    ["UNAUTHORIZED_CUSTOMER", "terminal"],
    ["NO_CONVERSION_ACTION_FOUND", "terminal"],
    ["INVALID_CONVERSION_ACTION_ID", "terminal"],
    ["constructor", "terminal"],
  ])("%s is %s", (code, expected) => {
    expect(classOfGoogleCode(code)).toBe(expected);
  });
});
