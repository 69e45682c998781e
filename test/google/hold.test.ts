import { describe, expect, it } from "vitest";
import { classifyUploadAnswer } from "../../src/destinations/google-ads/classify";
import { classifyIngestAnswer } from "../../src/destinations/google-data-manager/classify";

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
