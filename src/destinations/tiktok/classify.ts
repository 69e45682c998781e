import { type RequestAnswer, requestAnswers } from "../split";

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

const { retry, hold } = requestAnswers<TikTokOutcomeCode>();

/** One answer for the whole request: TikTok does not say which event of a batch was invalid (40002 is split). */
export function classifyTikTokAnswer(httpStatus: number, body: unknown, retryAfterMs?: number): RequestAnswer {
  const code = body && typeof body === "object" ? (body as { code?: unknown }).code : undefined;
  if (httpStatus === 429 || code === 40100) return retry("tiktok_rate_limited", retryAfterMs);
  if (httpStatus >= 500 || (typeof code === "number" && code >= 50000)) return retry("tiktok_server_error", retryAfterMs);
  if (typeof code !== "number") return retry(httpStatus >= 400 ? "tiktok_unknown_error" : "malformed_response", retryAfterMs);
  if (code === 0) return { outcome: { status: "delivered" }, splittable: false };
  if (TOKEN_CODES.has(code)) {
    return hold(
      "tiktok_token_invalid",
      "TikTok rejected the access token (missing, invalid or revoked): generate a new Events API access token for the pixel and update the destination.",
    );
  }
  if (code === 40001) {
    return hold(
      "tiktok_permission_denied",
      "The access token may not send events for this pixel: check pixelCode and generate the token in the pixel's settings, then update the destination.",
    );
  }
  if (code === 40002) return { outcome: { status: "failed", code: "tiktok_invalid_event" }, splittable: true };
  // Unknown codes are retried, bounded by the 24 h window: a lost conversion costs more.
  return retry("tiktok_unknown_error", retryAfterMs);
}
