import type { ItemOutcome } from "../types";

/**
 * Google error codes → retry classes, shared by the Ads API and the Data Manager API
 * (https://developers.google.com/google-ads/api/docs/best-practices/understand-api-errors,
 * https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest). Pure: no I/O, no clock.
 */

/** One Google error reduced to what classification needs: its enum code and, if known, its row. */
export interface GoogleRowError {
  code: string;
  /** Index into the request's `conversions` / `events`; undefined for a request-level error. */
  row?: number;
}

/** Google keeps one conversion per (action, order id): a repeat means the first one counted. */
const DUPLICATE = new Set([
  // ConversionAdjustmentUploadError: "The conversion has a prior restatement with the same
  // adjustment_date_time" — our own earlier send of this adjustment
  // (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustmentUploadErrorEnum.ConversionAdjustmentUploadError).
  "RESTATEMENT_ALREADY_EXISTS",
  "ORDER_ID_ALREADY_IN_USE",
  "CLICK_CONVERSION_ALREADY_EXISTS",
]);

/**
 * Rows Google did not process because another row of the same request clashed with them, so they
 * are not delivered; each is sent again in a request of its own (src/destinations/google/batch.ts),
 * where the first counts and a repeat of a recorded order comes back ORDER_ID_ALREADY_IN_USE
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadErrorEnum.ConversionUploadError):
 * - DUPLICATE_CLICK_CONVERSION_IN_REQUEST, "Multiple events have the same click and
 *   `conversion_date_time`";
 * - DUPLICATE_ORDER_ID, "Imported events include multiple conversions with the same order ID and
 *   were not processed" (the relay keeps a repeated order id out of a request, but Google is the
 *   judge of which order ids are the same).
 */
const SENT_ALONE = new Set(["DUPLICATE_CLICK_CONVERSION_IN_REQUEST", "DUPLICATE_ORDER_ID"]);

/** Whether a row's retry code means "send it again in a request of its own". */
export function isSentAlone(code: string | undefined): boolean {
  return code !== undefined && SENT_ALONE.has(code);
}

/** Quota, internal and contention errors: the same request can succeed later. */
const TRANSIENT = new Set([
  "CONCURRENT_MODIFICATION",
  "RESOURCE_EXHAUSTED",
  "RESOURCE_TEMPORARILY_EXHAUSTED",
  "INTERNAL_ERROR",
  "INTERNAL",
  "TRANSIENT_ERROR",
  "DEADLINE_EXCEEDED",
  "UNAVAILABLE",
  "ABORTED",
  // Two adjustments of one conversion with the same time in one request: not processed, sent again.
  "DUPLICATE_ADJUSTMENT_IN_REQUEST",
]);

/**
 * TOO_RECENT_EVENT ("Retry after 6 hours have passed"), TOO_RECENT_CONVERSION_ACTION ("Try importing
 * again in 6 hours"), TOO_RECENT_CALL:
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadErrorEnum.ConversionUploadError
 */
export const TOO_RECENT_RETRY_MS = 6 * 60 * 60 * 1000;

/** Set on rows that were fine but not processed because Google rejected the request they were in. */
export const REJECTED_WITH_BATCH = "rejected_with_batch";

/** The hold message for a Google Ads API version Google no longer serves: names the settings to change. */
export const RETIRED_ADS_VERSION_MESSAGE =
  "Google no longer serves the Google Ads API version this destination uses: remove the destination's apiVersion setting " +
  "(or set a supported one) and update the destination; without a pin the version is the operator's GOOGLE_ADS_API_VERSION, which may need raising.";

// Messages several codes share: each tells the tenant what to change before updating the destination.
const ADS_ACCESS_MESSAGE =
  "Google did not authorize the OAuth user to upload conversions to the Google Ads account: give that user Standard or Admin access " +
  "to the account (or set loginCustomerId to a manager account that has it), then update the destination.";
const ADS_DEVELOPER_TOKEN_MESSAGE =
  "Google does not accept the Google Ads developer token for this request: check the developer token and the Google Cloud project " +
  "of the OAuth client it goes with (Google Ads API Center), then update the destination.";
const ADS_CLOUD_ORGANIZATION_MESSAGE =
  "Google has not approved the Google Cloud organization of the OAuth client's project for the Google Ads API: use an OAuth client " +
  "of an approved project (or get the organization approved), then update the destination.";
const REAUTHORIZE = "authorize Sluice again and update the destination with the new refresh token.";
const PERMISSION_MESSAGE =
  "Google denied access to the destination account: grant the OAuth user access to the account (and operating account), then update the destination.";

/**
 * Credential, permission and account-setup errors: every row would fail the same way until the
 * tenant acts, so the lane is held (its deliveries stay queued) with a message saying what to do.
 * Errors about one row's data, and the relay's own requests, are not here.
 * - Google Ads AuthorizationError (every code that can answer a conversion upload; not
 *   METRIC_ACCESS_DENIED, which concerns reports):
 *   https://developers.google.com/google-ads/api/reference/rpc/latest/AuthorizationErrorEnum.AuthorizationError
 * - Google Ads AuthenticationError (codes about the account or the authorization; the bare
 *   access-token codes, AUTHENTICATION_ERROR and the cookie codes stay failures, as a 401 that
 *   survives a token refresh does: src/destinations/google/http.ts):
 *   https://developers.google.com/google-ads/api/reference/rpc/latest/AuthenticationErrorEnum.AuthenticationError
 * - CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS ("agree to the customer data processing terms in
 *   conversion settings"):
 *   https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadErrorEnum.ConversionUploadError
 * - Allowlisting: https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadService/UploadClickConversions
 * - Data Manager ErrorReason (PERMISSION_DENIED, TERMS_AND_CONDITIONS_NOT_SIGNED,
 *   DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED):
 *   https://developers.google.com/data-manager/api/reference/rest/v1/ErrorReason
 * - The `googleapis.com` ErrorInfo reasons any Google API sends with a 403 (SERVICE_DISABLED,
 *   ACCESS_TOKEN_SCOPE_INSUFFICIENT):
 *   https://cloud.google.com/dotnet/docs/reference/Google.Api.CommonProtos/latest/Google.Api.ErrorReason
 *   (https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto); the scope
 *   "https://www.googleapis.com/auth/datamanager is required for any credential used with the Data
 *   Manager API" (https://developers.google.com/data-manager/api/get-started/set-up-access).
 */
export const HOLD_MESSAGES: Record<string, string> = {
  // Google Ads AuthorizationError
  USER_PERMISSION_DENIED:
    "Google denied access to the customer account: grant the OAuth user access, or set loginCustomerId to the manager account, then update the destination.",
  AUTHORIZATION_ERROR: ADS_ACCESS_MESSAGE,
  ACTION_NOT_PERMITTED: ADS_ACCESS_MESSAGE,
  DEVELOPER_TOKEN_NOT_APPROVED:
    "The Google Ads developer token is not approved for this account: apply for Basic access or use a test account, then update the destination.",
  CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION:
    "The Google Cloud project of the OAuth client may reach Google Ads test accounts only: apply for Explorer, Basic or Standard " +
    "access to the Google Ads API for it (or use a test account), then update the destination.",
  DEVELOPER_TOKEN_NOT_ON_ALLOWLIST: ADS_DEVELOPER_TOKEN_MESSAGE,
  DEVELOPER_TOKEN_PROHIBITED: ADS_DEVELOPER_TOKEN_MESSAGE,
  SERVICE_ACCESS_DENIED: ADS_DEVELOPER_TOKEN_MESSAGE,
  PROJECT_DISABLED:
    "The Google Cloud project of the OAuth client may not use the Google Ads API: enable the Google Ads API in that project, then update the destination.",
  CLOUD_PROJECT_NOT_UNDER_ORGANIZATION:
    "The Google Cloud project of the OAuth client is not under the organization Google requires for the Google Ads API: " +
    "use an OAuth client of a project under it, then update the destination.",
  MISSING_TOS:
    "The Google Ads API terms of service have not been accepted for the OAuth client's Google Cloud project: accept them " +
    "(Google Cloud console, Google Ads APIs), then update the destination.",
  INCOMPLETE_SIGNUP: "The Google Ads account's sign-up is not complete: finish it in Google Ads, then update the destination.",
  CUSTOMER_NOT_ENABLED:
    "The Google Ads account is not enabled yet or has been deactivated: enable or reactivate it in Google Ads (or set customerId " +
    "to an active account), then update the destination.",
  ACTION_NOT_PERMITTED_FOR_SUSPENDED_ACCOUNT:
    "The Google Ads account is suspended: resolve the suspension in Google Ads, then update the destination.",
  INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION:
    "The manager account in loginCustomerId does not manage the account in customerId: set loginCustomerId to a manager of that " +
    "account (or remove it), then update the destination.",
  ACCESS_DENIED_FOR_ACCOUNT_TYPE:
    "The customerId (or loginCustomerId) account is not a Google Ads account: set both to Google Ads accounts, then update the destination.",
  // Google Ads AuthenticationError
  CUSTOMER_NOT_FOUND:
    "Google found no Google Ads account with this customerId: correct customerId (and loginCustomerId), then update the destination.",
  NOT_ADS_USER:
    "The Google account that authorized Sluice is not a user of any Google Ads account: add it as a user of the account, or " +
    "authorize with a Google account that is one, then update the destination.",
  GOOGLE_ACCOUNT_DELETED: `The Google account that authorized Sluice was deleted: with a Google account that has access to the Google Ads account, ${REAUTHORIZE}`,
  TWO_STEP_VERIFICATION_NOT_ENROLLED: `The Google Ads account requires 2-Step Verification: turn it on for the Google account that authorized Sluice, then ${REAUTHORIZE}`,
  ADVANCED_PROTECTION_NOT_ENROLLED: `The Google Ads account requires Advanced Protection: turn it on for the Google account that authorized Sluice, then ${REAUTHORIZE}`,
  OAUTH_TOKEN_REVOKED: `Google revoked the OAuth authorization: ${REAUTHORIZE}`,
  OAUTH_TOKEN_DISABLED: `Google disabled the OAuth authorization: ${REAUTHORIZE}`,
  ORGANIZATION_NOT_RECOGNIZED: ADS_CLOUD_ORGANIZATION_MESSAGE,
  ORGANIZATION_NOT_APPROVED: ADS_CLOUD_ORGANIZATION_MESSAGE,
  ORGANIZATION_NOT_ASSOCIATED_WITH_DEVELOPER_TOKEN: ADS_DEVELOPER_TOKEN_MESSAGE,
  DEVELOPER_TOKEN_INVALID: ADS_DEVELOPER_TOKEN_MESSAGE,
  // Google Ads account setup
  CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE:
    "This Google Ads account may not upload click conversions (closed to new integrations): add a google_data_manager destination instead, or update this one once Google allowlists the account.",
  CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS:
    "The Google Ads account has not accepted the customer data terms: accept them in the account's conversion settings in Google Ads, then update the destination.",
  // Data Manager ErrorReason
  PERMISSION_DENIED: PERMISSION_MESSAGE,
  TERMS_AND_CONDITIONS_NOT_SIGNED:
    "The destination account has not accepted terms Google requires for this data (for Google Ads, the customer data terms in " +
    "its conversion settings): accept them, then update the destination.",
  DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED:
    "The destination account has not agreed to the terms for enhanced conversions: accept them in its conversion settings, then update the destination.",
  // googleapis.com ErrorInfo reasons
  SERVICE_DISABLED:
    "The Google API this destination calls (the Data Manager API, or the Google Ads API) is not enabled in the OAuth client's " +
    "Google Cloud project: enable it in the Google Cloud console, then update the destination.",
  ACCESS_TOKEN_SCOPE_INSUFFICIENT:
    "The OAuth authorization lacks the scope this API needs (https://www.googleapis.com/auth/datamanager for Data Manager, " +
    `https://www.googleapis.com/auth/adwords for Google Ads): with that scope, ${REAUTHORIZE}`,
  // Google retires each Ads API version about a year after its release
  // (https://developers.google.com/google-ads/api/docs/sunset-dates); requests to it then fail.
  UNSUPPORTED_VERSION: RETIRED_ADS_VERSION_MESSAGE,
};

export type GoogleErrorClass = "duplicate" | "not_processed_in_request" | "too_recent" | "transient" | "hold" | "terminal";

export function classOfGoogleCode(code: string): GoogleErrorClass {
  if (Object.hasOwn(HOLD_MESSAGES, code)) return "hold";
  if (DUPLICATE.has(code)) return "duplicate";
  if (SENT_ALONE.has(code)) return "not_processed_in_request";
  if (code.startsWith("TOO_RECENT_")) return "too_recent";
  if (TRANSIENT.has(code)) return "transient";
  // Data errors (UNPARSEABLE_GCLID …) and configuration errors (NO_CONVERSION_ACTION_FOUND …) fail
  // the same way on every retry: recorded, not retried.
  return "terminal";
}

export function outcomeForCode(code: string, retryAfterMs?: number): ItemOutcome {
  switch (classOfGoogleCode(code)) {
    case "duplicate":
      return { status: "delivered" };
    case "not_processed_in_request":
      return { status: "retry", code, perRow: true };
    case "too_recent":
      // A fresh click or conversion action, not an unhealthy API: never counts toward the breaker.
      return { status: "retry", code, retryAfterMs: Math.max(TOO_RECENT_RETRY_MS, retryAfterMs ?? 0), perRow: true };
    case "transient":
      return { status: "retry", code, retryAfterMs };
    case "hold":
      return { status: "hold", code, message: HOLD_MESSAGES[code]! };
    case "terminal":
      return { status: "failed", code };
  }
}

// Which outcome wins when one row has several errors: an error that will recur beats one that may
// pass, and both beat "already delivered".
// A hold beats all: the tenant must act before any row can go.
const SEVERITY: Record<ItemOutcome["status"], number> = { hold: 3, failed: 2, retry: 1, processing: 0, delivered: 0 };

function worst(outcomes: ItemOutcome[]): ItemOutcome {
  return outcomes.reduce((a, b) => (SEVERITY[b.status] > SEVERITY[a.status] ? b : a));
}

/**
 * Outcomes for a request Google rejected as a whole (non-2xx). Throttling and server errors retry
 * every row. When every error names its row, those rows are classified one by one and the others
 * are marked REJECTED_WITH_BATCH (not processed, safe to resend). Otherwise the request-level
 * error applies to every row.
 */
export function classifyRejectedRequest(
  count: number,
  httpStatus: number,
  errors: GoogleRowError[],
  fallbackCode: string,
  retryAfterMs?: number,
): ItemOutcome[] {
  const all = (outcome: ItemOutcome) => Array.from({ length: count }, () => outcome);
  const firstCode = errors[0]?.code ?? fallbackCode;
  if (httpStatus === 429 || httpStatus >= 500) return all({ status: "retry", code: firstCode, retryAfterMs });
  const transient = errors.find((e) => classOfGoogleCode(e.code) === "transient");
  if (transient) return all({ status: "retry", code: transient.code, retryAfterMs });
  // Google's canonical status comes first ("always check this code first",
  // https://developers.google.com/data-manager/api/devguides/concepts/understand-errors): 403
  // PERMISSION_DENIED means "the caller does not have permission to execute the specified operation"
  // (https://cloud.google.com/service-control/reference/rpc/google.rpc#code), whatever ErrorInfo
  // reason names the cause (SERVICE_DISABLED, ACCESS_TOKEN_SCOPE_INSUFFICIENT …).
  if (httpStatus === 403 || fallbackCode === "PERMISSION_DENIED") return all(permissionHold(errors, fallbackCode));
  if (errors.length === 0) return all(outcomeForCode(fallbackCode, retryAfterMs));
  // A permission error concerns the request, even when Google pins it on a row.
  const hold = errors.find((e) => classOfGoogleCode(e.code) === "hold");
  if (hold) return all(outcomeForCode(hold.code));

  const rowed = errors.every((e) => e.row !== undefined && e.row >= 0 && e.row < count);
  if (rowed) {
    return Array.from({ length: count }, (_, i) => {
      const mine = errors.filter((e) => e.row === i).map((e) => outcomeForCode(e.code, retryAfterMs));
      return mine.length > 0 ? asPerRow(worst(mine)) : { status: "retry", code: REJECTED_WITH_BATCH, perRow: true };
    });
  }
  // A request-level error: rows cannot be told apart, so the most serious code decides for all.
  return all(worst(errors.map((e) => outcomeForCode(e.code, retryAfterMs))));
}

/**
 * The hold for a request denied as a whole: the most telling code (one with a message of its own,
 * else Google's first reason, else the status name) and what the tenant should do about it.
 */
function permissionHold(errors: GoogleRowError[], fallbackCode: string): ItemOutcome {
  const known = errors.find((e) => classOfGoogleCode(e.code) === "hold");
  if (known) return outcomeForCode(known.code);
  return { status: "hold", code: errors[0]?.code ?? fallbackCode, message: PERMISSION_MESSAGE };
}

/**
 * Outcomes for an HTTP 200 carrying a `partialFailureError` (Ads API, partialFailure mode).
 * Errors map to rows by their field path index; a row Google answered with an empty result but
 * no error of its own takes any request-level errors, or is retried (a resend of a row that did
 * count comes back ORDER_ID_ALREADY_IN_USE, which counts as delivered).
 */
export function classifyPartialFailure(count: number, errors: GoogleRowError[], results: unknown[] | undefined): ItemOutcome[] {
  const unplaced = errors.filter((e) => e.row === undefined || e.row < 0 || e.row >= count);
  // validateOnly answers return no results at all; only a full list says which rows failed.
  const fullResults = results !== undefined && results.length === count;
  // Google answered (HTTP 200): whatever is retried here is about rows, not about its health.
  return Array.from({ length: count }, (_, i) => {
    const mine = errors.filter((e) => e.row === i);
    if (mine.length > 0) return asPerRow(worst(mine.map((e) => outcomeForCode(e.code))));
    // Without a full result list a row-less error may concern any row.
    const maybeFailed = fullResults ? isEmptyObject(results[i]) : unplaced.length > 0;
    if (!maybeFailed) return { status: "delivered" };
    if (unplaced.length > 0) return asPerRow(worst(unplaced.map((e) => outcomeForCode(e.code))));
    return { status: "retry", code: "partial_failure_unmapped", perRow: true };
  });
}

/** A retry that concerns only its row (see ItemOutcome `perRow`). */
function asPerRow(outcome: ItemOutcome): ItemOutcome {
  return outcome.status === "retry" ? { ...outcome, perRow: true } : outcome;
}

function isEmptyObject(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0);
}

// ---------------------------------------------------------------------------------------------
// Body parsing: google.rpc.Status with Ads API GoogleAdsFailure or standard detail payloads.

interface AdsErrorJson {
  errorCode?: Record<string, unknown>;
  location?: { fieldPathElements?: Array<{ fieldName?: string; index?: number | string }> };
}

interface StatusJson {
  code?: number;
  status?: string;
  details?: unknown[];
}

/** The request collections whose index locates a row (Ads: `conversions`; DM: `events`). */
const ROW_COLLECTIONS = new Set(["conversions", "conversion_adjustments", "conversionAdjustments", "operations", "events"]);

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `{ conversionUploadError: "UNPARSEABLE_GCLID" }` → `UNPARSEABLE_GCLID`. */
function adsErrorCode(err: AdsErrorJson): string | undefined {
  const value = Object.values(err.errorCode ?? {}).find((v) => typeof v === "string" && v !== "");
  return value as string | undefined;
}

/**
 * The row an Ads API error is located at. `FieldPathElement.index` is an `optional int64`
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/ErrorLocation.FieldPathElement),
 * so a zero index is present when set, and proto3 JSON may write an int64 as a string. A path
 * naming the collection without an index (`conversions`, e.g. TOO_MANY_CONVERSIONS_IN_REQUEST)
 * concerns the request as a whole, not row 0.
 */
function adsErrorRow(err: AdsErrorJson): number | undefined {
  const element = err.location?.fieldPathElements?.find((e) => e.fieldName !== undefined && ROW_COLLECTIONS.has(e.fieldName));
  const index = typeof element?.index === "string" && /^\d+$/.test(element.index) ? Number(element.index) : element?.index;
  return typeof index === "number" && Number.isInteger(index) ? index : undefined;
}

/** `events[3].user_data…` or `events.3.…` → 3 (AIP-161 field paths in BadRequest violations). */
function fieldPathRow(field: unknown): number | undefined {
  if (typeof field !== "string") return undefined;
  const m = /(?:^|\.)(?:events|conversions|conversion_adjustments)(?:\[(\d+)\]|\.(\d+))/.exec(field);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/**
 * Every error in a google.rpc.Status: Ads API `GoogleAdsFailure.errors[]` (with their row), Data
 * Manager `BadRequest.fieldViolations[]` (reason and row from the field path), else the
 * `ErrorInfo.reason`. Empty when the body says nothing structured.
 */
export function googleStatusErrors(status: unknown): GoogleRowError[] {
  const details = (asObject(status) as StatusJson | undefined)?.details;
  if (!Array.isArray(details)) return [];
  const errors: GoogleRowError[] = [];
  const infoReasons: string[] = [];
  for (const raw of details) {
    const detail = asObject(raw);
    if (!detail) continue;
    if (Array.isArray(detail.errors)) {
      for (const e of detail.errors as AdsErrorJson[]) {
        const code = asObject(e) ? adsErrorCode(e) : undefined;
        if (code) errors.push({ code, row: adsErrorRow(e) });
      }
    }
    if (Array.isArray(detail.fieldViolations)) {
      for (const v of detail.fieldViolations as Array<Record<string, unknown>>) {
        const reason = asObject(v)?.reason;
        errors.push({ code: typeof reason === "string" && reason ? reason : "INVALID_ARGUMENT", row: fieldPathRow(v?.field) });
      }
    }
    if (typeof detail.reason === "string" && detail.reason) infoReasons.push(detail.reason);
  }
  return errors.length > 0 ? errors : infoReasons.map((code) => ({ code }));
}

/** The code to record when Google gave no structured error: its status name, else the HTTP status. */
export function googleStatusName(status: unknown, httpStatus: number): string {
  const name = (asObject(status) as StatusJson | undefined)?.status;
  return typeof name === "string" && /^[A-Z_]+$/.test(name) ? name : `http_${httpStatus}`;
}

/**
 * Google's own wait before a retry, in ms, from the error body: the Ads API puts it in each
 * quota error's `details.quotaErrorDetails.retryDelay`
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/QuotaErrorDetails) and sends no
 * Retry-After header; other Google APIs use a `google.rpc.RetryInfo` detail
 * (https://cloud.google.com/apis/design/errors#error_details). Both are protobuf Durations, which
 * JSON writes as seconds with an `s` suffix ("30s", "1.5s"). The longest one found, or undefined.
 */
export function googleRetryDelayMs(status: unknown): number | undefined {
  const details = (asObject(status) as StatusJson | undefined)?.details;
  if (!Array.isArray(details)) return undefined;
  const delays: number[] = [];
  for (const raw of details) {
    const detail = asObject(raw);
    if (!detail) continue;
    pushDuration(delays, detail.retryDelay);
    if (Array.isArray(detail.errors)) {
      for (const e of detail.errors) pushDuration(delays, asObject(asObject(asObject(e)?.details)?.quotaErrorDetails)?.retryDelay);
    }
  }
  return delays.length > 0 ? Math.max(...delays) : undefined;
}

/** Google waits no longer than a day in practice; anything beyond is not a delay we can honour. */
const MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000;

function pushDuration(out: number[], value: unknown): void {
  let seconds: number | undefined;
  if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    if (m) seconds = Number(m[1]);
  } else if (asObject(value)) {
    // The proto form, { seconds, nanos }, seen in some client libraries' JSON.
    const d = value as { seconds?: unknown; nanos?: unknown };
    const whole = Number(d.seconds ?? 0);
    const nanos = Number(d.nanos ?? 0);
    if (Number.isFinite(whole) && Number.isFinite(nanos)) seconds = whole + nanos / 1e9;
  }
  if (seconds !== undefined && seconds > 0) out.push(Math.min(Math.round(seconds * 1000), MAX_RETRY_DELAY_MS));
}

/** The later of a Retry-After header and Google's body `retryDelay` (either may be absent). */
export function googleRetryAfterMs(headerMs: number | undefined, status: unknown): number | undefined {
  const bodyMs = googleRetryDelayMs(status);
  if (headerMs === undefined) return bodyMs;
  return bodyMs === undefined ? headerMs : Math.max(headerMs, bodyMs);
}
