import { describe, expect, it } from "vitest";
import { classifyRequestStatus, processingErrorCode } from "../../src/destinations/google-data-manager/request-status";

/** A RetrieveRequestStatusResponse for one destination (shape of the REST reference). */
const answer = (requestStatus: string, errorCounts?: Array<[string, number]>) => ({
  requestStatusPerDestination: [
    {
      destination: { operatingAccount: { accountType: "GOOGLE_ADS", accountId: "1" }, productDestinationId: "2" },
      requestStatus,
      ...(errorCounts ? { errorInfo: { errorCounts: errorCounts.map(([reason, n]) => ({ reason, recordCount: String(n) })) } } : {}),
      eventsIngestionStatus: { recordCount: "3" },
    },
  ],
});

describe("requestStatus:retrieve → delivery outcomes", () => {
  it("SUCCESS is delivered; PROCESSING, REQUEST_STATUS_UNKNOWN and unreadable bodies are polled again", () => {
    expect(classifyRequestStatus(answer("SUCCESS"), 3)).toEqual({ kind: "settled", outcome: { status: "delivered" } });
    expect(classifyRequestStatus(answer("PROCESSING"), 3)).toEqual({ kind: "processing" });
    expect(classifyRequestStatus(answer("REQUEST_STATUS_UNKNOWN"), 3)).toEqual({ kind: "processing" });
    expect(classifyRequestStatus("<html>", 3)).toEqual({ kind: "processing" });
    expect(classifyRequestStatus({ requestStatusPerDestination: [] }, 3)).toEqual({ kind: "processing" });
  });

  it("FAILED with one reason pins it on every event: permanent reasons fail, INTERNAL_ERROR retries", () => {
    expect(classifyRequestStatus(answer("FAILED", [["PROCESSING_ERROR_REASON_INVALID_GCLID", 3]]), 3)).toEqual({
      kind: "settled",
      outcome: { status: "failed", code: "INVALID_GCLID" },
    });
    expect(classifyRequestStatus(answer("FAILED", [["PROCESSING_ERROR_REASON_EVENT_TOO_OLD", 1]]), 1)).toEqual({
      kind: "settled",
      outcome: { status: "failed", code: "EVENT_TOO_OLD" },
    });
    expect(classifyRequestStatus(answer("FAILED", [["PROCESSING_ERROR_REASON_NO_CONSENT", 1]]), 1)).toEqual({
      kind: "settled",
      outcome: { status: "failed", code: "NO_CONSENT" },
    });
    expect(classifyRequestStatus(answer("FAILED", [["PROCESSING_ERROR_REASON_INTERNAL_ERROR", 2]]), 2)).toEqual({
      kind: "settled",
      outcome: { status: "retry", code: "INTERNAL_ERROR" },
    });
    // Already recorded (an earlier send, the Google tag): that is the goal reached.
    expect(classifyRequestStatus(answer("FAILED", [["PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID", 1]]), 1)).toEqual({
      kind: "settled",
      outcome: { status: "delivered" },
    });
    expect(classifyRequestStatus(answer("FAILED"), 2)).toEqual({ kind: "settled", outcome: { status: "retry", code: "UNSPECIFIED" } });
  });

  it("PARTIAL_SUCCESS or several reasons: which event failed is not said, so each is resent alone", () => {
    expect(classifyRequestStatus(answer("PARTIAL_SUCCESS", [["PROCESSING_ERROR_REASON_INVALID_GCLID", 1]]), 3)).toEqual({
      kind: "ambiguous",
      reasons: ["INVALID_GCLID"],
    });
    expect(
      classifyRequestStatus(
        answer("FAILED", [
          ["PROCESSING_ERROR_REASON_INVALID_GCLID", 1],
          ["PROCESSING_ERROR_REASON_EVENT_TOO_OLD", 1],
        ]),
        2,
      ),
    ).toEqual({ kind: "ambiguous", reasons: ["INVALID_GCLID", "EVENT_TOO_OLD"] });
    // A single event's request cannot be ambiguous.
    expect(classifyRequestStatus(answer("PARTIAL_SUCCESS", [["PROCESSING_ERROR_REASON_INVALID_GBRAID", 1]]), 1)).toEqual({
      kind: "settled",
      outcome: { status: "failed", code: "INVALID_GBRAID" },
    });
  });

  it("codes drop the enum prefix; a missing reason is UNSPECIFIED", () => {
    expect(processingErrorCode("PROCESSING_ERROR_REASON_INVALID_GCLID")).toBe("INVALID_GCLID");
    expect(processingErrorCode(undefined)).toBe("UNSPECIFIED");
  });
});
