import { beforeEach, describe, expect, it } from "vitest";
import { createGoogleApis, type GoogleApis } from "../../sandbox/google.mjs";
import type { ApiResponse } from "../../sandbox/server.mjs";
import { googleAdsAdjustments } from "../../src/destinations/google-ads/adjustments";
import type { AdjustmentItem } from "../../src/destinations/types";
import type { RelayAdjustment } from "../../src/events/adjustment";
import {
  ADS_SETTINGS,
  OAUTH_CREDENTIALS,
  emulatorRequest,
  emulatorToken,
  scriptedFetch,
  sendContext,
  tokenResponse,
} from "../google/helpers";

// The sandbox's Google emulators on their own: they take both adjustment shapes and refuse
// malformed ones as Google documents; and the Ads adapter's reading of Google's adjustment answers.

let apis: GoogleApis;
const ctx = { now: () => Date.parse("2026-11-22T12:00:00Z") };
const request = emulatorRequest;
const json = (answer: ApiResponse) => answer.body as any;
const bearer = () => `Bearer ${json(emulatorToken(apis, ctx.now)).access_token}`;

const ACTION = "customers/1234567890/conversionActions/42";
const ads = (method: "uploadClickConversions" | "uploadConversionAdjustments", body: unknown) =>
  apis.ads.handle(
    request({ path: `/v25/customers/1234567890:${method}`, headers: { authorization: bearer(), "developer-token": "dev" }, body }),
    ctx,
  );
const dm = (body: unknown) =>
  apis.dataManager.handle(request({ path: "/v1/events:ingest", headers: { authorization: bearer() }, body }), ctx);

const adjustment = (over: Record<string, unknown> = {}) => ({
  conversionAction: ACTION,
  adjustmentType: "RETRACTION",
  adjustmentDateTime: "2026-11-22 11:00:00+00:00",
  orderId: "o-1",
  ...over,
});
const codes = (answer: ApiResponse) =>
  (json(answer).partialFailureError?.details[0].errors ?? []).map((e: any) => [
    Object.values(e.errorCode)[0],
    e.location.fieldPathElements[0],
  ]);

beforeEach(() => {
  apis = createGoogleApis();
  const recorded = ads("uploadClickConversions", {
    conversions: [
      {
        conversionAction: ACTION,
        conversionDateTime: "2026-11-22 10:00:00+00:00",
        conversionValue: 49,
        currencyCode: "EUR",
        orderId: "o-1",
        gclid: "Cj0_ok",
      },
    ],
    partialFailure: true,
  });
  expect(json(recorded).partialFailureError).toBeUndefined();
});

describe("Ads emulator: uploadConversionAdjustments", () => {
  it("applies a restatement, then a retraction, echoing ConversionAdjustmentResult", () => {
    const restated = ads("uploadConversionAdjustments", {
      conversionAdjustments: [adjustment({ adjustmentType: "RESTATEMENT", restatementValue: { adjustedValue: 30, currencyCode: "EUR" } })],
      partialFailure: true,
    });
    expect(restated.status).toBe(200);
    expect(json(restated)).toMatchObject({ results: [{ orderId: "o-1", conversionAction: ACTION, adjustmentType: "RESTATEMENT" }] });
    const retracted = ads("uploadConversionAdjustments", {
      conversionAdjustments: [adjustment({ adjustmentDateTime: "2026-11-22 11:30:00+00:00" })],
      partialFailure: true,
    });
    expect(json(retracted).partialFailureError).toBeUndefined();
    // Retracted already: the documented answer, the row not processed.
    const again = ads("uploadConversionAdjustments", {
      conversionAdjustments: [adjustment({ adjustmentDateTime: "2026-11-22 11:40:00+00:00" })],
      partialFailure: true,
    });
    expect(codes(again)).toEqual([["CONVERSION_ALREADY_RETRACTED", { fieldName: "conversion_adjustments", index: 0 }]]);
    expect(json(again).results).toEqual([{}]);
  });

  it("refuses malformed rows as the API does, each at its row", () => {
    const answer = ads("uploadConversionAdjustments", {
      conversionAdjustments: [
        adjustment({ restatementValue: { adjustedValue: 1 } }),
        adjustment({ adjustmentType: "RESTATEMENT" }),
        adjustment({ orderId: "never-uploaded" }),
        adjustment({ userIdentifiers: [{ hashedEmail: "a".repeat(64) }] }),
        adjustment({ adjustmentDateTime: "2026-11-22T11:00:00Z" }),
        adjustment({ adjustmentDateTime: "2026-11-22 09:00:00+00:00" }),
        adjustment({ orderId: undefined }),
      ],
      partialFailure: true,
    });
    expect(answer.status).toBe(200);
    expect(codes(answer).map(([code]: [string]) => code)).toEqual([
      "VALUE_MUST_BE_UNSET",
      "REQUIRED",
      "CONVERSION_NOT_FOUND",
      "UNSUPPORTED_USER_IDENTIFIER",
      "INVALID_FIELD_VALUES_IN_DATE_TIME",
      "ADJUSTMENT_PRECEDES_CONVERSION",
      "REQUIRED",
    ]);
    // An unknown field fails the whole request.
    const unknown = ads("uploadConversionAdjustments", {
      conversionAdjustments: [adjustment({ conversionValue: 0 })],
      partialFailure: true,
    });
    expect(unknown.status).toBe(400);
  });

  it("answers two adjustments of one conversion at the same time in one request DUPLICATE_ADJUSTMENT_IN_REQUEST", () => {
    const restate = adjustment({ adjustmentType: "RESTATEMENT", restatementValue: { adjustedValue: 30 } });
    expect(codes(ads("uploadConversionAdjustments", { conversionAdjustments: [restate, restate], partialFailure: true }))[0][0]).toBe(
      "DUPLICATE_ADJUSTMENT_IN_REQUEST",
    );
  });
});

describe("Data Manager emulator: adjustments through events:ingest", () => {
  const destinations = [{ operatingAccount: { accountType: "GOOGLE_ADS", accountId: "1234567890" }, productDestinationId: "42" }];
  const restatement = {
    transactionId: "t-1",
    eventTimestamp: "2026-11-22T11:00:00Z",
    conversionValue: 0,
    currency: "EUR",
    eventSource: "WEB",
  };

  it("takes an identifier-less event only as the restatement of a conversion it ingested", () => {
    const unmatched = dm({ destinations, events: [restatement] });
    expect(unmatched.status).toBe(400);
    expect(json(unmatched).error.details[1].fieldViolations[0]).toMatchObject({ field: "events[0]", reason: "NO_IDENTIFIERS_PROVIDED" });

    const conversion = dm({ destinations, events: [{ ...restatement, conversionValue: 49, adIdentifiers: { gclid: "Cj0_ok" } }] });
    expect(conversion.status).toBe(200);
    const restated = dm({ destinations, events: [restatement] });
    expect(restated.status).toBe(200);
    expect(json(restated).requestId).toEqual(expect.any(String));
    // Still validated: a malformed time is refused like any event's.
    expect(dm({ destinations, events: [{ ...restatement, eventTimestamp: "yesterday" }] }).status).toBe(400);
  });
});

describe("Google Ads adapter: the documented answers to adjustments", () => {
  const item = (full: boolean, eventId: string): AdjustmentItem => ({
    eventId,
    adjustment: {
      sourceId: "shop",
      dedupKey: eventId,
      orderId: `order-${eventId}`,
      eventName: full ? "Cancellation" : "Refund",
      occurredAt: Date.parse("2026-11-22T11:00:00Z"),
      value: full ? 0 : 30,
      currency: "EUR",
      items: [],
      clickIds: {},
      client: {},
      identity: {},
      subjectKeys: [],
      adjustment: { kind: full ? "cancellation" : "refund", full },
    } as RelayAdjustment,
  });
  const error = (code: string, index: number) => ({
    errorCode: { conversionAdjustmentUploadError: code },
    message: code,
    location: { fieldPathElements: [{ fieldName: "conversion_adjustments", index }] },
  });

  it("already retracted counts for a retraction, not for a restatement; too recent waits 6 h; not found fails", async () => {
    const { fetch } = scriptedFetch((_req, i) =>
      i === 0
        ? tokenResponse("tok")
        : Response.json({
            partialFailureError: {
              code: 3,
              message: "partial",
              details: [
                {
                  "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure",
                  errors: [
                    error("CONVERSION_ALREADY_RETRACTED", 0),
                    error("CONVERSION_ALREADY_RETRACTED", 1),
                    error("TOO_RECENT_CONVERSION", 2),
                    error("CONVERSION_NOT_FOUND", 3),
                  ],
                },
              ],
            },
            results: [{}, {}, {}, {}],
          }),
    );
    const outcomes = await googleAdsAdjustments.send(
      [item(true, "a"), item(false, "b"), item(true, "c"), item(true, "d")],
      sendContext(fetch, ADS_SETTINGS, { developerToken: "dev", ...OAUTH_CREDENTIALS }),
    );
    expect(outcomes[0]).toEqual({ status: "delivered" });
    expect(outcomes[1]).toEqual({ status: "failed", code: "CONVERSION_ALREADY_RETRACTED" });
    expect(outcomes[2]).toMatchObject({ status: "retry", code: "TOO_RECENT_CONVERSION", retryAfterMs: 6 * 60 * 60 * 1000 });
    expect(outcomes[3]).toEqual({ status: "failed", code: "CONVERSION_NOT_FOUND" });
  });
});
