import type { ItemOutcome } from "../types";

/**
 * TikTok Business API answers → outcomes. The API answers HTTP 200 with a `code` in the body
 * (0 = OK); the Marketing API return codes (https://business-api.tiktok.com/portal/docs?id=1737172488964097)
 * name 40001 (no permission), 40002 (invalid parameter), 40100 (too many requests), 40104/40105
 * (access token missing, invalid or revoked) and 5xxxx (TikTok's internal errors).
 */
export const TIKTOK_OUTCOMES = {
  tiktok_rate_limited: "retry",
  tiktok_server_error: "retry",
  tiktok_unknown_error: "retry",
  malformed_response: "retry",
  timeout: "retry",
  network_error: "retry",
  split_budget_exhausted: "retry",
  missing_outcome: "retry",
  tiktok_token_invalid: "hold",
  tiktok_permission_denied: "hold",
  tiktok_invalid_event: "failed",
} as const;

export type TikTokOutcomeCode = keyof typeof TIKTOK_OUTCOMES;

const TOKEN_CODES = new Set([40104, 40105]);

export interface TikTokAnswer {
  outcome: ItemOutcome;
  /** The request was refused for an event in it (an invalid parameter), not for the request. */
  splittable: boolean;
}

const retry = (code: TikTokOutcomeCode, retryAfterMs?: number): ItemOutcome => ({
  status: "retry",
  code,
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});

export function classifyTikTokAnswer(httpStatus: number, body: unknown, retryAfterMs?: number): TikTokAnswer {
  const code = body && typeof body === "object" ? (body as { code?: unknown }).code : undefined;
  if (httpStatus === 429 || code === 40100) return { outcome: retry("tiktok_rate_limited", retryAfterMs), splittable: false };
  if (httpStatus >= 500 || (typeof code === "number" && code >= 50000))
    return { outcome: retry("tiktok_server_error", retryAfterMs), splittable: false };
  if (typeof code !== "number")
    return { outcome: retry(httpStatus >= 400 ? "tiktok_unknown_error" : "malformed_response", retryAfterMs), splittable: false };
  if (code === 0) return { outcome: { status: "delivered" }, splittable: false };
  if (TOKEN_CODES.has(code)) {
    return {
      outcome: {
        status: "hold",
        code: "tiktok_token_invalid",
        message:
          "TikTok rejected the access token (missing, invalid or revoked): generate a new Events API access token for the pixel and update the destination.",
      },
      splittable: false,
    };
  }
  if (code === 40001) {
    return {
      outcome: {
        status: "hold",
        code: "tiktok_permission_denied",
        message:
          "The access token may not send events for this pixel: check pixelCode and generate the token in the pixel's settings, then update the destination.",
      },
      splittable: false,
    };
  }
  if (code === 40002) return { outcome: { status: "failed", code: "tiktok_invalid_event" }, splittable: true };
  // Unknown codes are retried, bounded by the 24 h window: a lost conversion costs more.
  return { outcome: retry("tiktok_unknown_error", retryAfterMs), splittable: false };
}
