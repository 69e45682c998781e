import { postWithGoogleAuth } from "../google/http";
import { readOAuthCredentials } from "../google/oauth";
import { retryAfterMs } from "../http";
import type { ItemOutcome, SendContext } from "../types";
import { classifyUploadAnswer } from "./classify";
import type { GoogleAdsSettings } from "./payload";

/** The two upload methods of the Google Ads API the relay calls (conversions and their adjustments). */
export type UploadMethod = "uploadClickConversions" | "uploadConversionAdjustments";

/**
 * An upload request for `rows`, with partial failure on: "This should always be set to true"
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/UploadConversionAdjustmentsRequest);
 * for click conversions it is required, as without it one bad row rejects every row.
 */
export function uploadRequest(
  rowsField: "conversions" | "conversionAdjustments",
  rows: Record<string, unknown>[],
  settings: GoogleAdsSettings,
): Record<string, unknown> {
  return { [rowsField]: rows, partialFailure: true, validateOnly: settings.validateOnly };
}

export function googleAdsUploadUrl(base: string, settings: GoogleAdsSettings, method: UploadMethod): string {
  return (
    `${base.replace(/\/+$/, "")}/${encodeURIComponent(settings.apiVersion)}` +
    `/customers/${encodeURIComponent(settings.customerId)}:${method}`
  );
}

/** Headers besides `authorization` (added by the OAuth client). */
export function googleAdsHeaders(developerToken: string, settings: GoogleAdsSettings): Record<string, string> {
  return {
    "developer-token": developerToken,
    // Access through a manager account needs it; without it Google answers USER_PERMISSION_DENIED.
    ...(settings.loginCustomerId ? { "login-customer-id": settings.loginCustomerId } : {}),
  };
}

/**
 * Posts rows to one upload method with the destination's OAuth credentials and developer token,
 * the body `build` makes of them, and answers one outcome per row; undefined when the
 * credentials or the token are not set.
 */
export function googleAdsUpload<Row>(
  ctx: SendContext,
  settings: GoogleAdsSettings,
  method: UploadMethod,
  build: (rows: Row[]) => unknown,
): ((rows: Row[]) => Promise<ItemOutcome[]>) | undefined {
  const creds = readOAuthCredentials(ctx.credentials);
  const developerToken = ctx.credentials.developerToken;
  if (!creds || !developerToken) return undefined;
  const url = googleAdsUploadUrl(ctx.env.GOOGLE_ADS_API_BASE, settings, method);
  const headers = googleAdsHeaders(developerToken, settings);
  return async (rows) => {
    const answer = await postWithGoogleAuth(url, headers, build(rows), creds, ctx);
    if (answer.kind === "outcome") return rows.map(() => answer.outcome);
    return classifyUploadAnswer(rows.length, answer.status, answer.body, retryAfterMs(answer.headers, ctx.now));
  };
}
