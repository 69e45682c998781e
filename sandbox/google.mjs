// Emulation of Google's OAuth token endpoint, the Google Ads API `UploadClickConversions` and the
// Data Manager API `events:ingest`: one ApiModule each (the interface of server.mjs), mounted so
// a relay with
//   GOOGLE_OAUTH_TOKEN_URL       = <sandbox>/google-oauth/token
//   GOOGLE_ADS_API_BASE          = <sandbox>/google-ads
//   GOOGLE_DATA_MANAGER_API_BASE = <sandbox>/google-dm
// talks to it unchanged. The three share one state (see createGoogleApis): only tokens issued by
// the OAuth emulator are accepted by the other two, and order ids the Ads emulator recorded make a
// repeat answer ORDER_ID_ALREADY_IN_USE.
//
// What it mirrors (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadService/UploadClickConversions,
// https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest):
// - OAuth: form-encoded refresh_token grant → {access_token, expires_in, scope, token_type};
//   errors as {error, error_description} (invalid_grant 400, invalid_client 401, …).
// - Ads: partialFailure mode answers HTTP 200 with `results[i] = {}` for a failed row and a
//   `partialFailureError` whose GoogleAdsFailure errors carry
//   `location.fieldPathElements[{fieldName: "conversions", index}]` (the shape
//   https://developers.google.com/google-ads/api/docs/best-practices/partial-failures shows); whole-request errors as {error: {code, message, status, details}}.
//   Codes and messages of conversion_upload_error.proto (v22+).
// - Data Manager: fast fail, a 400 google.rpc.Status with ErrorInfo and BadRequest field
//   violations (`events[2].…`, ErrorReason of error.proto), else 200 {requestId} (nothing at all
//   for validateOnly); `GET /v1/requestStatus:retrieve?requestId=` answers as documented
//   (https://developers.google.com/data-manager/api/reference/rest/v1/requestStatus/retrieve):
//   SUCCESS, or, for a request with processing errors, PROCESSING on the first read and then
//   FAILED / PARTIAL_SUCCESS with `errorInfo.errorCounts` [{recordCount, reason}] (counts per
//   ProcessingErrorReason, never which event). Processing errors come from the event's gclid:
//     INVALID_GCLID… → PROCESSING_ERROR_REASON_INVALID_GCLID   EVENT_TOO_OLD… → …_EVENT_TOO_OLD
//     NO_CONSENT…    → PROCESSING_ERROR_REASON_NO_CONSENT      INTERNAL_ERROR… → …_INTERNAL_ERROR
//   INTERNAL_ERROR is transient: only the first request carrying that transactionId gets it.
//
// Rows fail on purpose through their click id (gclid, gbraid or wbraid; prefix, any case):
//   UNPARSEABLE… → UNPARSEABLE_GCLID / _GBRAID / _WBRAID   TOO_RECENT… → TOO_RECENT_EVENT
//   EXPIRED…     → EXPIRED_EVENT                           NOT_FOUND…  → EVENT_NOT_FOUND
//   PRECEDES…    → CONVERSION_PRECEDES_EVENT                CONCURRENT… → CONCURRENT_MODIFICATION
// and through state: an order id recorded earlier → ORDER_ID_ALREADY_IN_USE; the same order id
// twice in one request → DUPLICATE_ORDER_ID on both rows; the same action, click id and
// conversionDateTime twice in one request → DUPLICATE_CLICK_CONVERSION_IN_REQUEST on each (none
// recorded); a customer in `notAllowlisted` (see createGoogleApis), or any customer id starting
// with 999 (so a run against `npm start` can reach this state over HTTP) → every row
// CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE, as for a new integration since 2026-06-15. Special
// credentials: refresh token "revoked" → invalid_grant, client secret "invalid" → invalid_client,
// developer token "unapproved" → 403 DEVELOPER_TOKEN_NOT_APPROVED. A version below
// OLDEST_SERVED_ADS_VERSION answers a bare 404, as a switched-off version does
// (https://developers.google.com/google-ads/api/docs/sunset-dates). A 429 fault carries
// `quotaErrorDetails.retryDelay` and no Retry-After, as the Ads API answers.
//
// Emulator's own choices where Google documents no answer: a row without click id and without
// identifiers → fieldError REQUIRED; `consent.adPersonalization` on a click conversion →
// fieldError VALUE_MUST_BE_UNSET; a malformed conversionDateTime → dateError
// INVALID_FIELD_VALUES_IN_DATE_TIME; an empty `conversions` → fieldError REQUIRED_NONEMPTY_LIST.
//
// Conversion adjustments (uploadConversionAdjustments, and Data Manager restatements) are in
// google-adjustments.mjs.
//
// No Node built-ins (globalThis.crypto), so the module also runs inside workerd, where the
// relay's tests use it behind MSW.

import {
  ADJUSTMENT_REQUEST_FIELDS,
  CONVERSION_ADJUSTMENT_FIELDS,
  MAX_ADJUSTMENTS_PER_REQUEST,
  adsDateTimeMs,
  applyConversionAdjustment,
  conversionAdjustmentResult,
  validateConversionAdjustment,
} from "./google-adjustments.mjs";
import { isIpAddress } from "../src/destinations/ip-address.mjs";

/** Customer ids with this prefix are not allowlisted for click-conversion uploads (see above). */
export const NOT_ALLOWLISTED_PREFIX = "999";
export const GOOGLE_OAUTH_NAME = "google-oauth";
export const GOOGLE_OAUTH_PREFIX = "/google-oauth";
export const GOOGLE_ADS_NAME = "google-ads";
export const GOOGLE_ADS_PREFIX = "/google-ads";
export const GOOGLE_DM_NAME = "google-dm";
export const GOOGLE_DM_PREFIX = "/google-dm";

export const MAX_CONVERSIONS_PER_REQUEST = 2000;
/** Versions before this one are switched off (v22 was sunset on 2026-10-07). */
export const OLDEST_SERVED_ADS_VERSION = 23;
export const MAX_EVENTS_PER_REQUEST = 2000;
export const MAX_USER_IDENTIFIERS_ADS = 5;
export const MAX_USER_IDENTIFIERS_DM = 10;
export const DEFAULT_TOKEN_TTL_SECONDS = 3599;
const REDACTED = "[redacted]";
const OAUTH_SCOPES = "https://www.googleapis.com/auth/adwords https://www.googleapis.com/auth/datamanager";

const HASH_RE = /^[0-9a-f]{64}$/;
const CLICK_ID_RE = /^[A-Za-z0-9_-]+$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const CURRENCIES = new Set(
  /** @type {string[]} */ (typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : []),
);

/** gRPC canonical status names by HTTP status (google.rpc.Code mapping). */
const STATUS_NAMES = /** @type {Record<number, string>} */ ({
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
});

/** Messages Google serves with these statuses (ESF front end). */
const STATUS_MESSAGES = /** @type {Record<string, string>} */ ({
  INVALID_ARGUMENT: "Request contains an invalid argument.",
  UNAUTHENTICATED:
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid " +
    "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
  PERMISSION_DENIED: "The caller does not have permission",
  NOT_FOUND: "Requested entity was not found.",
  RESOURCE_EXHAUSTED: "Resource has been exhausted (e.g. check quota).",
  INTERNAL: "Internal error encountered.",
  UNAVAILABLE: "The service is currently unavailable.",
  DEADLINE_EXCEEDED: "The request deadline was exceeded.",
});

/** conversion_upload_error.proto comments, which are the messages the API returns. */
const UPLOAD_MESSAGES = /** @type {Record<string, string>} */ ({
  TOO_MANY_CONVERSIONS_IN_REQUEST: "Upload fewer than 2001 events in a single request.",
  UNPARSEABLE_GCLID: "The imported gclid could not be decoded.",
  UNPARSEABLE_GBRAID: "Can't parse event import data. Check if your gbraid parameter was not modified and try again.",
  UNPARSEABLE_WBRAID: "Can't parse event import data. Check if your wbraid parameter was not modified and try again.",
  CONVERSION_PRECEDES_EVENT:
    "The imported event has a `conversion_date_time` that precedes the click. Make sure your `conversion_date_time` is correct and try again.",
  EXPIRED_EVENT:
    "The imported event can't be recorded because its click occurred before this conversion's click-through window. Make sure you import the most recent data.",
  TOO_RECENT_EVENT:
    "The click associated with the given identifier or iOS URL parameter occurred less than 6 hours ago. Retry after 6 hours have passed.",
  EVENT_NOT_FOUND:
    "The imported event could not be attributed to a click. This may be because the event did not come from a Google Ads campaign.",
  ORDER_ID_ALREADY_IN_USE: "The imported event includes an order ID that was previously recorded, so the event was not processed.",
  DUPLICATE_ORDER_ID:
    "Imported events include multiple conversions with the same order ID and were not processed.  Make sure order IDs are unique and try again.",
  INVALID_USER_IDENTIFIER:
    "Make sure you hash user provided data using SHA-256 and ensure you are normalizing according to the guidelines.",
  UNSUPPORTED_USER_IDENTIFIER: "The provided user identifiers are not supported. Use only hashed email or phone number and try again.",
  GBRAID_WBRAID_BOTH_SET: "Can't use both gbraid and wbraid parameters. Use only 1 and try again.",
  ORDER_ID_CONTAINS_PII: "Can't import events with order IDs containing personally-identifiable information (PII).",
  INVALID_JOB_ID:
    "The provided job id in the request is not within the allowed range. A job ID must be a positive integer in the range [1, 2^31).",
  NO_CONVERSION_ACTION_FOUND:
    "The conversion action specified in the upload request cannot be found. Make sure it's available in this account.",
  DUPLICATE_CLICK_CONVERSION_IN_REQUEST:
    "Multiple events have the same click and `conversion_date_time`. Make sure your `conversion_date_time` is correctly configured and try again.",
});

/** Magic click id prefixes → [error family, code] (see the header). `*` stands for the id type. */
const MAGIC_CLICK_IDS = /** @type {Array<[string, string, string]>} */ ([
  ["UNPARSEABLE", "conversionUploadError", "UNPARSEABLE_*"],
  ["TOO_RECENT", "conversionUploadError", "TOO_RECENT_EVENT"],
  ["EXPIRED", "conversionUploadError", "EXPIRED_EVENT"],
  ["NOT_FOUND", "conversionUploadError", "EVENT_NOT_FOUND"],
  ["PRECEDES", "conversionUploadError", "CONVERSION_PRECEDES_EVENT"],
  ["CONCURRENT", "databaseError", "CONCURRENT_MODIFICATION"],
]);

const CLICK_CONVERSION_FIELDS = new Set([
  "gclid",
  "gbraid",
  "wbraid",
  "conversionAction",
  "conversionDateTime",
  "conversionValue",
  "currencyCode",
  "orderId",
  "externalAttributionData",
  "customVariables",
  "cartData",
  "userIdentifiers",
  "conversionEnvironment",
  "consent",
  "customerType",
  "userIpAddress",
  "sessionAttributesEncoded",
  "sessionAttributesKeyValuePairs",
]);
// `debugEnabled` is gone from the v25 request (https://developers.google.com/google-ads/api/docs/release-notes): Google rejects it as unknown.
const UPLOAD_REQUEST_FIELDS = new Set(["customerId", "conversions", "partialFailure", "validateOnly", "jobId"]);
const ALLOWLIST_ONLY_FIELDS = /** @type {Array<[string, string]>} */ ([
  ["userIpAddress", "user_ip_address"],
  ["sessionAttributesEncoded", "session_attributes_encoded"],
  ["sessionAttributesKeyValuePairs", "session_attributes_key_value_pairs"],
]);
const ADS_CONSENT_VALUES = new Set(["UNSPECIFIED", "GRANTED", "DENIED"]);

const DM_REQUEST_FIELDS = new Set(["destinations", "events", "consent", "validateOnly", "encoding", "encryptionInfo"]);
// destination.proto has the first four; the REST reference lists the last two as well (newer API).
const DM_ACCOUNT_TYPES = new Set([
  "GOOGLE_ADS",
  "DISPLAY_VIDEO_PARTNER",
  "DISPLAY_VIDEO_ADVERTISER",
  "DATA_PARTNER",
  "GOOGLE_ANALYTICS_PROPERTY",
  "GOOGLE_AD_MANAGER_AUDIENCE_LINK",
]);
const DM_CONSENT_VALUES = new Set(["CONSENT_STATUS_UNSPECIFIED", "CONSENT_GRANTED", "CONSENT_DENIED"]);
const DM_EVENT_SOURCES = new Set(["WEB", "APP", "IN_STORE", "PHONE", "OTHER"]);
const DM_MAX_DESTINATIONS = 10;
const DM_DOMAIN = "datamanager.googleapis.com";
/** Magic gclid prefixes → asynchronous ProcessingErrorReason (see the header). */
const DM_PROCESSING_ERRORS = ["INVALID_GCLID", "EVENT_TOO_OLD", "NO_CONSENT", "INTERNAL_ERROR"];
/** Data Manager request statuses kept for requestStatus:retrieve (oldest forgotten first). */
const MAX_KEPT_DM_REQUESTS = 10_000;

/** @typedef {import("./meta.mjs").ApiRequest} ApiRequest */
/** @typedef {import("./meta.mjs").ApiResponse} ApiResponse */
/** @typedef {import("./meta.mjs").ApiContext} ApiContext */
/** @typedef {import("./meta.mjs").ApiSummary} ApiSummary */
/**
 * One GoogleAdsError.
 * @typedef {{ errorCode: Record<string, string>, message: string, trigger?: Record<string, string>,
 *   location?: { fieldPathElements: Array<{ fieldName: string, index?: number }> } }} AdsError
 */
/** @typedef {{ field: string, description: string, reason?: string }} FieldViolation */

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** @param {unknown} v @returns {Record<string, unknown> | undefined} */
function asObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? /** @type {Record<string, unknown>} */ (v) : undefined;
}

/** @param {string} prefix */
function randomId(prefix) {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "")}`;
}

/** @param {ApiRequest} req */
function bearer(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m ? m[1] : undefined;
}

/**
 * A google.rpc.Status error answer.
 * @param {number} httpStatus
 * @param {{ message?: string, status?: string, details?: unknown[] }} [opts]
 * @returns {ApiResponse}
 */
export function googleRpcError(httpStatus, opts = {}) {
  const status = opts.status ?? STATUS_NAMES[httpStatus] ?? (httpStatus >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
  /** @type {Record<string, unknown>} */
  const error = { code: httpStatus, message: opts.message ?? STATUS_MESSAGES[status] ?? status, status };
  if (opts.details && opts.details.length > 0) error.details = opts.details;
  return { status: httpStatus, body: { error } };
}

/**
 * @param {string} version e.g. "v25"
 * @param {AdsError[]} errors
 * @param {string} requestId
 */
export function googleAdsFailure(version, errors, requestId) {
  return { "@type": `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`, errors, requestId };
}

/** @param {FieldViolation[]} violations */
function badRequest(violations) {
  return { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: violations };
}

/**
 * A GoogleAdsError, located at `conversions[row].field` when row is given.
 * @param {string} family e.g. "conversionUploadError"
 * @param {string} code
 * @param {{ row?: number, field?: string, message?: string, trigger?: string, collection?: string }} [at]
 * @returns {AdsError}
 */
export function adsError(family, code, at = {}) {
  /** @type {AdsError} */
  const err = { errorCode: { [family]: code }, message: at.message ?? UPLOAD_MESSAGES[code] ?? code };
  if (at.trigger !== undefined) err.trigger = { stringValue: at.trigger };
  /** @type {Array<{ fieldName: string, index?: number }>} */
  const path = [];
  if (at.row !== undefined) path.push({ fieldName: at.collection ?? "conversions", index: at.row });
  if (at.field) for (const name of at.field.split(".")) path.push({ fieldName: name });
  if (path.length > 0) err.location = { fieldPathElements: path };
  return err;
}

/**
 * A quota error with Google's wait in `details.quotaErrorDetails.retryDelay` (a Duration, "30s")
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/QuotaErrorDetails).
 * @param {number} seconds
 * @returns {AdsError}
 */
export function quotaError(seconds) {
  const err = adsError("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED", { message: `Too many requests. Retry in ${seconds} seconds.` });
  return /** @type {AdsError} */ ({
    ...err,
    details: {
      quotaErrorDetails: { rateScope: "DEVELOPER", rateName: "Number of operations for basic access", retryDelay: `${seconds}s` },
    },
  });
}

/** `conversions[1].gclid`, as Google appends it to a status message. @param {AdsError} err */
function adsErrorPath(err) {
  return (err.location?.fieldPathElements ?? []).map((e) => (e.index !== undefined ? `${e.fieldName}[${e.index}]` : e.fieldName)).join(".");
}

/**
 * What sets the two upload methods apart before their rows are validated one by one.
 * @typedef {{ list: string, name: string, requestFields: Set<string>, rowFields: Set<string>, max: number, tooMany: () => AdsError }} UploadKind
 */

/** @type {UploadKind} */
const CLICK_CONVERSION_UPLOAD = {
  list: "conversions",
  name: "conversions",
  requestFields: UPLOAD_REQUEST_FIELDS,
  rowFields: CLICK_CONVERSION_FIELDS,
  max: MAX_CONVERSIONS_PER_REQUEST,
  tooMany: () => adsError("conversionUploadError", "TOO_MANY_CONVERSIONS_IN_REQUEST", { field: "conversions" }),
};

/** @type {UploadKind} */
const ADJUSTMENT_UPLOAD = {
  list: "conversionAdjustments",
  name: "conversion_adjustments",
  requestFields: ADJUSTMENT_REQUEST_FIELDS,
  rowFields: CONVERSION_ADJUSTMENT_FIELDS,
  max: MAX_ADJUSTMENTS_PER_REQUEST,
  tooMany: () =>
    adsError("conversionAdjustmentUploadError", "TOO_MANY_ADJUSTMENTS_IN_REQUEST", {
      field: "conversion_adjustments",
      message: "Try uploading fewer than 2001 adjustments in a single API request.",
    }),
};

/**
 * The rows of an upload request, or the 400 Google answers first: names proto3 JSON parsing does
 * not know (in the request or in a row), then no rows, then more than one request may carry.
 * @param {Record<string, unknown>} body
 * @param {UploadKind} kind
 * @param {(status: number, errors: AdsError[]) => ApiResponse} reject
 * @returns {unknown[] | ApiResponse}
 */
function uploadRows(body, kind, reject) {
  const list = body[kind.list];
  const rows = Array.isArray(list) ? list : undefined;
  /** @type {FieldViolation[]} */
  const unknown = Object.keys(body)
    .filter((k) => !kind.requestFields.has(k))
    .map((k) => ({ field: k, description: `Invalid JSON payload received. Unknown name "${k}": Cannot find field.` }));
  rows?.forEach((row, i) => {
    for (const k of Object.keys(asObject(row) ?? {})) {
      if (kind.rowFields.has(k)) continue;
      unknown.push({
        field: `${kind.name}[${i}]`,
        description: `Invalid JSON payload received. Unknown name "${k}" at '${kind.name}[${i}]': Cannot find field.`,
      });
    }
  });
  if (unknown.length > 0) return googleRpcError(400, { message: "Invalid JSON payload received.", details: [badRequest(unknown)] });
  if (!rows || rows.length === 0) {
    return reject(400, [adsError("fieldError", "REQUIRED_NONEMPTY_LIST", { field: kind.name, message: "The field must not be empty." })]);
  }
  if (rows.length > kind.max) return reject(400, [kind.tooMany()]);
  return rows;
}

/**
 * The answer of an upload once each row has its first error or none. Without partial failure the
 * request is one transaction: any row error rejects all. Otherwise the good rows are kept (unless
 * validateOnly) and the failed ones are reported in `partialFailureError`, with an empty result
 * each (https://developers.google.com/google-ads/api/docs/best-practices/partial-failures).
 * @param {{ body: Record<string, unknown>, rows: unknown[], rowErrors: Array<AdsError | undefined>, version: string, requestId: string }} upload
 * @param {(status: number, errors: AdsError[]) => ApiResponse} reject
 * @param {(row: Record<string, unknown>) => void} keep stores a row that has no error
 * @param {(row: Record<string, unknown>) => Record<string, unknown>} result
 * @returns {ApiResponse}
 */
function uploadAnswer({ body, rows, rowErrors, version, requestId }, reject, keep, result) {
  const errors = /** @type {AdsError[]} */ (rowErrors.filter(Boolean));
  if (body.partialFailure !== true && errors.length > 0) return reject(400, errors);
  // validateOnly: "Results are not returned" (UploadClickConversionsRequest).
  const validateOnly = body.validateOnly === true;
  if (!validateOnly) {
    rows.forEach((raw, i) => {
      if (!rowErrors[i]) keep(asObject(raw) ?? {});
    });
  }
  /** @type {Record<string, unknown>} */
  const response = {};
  if (errors.length > 0) {
    response.partialFailureError = {
      code: 3,
      message: errors.map((e) => `${e.message}, at ${adsErrorPath(e)}`).join(", "),
      details: [googleAdsFailure(version, errors, requestId)],
    };
  }
  if (!validateOnly) {
    response.results = rows.map((raw, i) => (rowErrors[i] ? {} : result(asObject(raw) ?? {})));
    response.jobId = String(1 + Math.floor(Math.random() * (2 ** 31 - 2)));
  }
  return { status: 200, body: response };
}

/**
 * The default body of a plain `{ status }` fault, as a google.rpc.Status (each Google API
 * answers throttling and outages this way).
 * @param {number} status
 * @param {string} [version]
 */
function googleFaultBody(status, version) {
  /** @type {AdsError[]} */
  const errors = [];
  if (status === 429) errors.push(quotaError(30));
  else if (status === 500) errors.push(adsError("internalError", "INTERNAL_ERROR", { message: "An internal error has occurred." }));
  else if (status === 403)
    errors.push(adsError("authorizationError", "USER_PERMISSION_DENIED", { message: "User doesn't have permission to access customer." }));
  const details = version && errors.length > 0 ? [googleAdsFailure(version, errors, randomId(""))] : [];
  return googleRpcError(status, { details }).body;
}

// ---------------------------------------------------------------------------------------------
// The emulators

/** @typedef {ReturnType<typeof createGoogleApis>} GoogleApis */

/**
 * The three Google emulators with their shared state. One set per sandbox keeps tests apart;
 * `server.mjs` can use the default set exported below.
 * @param {{ tokenTtlSeconds?: number }} [options]
 */
export function createGoogleApis({ tokenTtlSeconds = DEFAULT_TOKEN_TTL_SECONDS } = {}) {
  /** access token → expiry (epoch ms) */
  const tokens = new Map();
  /** `${customerId}/${conversionAction}` → order ids recorded */
  const orders = new Map();
  /** `${customerId}/${conversionAction}\n${orderId}` → the recorded conversion, for adjustments */
  const recorded = new Map();
  /** `${operating account}/${product destination}\n${transactionId}` → value, Data Manager conversions ingested */
  const dmTransactions = new Map();
  /** Data Manager request id → { destinations, count, errors: Map<reason, count>, reads } */
  const dmRequests = new Map();
  /** Transaction ids that already met their one transient INTERNAL_ERROR. */
  const dmInternalSeen = new Set();
  /** Customer ids (10 digits) that may not upload click conversions: not allowlisted (as is every 999…). @type {Set<string>} */
  const notAllowlisted = new Set();

  /** The processing error an ingested event will get, if any. @param {unknown} raw */
  function dmProcessingError(raw) {
    const e = asObject(raw) ?? {};
    const gclid = String(asObject(e.adIdentifiers)?.gclid ?? "").toUpperCase();
    const name = DM_PROCESSING_ERRORS.find((p) => gclid.startsWith(p));
    if (!name) return undefined;
    if (name === "INTERNAL_ERROR") {
      const key = String(e.transactionId ?? gclid);
      if (dmInternalSeen.has(key)) return undefined;
      dmInternalSeen.add(key);
    }
    return `PROCESSING_ERROR_REASON_${name}`;
  }

  /**
   * @param {ApiRequest} req
   * @param {ApiContext} ctx
   */
  function tokenValid(req, ctx) {
    const token = bearer(req);
    if (token === undefined) return false;
    const expiresAt = tokens.get(token);
    return expiresAt !== undefined && expiresAt > ctx.now();
  }

  // --- OAuth ------------------------------------------------------------------------------

  /**
   * @param {number} status
   * @param {string} error
   * @param {string} description
   * @returns {ApiResponse}
   */
  const oauthError = (status, error, description) => ({ status, body: { error, error_description: description } });

  /**
   * @param {ApiRequest} req
   * @param {ApiContext} ctx
   * @returns {ApiResponse}
   */
  function handleOAuth(req, ctx) {
    if (req.path !== "/token") return googleRpcError(404, { message: `no OAuth endpoint at ${req.path}` });
    if (req.method !== "POST") return oauthError(405, "invalid_request", "Use POST");
    const form = asObject(req.body) ?? {};
    const param = (/** @type {string} */ k) => (typeof form[k] === "string" ? /** @type {string} */ (form[k]) : undefined);
    const grant = param("grant_type");
    if (grant !== "refresh_token") return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grant ?? ""}`);
    if (!param("client_id")) return oauthError(400, "invalid_request", "Could not determine client ID from request.");
    if (!param("client_secret") || param("client_secret") === "invalid") return oauthError(401, "invalid_client", "Unauthorized");
    const refresh = param("refresh_token");
    if (!refresh) return oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
    if (["revoked", "invalid", "expired"].includes(refresh)) {
      return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
    }
    const accessToken = randomId("ya29.sandbox-");
    // Expired tokens are forgotten as new ones are issued, so a long-running sandbox stays small.
    for (const [t, expiresAt] of tokens) if (expiresAt <= ctx.now()) tokens.delete(t);
    tokens.set(accessToken, ctx.now() + tokenTtlSeconds * 1000);
    return { status: 200, body: { access_token: accessToken, expires_in: tokenTtlSeconds, scope: OAUTH_SCOPES, token_type: "Bearer" } };
  }

  /** The form without its secrets: the server redacts only `access_token` by itself. @param {ApiRequest} req */
  function describeOAuth(req) {
    const form = asObject(req.body);
    if (!form) return {};
    const body = { ...form };
    for (const k of ["client_secret", "refresh_token"]) if (body[k] !== undefined) body[k] = REDACTED;
    return { body };
  }

  // --- Google Ads -------------------------------------------------------------------------

  /**
   * @param {ApiRequest} req
   * @param {ApiContext} ctx
   * @returns {ApiResponse}
   */
  function handleAds(req, ctx) {
    const m = /^\/(v\d+)\/customers\/([^/:]*):(uploadClickConversions|uploadConversionAdjustments)$/.exec(req.path);
    if (!m) return googleRpcError(404, { message: `The requested URL ${req.path} was not found on this server.` });
    const [, version = "v25", customerId = "", method] = m;
    if (Number(version.slice(1)) < OLDEST_SERVED_ADS_VERSION) {
      return googleRpcError(404, { message: `The requested URL ${req.path} was not found on this server.` });
    }
    if (req.method !== "POST") return googleRpcError(404, { message: `Method ${req.method} is not allowed.` });
    if (!tokenValid(req, ctx)) return googleRpcError(401);
    const requestId = randomId("").slice(0, 22);
    const reject = (/** @type {number} */ status, /** @type {AdsError[]} */ errors) =>
      googleRpcError(status, { details: [googleAdsFailure(version, errors, requestId)] });

    const developerToken = req.headers["developer-token"];
    if (!developerToken) {
      return reject(400, [
        adsError("requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING", {
          message: "The developer-token parameter is required for all requests.",
        }),
      ]);
    }
    if (developerToken === "unapproved") {
      return reject(403, [
        adsError("authorizationError", "DEVELOPER_TOKEN_NOT_APPROVED", {
          message:
            "The developer token is only approved for use with test accounts. To access non-test accounts, apply for Basic or Standard access.",
        }),
      ]);
    }
    if (!/^\d{10}$/.test(customerId)) {
      return reject(400, [adsError("requestError", "INVALID_CUSTOMER_ID", { message: `Invalid customer ID '${customerId}'.` })]);
    }
    const login = req.headers["login-customer-id"];
    if (login !== undefined && !/^\d{10}$/.test(login)) {
      return reject(400, [
        adsError("headerError", "INVALID_LOGIN_CUSTOMER_ID", {
          message: "The login customer ID header is invalid. Use 10 digits without hyphens.",
        }),
      ]);
    }
    if (req.bodyError) return googleRpcError(400, { message: "Invalid JSON payload received." });
    const body = asObject(req.body) ?? {};
    if (method === "uploadConversionAdjustments") return uploadAdjustments(body, customerId, reject, version, requestId);
    const conversions = uploadRows(body, CLICK_CONVERSION_UPLOAD, reject);
    if (!Array.isArray(conversions)) return conversions;
    if (body.jobId !== undefined && !(Number.isInteger(body.jobId) && Number(body.jobId) >= 0 && Number(body.jobId) < 2 ** 31)) {
      return reject(400, [adsError("conversionUploadError", "INVALID_JOB_ID", { field: "job_id" })]);
    }

    // Rows: the first error of each, then order ids against the state and within the request.
    const rowErrors = conversions.map((c, i) => validateClickConversion(asObject(c) ?? {}, i, customerId));
    const orderKey = (/** @type {Record<string, unknown>} */ c) => `${customerId}/${String(c.conversionAction)}`;
    /** @type {Map<string, number[]>} */
    const rowsByOrder = new Map();
    conversions.forEach((raw, i) => {
      const c = asObject(raw) ?? {};
      if (rowErrors[i] || typeof c.orderId !== "string" || c.orderId === "") return;
      const key = `${orderKey(c)}\n${c.orderId}`;
      rowsByOrder.set(key, [...(rowsByOrder.get(key) ?? []), i]);
      if (orders.get(orderKey(c))?.has(c.orderId)) {
        rowErrors[i] = adsError("conversionUploadError", "ORDER_ID_ALREADY_IN_USE", { row: i, field: "order_id", trigger: c.orderId });
      }
    });
    for (const rows of rowsByOrder.values()) {
      if (rows.length < 2) continue;
      for (const i of rows) {
        const c = asObject(conversions[i]) ?? {};
        rowErrors[i] = adsError("conversionUploadError", "DUPLICATE_ORDER_ID", { row: i, field: "order_id", trigger: String(c.orderId) });
      }
    }
    /** @type {Map<string, number[]>} */
    const rowsByClick = new Map();
    conversions.forEach((raw, i) => {
      const c = asObject(raw) ?? {};
      const click = c.gclid ?? c.gbraid ?? c.wbraid;
      if (rowErrors[i] || typeof click !== "string") return;
      const key = `${String(c.conversionAction)}\n${click}\n${String(c.conversionDateTime)}`;
      rowsByClick.set(key, [...(rowsByClick.get(key) ?? []), i]);
    });
    for (const rows of rowsByClick.values()) {
      if (rows.length < 2) continue;
      for (const i of rows)
        rowErrors[i] = adsError("conversionUploadError", "DUPLICATE_CLICK_CONVERSION_IN_REQUEST", { row: i, field: "gclid" });
    }
    if (notAllowlisted.has(customerId) || customerId.startsWith(NOT_ALLOWLISTED_PREFIX)) {
      conversions.forEach((_, i) => {
        rowErrors[i] ??= adsError("notAllowlistedError", "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", {
          row: i,
          message: "Customer is not allowlisted for accessing this feature.",
        });
      });
    }

    const keep = (/** @type {Record<string, unknown>} */ c) => {
      if (typeof c.orderId !== "string" || c.orderId === "") return;
      const set = orders.get(orderKey(c)) ?? new Set();
      set.add(c.orderId);
      orders.set(orderKey(c), set);
      recorded.set(`${orderKey(c)}\n${c.orderId}`, { at: adsDateTimeMs(c.conversionDateTime), retracted: false, value: c.conversionValue });
    };
    return uploadAnswer({ body, rows: conversions, rowErrors, version, requestId }, reject, keep, clickConversionResult);
  }

  /**
   * `:uploadConversionAdjustments` after the shared checks (see google-adjustments.mjs).
   * @param {Record<string, unknown>} body
   * @param {string} customerId
   * @param {(status: number, errors: AdsError[]) => ApiResponse} reject
   * @param {string} version
   * @param {string} requestId
   * @returns {ApiResponse}
   */
  function uploadAdjustments(body, customerId, reject, version, requestId) {
    const adjustments = uploadRows(body, ADJUSTMENT_UPLOAD, reject);
    if (!Array.isArray(adjustments)) return adjustments;
    const lookup = (/** @type {string} */ action, /** @type {string} */ orderId) => recorded.get(`${customerId}/${action}\n${orderId}`);
    const seen = new Set();
    const faults = adjustments.map((a, i) => validateConversionAdjustment(asObject(a) ?? {}, i, customerId, lookup, seen, CURRENCIES));
    const rowErrors = faults.map((f) =>
      f
        ? adsError(f.family, f.code, {
            row: f.row,
            collection: "conversion_adjustments",
            ...(f.field ? { field: f.field } : {}),
            ...(f.message ? { message: f.message } : {}),
            ...(f.trigger !== undefined ? { trigger: f.trigger } : {}),
          })
        : undefined,
    );
    const keep = (/** @type {Record<string, unknown>} */ a) => {
      const conversion = lookup(String(a.conversionAction), String(a.orderId));
      if (conversion) applyConversionAdjustment(a, conversion);
    };
    return uploadAnswer({ body, rows: adjustments, rowErrors, version, requestId }, reject, keep, conversionAdjustmentResult);
  }

  /** @param {ApiRequest} req @returns {ApiSummary} */
  function describeAds(req) {
    const rows = asObject(req.body)?.conversions ?? asObject(req.body)?.conversionAdjustments;
    return Array.isArray(rows) ? { events: rows.length } : {};
  }

  // --- Data Manager -----------------------------------------------------------------------

  /**
   * @param {ApiRequest} req
   * @param {ApiContext} ctx
   * @returns {ApiResponse}
   */
  function handleDataManager(req, ctx) {
    if (req.path === "/v1/requestStatus:retrieve") {
      if (req.method !== "GET") return googleRpcError(404, { message: `Method ${req.method} is not allowed.` });
      if (!tokenValid(req, ctx)) return googleRpcError(401);
      const known = dmRequests.get(req.query.requestId ?? "");
      if (!known) return dmReject([{ field: "request_id", description: "The request ID is not valid.", reason: "INVALID_REQUEST_ID" }]);
      /** @type {Map<string, number>} */
      const errors = known.errors;
      const failed = [...errors.values()].reduce((a, b) => a + b, 0);
      // A request with processing errors is still PROCESSING on its first read.
      const requestStatus =
        failed === 0 ? "SUCCESS" : known.reads++ === 0 ? "PROCESSING" : failed >= known.count ? "FAILED" : "PARTIAL_SUCCESS";
      const errorInfo =
        requestStatus === "FAILED" || requestStatus === "PARTIAL_SUCCESS"
          ? { errorInfo: { errorCounts: [...errors].map(([reason, n]) => ({ recordCount: String(n), reason })) } }
          : {};
      return {
        status: 200,
        body: {
          requestStatusPerDestination: known.destinations.map((/** @type {unknown} */ destination) => ({
            destination,
            requestStatus,
            ...errorInfo,
            eventsIngestionStatus: { recordCount: String(known.count) },
          })),
        },
      };
    }
    if (req.path !== "/v1/events:ingest")
      return googleRpcError(404, { message: `The requested URL ${req.path} was not found on this server.` });
    if (req.method !== "POST") return googleRpcError(404, { message: `Method ${req.method} is not allowed.` });
    if (!tokenValid(req, ctx)) return googleRpcError(401);
    if (req.bodyError) return googleRpcError(400, { message: "Invalid JSON payload received." });
    const body = asObject(req.body) ?? {};
    const unknown = Object.keys(body)
      .filter((k) => !DM_REQUEST_FIELDS.has(k))
      .map((k) => ({ field: k, description: `Invalid JSON payload received. Unknown name "${k}": Cannot find field.` }));
    if (unknown.length > 0) return googleRpcError(400, { message: "Invalid JSON payload received.", details: [badRequest(unknown)] });

    // An event without identifiers restates a conversion this destination already ingested.
    const destinationKeys = (Array.isArray(body.destinations) ? body.destinations : []).map(dmDestinationKey);
    const isAdjustment = (/** @type {unknown} */ transactionId) =>
      typeof transactionId === "string" &&
      destinationKeys.length > 0 &&
      destinationKeys.every((k) => dmTransactions.has(`${k}\n${transactionId}`));
    const violations = validateIngestRequest(body, isAdjustment);
    if (violations.length > 0) return dmReject(violations);
    if (body.validateOnly === true) return { status: 200, body: {} };
    for (const raw of /** @type {unknown[]} */ (body.events)) {
      const e = asObject(raw) ?? {};
      if (typeof e.transactionId !== "string") continue;
      for (const k of destinationKeys) dmTransactions.set(`${k}\n${e.transactionId}`, e.conversionValue);
    }
    const requestId = crypto.randomUUID();
    if (dmRequests.size >= MAX_KEPT_DM_REQUESTS) dmRequests.delete(dmRequests.keys().next().value);
    const events = /** @type {unknown[]} */ (body.events);
    const errors = new Map();
    for (const e of events) {
      const reason = dmProcessingError(e);
      if (reason) errors.set(reason, (errors.get(reason) ?? 0) + 1);
    }
    dmRequests.set(requestId, { destinations: body.destinations, count: events.length, errors, reads: 0 });
    return { status: 200, body: { requestId } };
  }

  /** @param {ApiRequest} req @returns {ApiSummary} */
  function describeDataManager(req) {
    const events = asObject(req.body)?.events;
    return Array.isArray(events) ? { events: events.length } : {};
  }

  /** @type {import("./server.mjs").ApiModule} */
  const oauth = {
    name: GOOGLE_OAUTH_NAME,
    prefix: GOOGLE_OAUTH_PREFIX,
    handle: handleOAuth,
    describe: describeOAuth,
    errorResponse: (spec) => oauthErrorResponse(spec.status ?? httpStatusOf(spec.code), spec.message),
    faultBody: (status) => oauthErrorResponse(status).body,
  };
  /** @type {import("./server.mjs").ApiModule} */
  const ads = {
    name: GOOGLE_ADS_NAME,
    prefix: GOOGLE_ADS_PREFIX,
    handle: handleAds,
    describe: describeAds,
    errorResponse: (spec) => googleRpcError(spec.status ?? httpStatusOf(spec.code), spec.message ? { message: spec.message } : {}),
    faultBody: (status) => googleFaultBody(status, "v25"),
  };
  /** @type {import("./server.mjs").ApiModule} */
  const dataManager = {
    name: GOOGLE_DM_NAME,
    prefix: GOOGLE_DM_PREFIX,
    handle: handleDataManager,
    describe: describeDataManager,
    errorResponse: (spec) => googleRpcError(spec.status ?? httpStatusOf(spec.code), spec.message ? { message: spec.message } : {}),
    faultBody: (status) => googleFaultBody(status),
  };

  return {
    oauth,
    ads,
    dataManager,
    modules: [oauth, ads, dataManager],
    /** Ads customer ids (10 digits) answered CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE; add and delete freely. */
    notAllowlisted,
    /** Forgets issued tokens, recorded order ids and Data Manager requests. */
    reset() {
      tokens.clear();
      orders.clear();
      recorded.clear();
      dmTransactions.clear();
      dmRequests.clear();
      dmInternalSeen.clear();
      notAllowlisted.clear();
    },
  };
}

/** A `meta_error` fault's `code` read as an HTTP status when it is one. @param {number} code */
function httpStatusOf(code) {
  return code >= 400 && code <= 599 ? code : 400;
}

/** @param {number} status @param {string} [message] @returns {ApiResponse} */
function oauthErrorResponse(status, message) {
  const error =
    status === 429 ? "rate_limit_exceeded" : status >= 500 ? "internal_failure" : status === 401 ? "invalid_client" : "invalid_request";
  return { status, body: { error, error_description: message ?? `sandbox fault (${status})` } };
}

/** @param {FieldViolation[]} violations @returns {ApiResponse} */
function dmReject(violations) {
  const reason = violations.find((v) => v.reason)?.reason ?? "INVALID_ARGUMENT";
  return googleRpcError(400, {
    details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: DM_DOMAIN, metadata: {} }, badRequest(violations)],
  });
}

/**
 * The first error of one ClickConversion, or undefined.
 * @param {Record<string, unknown>} c
 * @param {number} row
 * @param {string} customerId
 * @returns {AdsError | undefined}
 */
function validateClickConversion(c, row, customerId) {
  const at = (/** @type {string} */ field, /** @type {string} */ family, /** @type {string} */ code, /** @type {string} */ trigger = "") =>
    adsError(family, code, { row, field, ...(trigger ? { trigger } : {}) });

  if (typeof c.conversionAction !== "string" || !new RegExp(`^customers/${customerId}/conversionActions/\\d+$`).test(c.conversionAction)) {
    return at("conversion_action", "conversionUploadError", "NO_CONVERSION_ACTION_FOUND", String(c.conversionAction ?? ""));
  }
  if (
    typeof c.conversionDateTime !== "string" ||
    !DATE_TIME_RE.test(c.conversionDateTime) ||
    Number.isNaN(Date.parse(c.conversionDateTime.replace(" ", "T")))
  ) {
    return adsError("dateError", "INVALID_FIELD_VALUES_IN_DATE_TIME", {
      row,
      field: "conversion_date_time",
      message: "The field values in the date time are invalid. Use yyyy-mm-dd hh:mm:ss+|-hh:mm.",
      trigger: String(c.conversionDateTime ?? ""),
    });
  }
  if (c.currencyCode !== undefined && (typeof c.currencyCode !== "string" || (CURRENCIES.size > 0 && !CURRENCIES.has(c.currencyCode)))) {
    return adsError("currencyCodeError", "UNSUPPORTED", {
      row,
      field: "currency_code",
      message: "The currency code is not supported.",
      trigger: String(c.currencyCode),
    });
  }
  if (c.gbraid && c.wbraid) return at("gbraid", "conversionUploadError", "GBRAID_WBRAID_BOTH_SET");
  for (const [key, field] of /** @type {const} */ ([
    ["gclid", "gclid"],
    ["gbraid", "gbraid"],
    ["wbraid", "wbraid"],
  ])) {
    const value = c[key];
    if (value === undefined) continue;
    const id = String(value);
    const unparseable = `UNPARSEABLE_${key.toUpperCase()}`;
    if (typeof value !== "string" || !CLICK_ID_RE.test(id)) return at(field, "conversionUploadError", unparseable, id);
    const magic = MAGIC_CLICK_IDS.find(([prefix]) => id.toUpperCase().startsWith(prefix));
    if (magic) return at(field, magic[1], magic[2].replace("*", key.toUpperCase()), id);
  }
  for (const [key, field] of ALLOWLIST_ONLY_FIELDS) {
    if (c[key] === undefined) continue;
    return adsError("notAllowlistedError", "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", {
      row,
      field,
      message: "Customer is not allowlisted for accessing this feature.",
    });
  }
  const consent = asObject(c.consent);
  if (consent?.adPersonalization !== undefined) {
    return adsError("fieldError", "VALUE_MUST_BE_UNSET", {
      row,
      field: "consent.ad_personalization",
      message: "ad_personalization can only be set for OfflineUserDataJobService and UserDataService.",
    });
  }
  if (consent?.adUserData !== undefined && !ADS_CONSENT_VALUES.has(String(consent.adUserData))) {
    return adsError("requestError", "INVALID_ENUM_VALUE", { row, field: "consent.ad_user_data", message: "Enum value is not permitted." });
  }
  if (typeof c.orderId === "string" && c.orderId.includes("@")) {
    return at("order_id", "conversionUploadError", "ORDER_ID_CONTAINS_PII");
  }
  const ids = c.userIdentifiers;
  if (ids !== undefined) {
    if (!Array.isArray(ids)) return at("user_identifiers", "conversionUploadError", "INVALID_USER_IDENTIFIER");
    if (ids.length > MAX_USER_IDENTIFIERS_ADS) {
      return adsError("collectionSizeError", "TOO_MANY", { row, field: "user_identifiers", message: "Too many elements." });
    }
    for (const raw of ids) {
      const id = asObject(raw) ?? {};
      const keys = Object.keys(id).filter((k) => k !== "userIdentifierSource");
      if (keys.some((k) => k !== "hashedEmail" && k !== "hashedPhoneNumber")) {
        return at("user_identifiers", "conversionUploadError", "UNSUPPORTED_USER_IDENTIFIER");
      }
      if (keys.length !== 1 || !HASH_RE.test(String(id[/** @type {string} */ (keys[0])]))) {
        return at("user_identifiers", "conversionUploadError", "INVALID_USER_IDENTIFIER");
      }
    }
  }
  if (!c.gclid && !c.gbraid && !c.wbraid && !(Array.isArray(ids) && ids.length > 0)) {
    return adsError("fieldError", "REQUIRED", {
      row,
      field: "gclid",
      message: "A click id (gclid, gbraid or wbraid) or a user identifier is required.",
    });
  }
  return undefined;
}

/** What Google echoes for a counted row. @param {Record<string, unknown>} c */
function clickConversionResult(c) {
  /** @type {Record<string, unknown>} */
  const result = {};
  for (const k of ["gclid", "gbraid", "wbraid"]) if (c[k] !== undefined) result[k] = c[k];
  result.conversionAction = c.conversionAction;
  result.conversionDateTime = c.conversionDateTime;
  if (c.userIdentifiers !== undefined) result.userIdentifiers = c.userIdentifiers;
  return result;
}

/** `operatingAccountId/productDestinationId` of a destination. @param {unknown} raw */
function dmDestinationKey(raw) {
  const d = asObject(raw) ?? {};
  return `${String(asObject(d.operatingAccount)?.accountId ?? "")}/${String(d.productDestinationId ?? "")}`;
}

/**
 * Every violation of an IngestEventsRequest (fast fail: the request is all or nothing).
 * @param {Record<string, unknown>} body
 * @param {(transactionId: unknown) => boolean} [isAdjustment] whether an event without identifiers restates a known conversion
 * @returns {FieldViolation[]}
 */
function validateIngestRequest(body, isAdjustment = (/** @type {unknown} */ _transactionId) => false) {
  /** @type {FieldViolation[]} */
  const out = [];
  const v = (/** @type {string} */ field, /** @type {string} */ reason, /** @type {string} */ description) =>
    out.push({ field, description, reason });

  const destinations = body.destinations;
  if (!Array.isArray(destinations) || destinations.length === 0)
    v("destinations", "REQUIRED_FIELD_MISSING", "At least one destination is required.");
  else if (destinations.length > DM_MAX_DESTINATIONS)
    v("destinations", "TOO_MANY_DESTINATIONS", "Maximum number of destinations allowed per request is 10.");
  else {
    destinations.forEach((raw, i) => {
      const d = asObject(raw) ?? {};
      for (const key of ["operatingAccount", "loginAccount"]) {
        const account = asObject(d[key]);
        const field = `destinations[${i}].${key === "operatingAccount" ? "operating_account" : "login_account"}`;
        if (!account) {
          if (key === "operatingAccount") v(field, "REQUIRED_FIELD_MISSING", "The operating account is required.");
          continue;
        }
        if (!DM_ACCOUNT_TYPES.has(String(account.accountType)))
          v(`${field}.account_type`, "INVALID_ENUM_VALUE", "Enum value cannot be used.");
        if (typeof account.accountId !== "string" || !/^\d+$/.test(account.accountId))
          v(`${field}.account_id`, "INVALID_DESTINATION", "This Destination is not valid.");
      }
      if (typeof d.productDestinationId !== "string" || !/^\d+$/.test(d.productDestinationId)) {
        v(`destinations[${i}].product_destination_id`, "INVALID_CONVERSION_ACTION_ID", "Conversion action ID is not valid.");
      }
    });
  }

  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    v("events", "REQUIRED_FIELD_MISSING", "At least one event is required.");
    return out;
  }
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    v("events", "TOO_MANY_EVENTS", `Maximum number of events allowed per request is ${MAX_EVENTS_PER_REQUEST}.`);
    return out;
  }
  const encoding = body.encoding;
  const hasUserData = events.some((e) => asObject(e)?.userData !== undefined);
  if (encoding !== undefined && encoding !== "HEX" && encoding !== "BASE64")
    v("encoding", "INVALID_ENUM_VALUE", "Enum value cannot be used.");
  else if (hasUserData && encoding === undefined)
    v("encoding", "REQUIRED_FIELD_MISSING", "The encoding is required for user data uploads.");
  validateDmConsent(asObject(body.consent), "consent", v);

  events.forEach((raw, i) => {
    const e = asObject(raw) ?? {};
    const at = `events[${i}]`;
    if (e.eventTimestamp === undefined) v(`${at}.event_timestamp`, "REQUIRED_FIELD_MISSING", "The event timestamp is required.");
    else if (
      typeof e.eventTimestamp !== "string" ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(e.eventTimestamp)
    ) {
      v(`${at}.event_timestamp`, "INVALID_FORMAT", "Format is invalid: use RFC 3339, e.g. 2026-03-01T12:34:56Z.");
    }
    if (e.currency !== undefined && (typeof e.currency !== "string" || (CURRENCIES.size > 0 && !CURRENCIES.has(e.currency)))) {
      v(`${at}.currency`, "INVALID_CURRENCY_CODE", "The currency code is not supported.");
    }
    if (e.conversionValue !== undefined && (typeof e.conversionValue !== "number" || !Number.isFinite(e.conversionValue))) {
      v(`${at}.conversion_value`, "INVALID_NUMBER_FORMAT", "Invalid number format.");
    }
    if (e.eventSource !== undefined && !DM_EVENT_SOURCES.has(String(e.eventSource)))
      v(`${at}.event_source`, "INVALID_ENUM_VALUE", "Enum value cannot be used.");
    validateDmConsent(asObject(e.consent), `${at}.consent`, v);
    validateDmDeviceInfo(e.eventDeviceInfo, `${at}.event_device_info`, v);

    const ad = asObject(e.adIdentifiers);
    const clickIds = ad ? ["gclid", "gbraid", "wbraid"].filter((k) => typeof ad[k] === "string" && ad[k] !== "") : [];
    const ids = asObject(e.userData)?.userIdentifiers;
    if (e.userData !== undefined) {
      if (!Array.isArray(ids) || ids.length === 0)
        v(`${at}.user_data.user_identifiers`, "REQUIRED_FIELD_MISSING", "At least one user identifier is required.");
      else if (ids.length > MAX_USER_IDENTIFIERS_DM)
        v(`${at}.user_data.user_identifiers`, "TOO_MANY_USER_IDENTIFIERS", "Maximum number of user identifiers allowed is 10.");
      else
        for (const [k, id] of ids.entries()) {
          validateDmIdentifier(asObject(id) ?? {}, `${at}.user_data.user_identifiers[${k}]`, encoding === "BASE64", v);
        }
    }
    if (clickIds.length === 0 && !(Array.isArray(ids) && ids.length > 0) && !isAdjustment(e.transactionId)) {
      v(at, "NO_IDENTIFIERS_PROVIDED", "Events data contains no user identifiers or ad identifiers.");
    }
  });
  return out;
}

/**
 * @param {Record<string, unknown> | undefined} consent
 * @param {string} field
 * @param {(field: string, reason: string, description: string) => void} v
 */
function validateDmConsent(consent, field, v) {
  if (!consent) return;
  for (const [key, name] of [
    ["adUserData", "ad_user_data"],
    ["adPersonalization", "ad_personalization"],
  ]) {
    const value = consent[/** @type {string} */ (key)];
    // The Data Manager spells them CONSENT_GRANTED / CONSENT_DENIED; the Ads API's GRANTED fails here.
    if (value !== undefined && !DM_CONSENT_VALUES.has(String(value)))
      v(`${field}.${name}`, "INVALID_ENUM_VALUE", "Enum value cannot be used.");
  }
}

/** DeviceInfo's fields (https://developers.google.com/data-manager/api/reference/rest/v1/DeviceInfo). */
const DM_DEVICE_INFO_FIELDS = new Set([
  "userAgent",
  "ipAddress",
  "category",
  "languageCode",
  "screenHeight",
  "screenWidth",
  "operatingSystem",
  "operatingSystemVersion",
  "model",
  "brand",
  "browser",
  "browserVersion",
]);

/**
 * Unknown fields fail like any unknown JSON name; an `ipAddress` must be one IPv4 or IPv6 address
 * (the emulator's own check: Google documents no reason code for it).
 * @param {unknown} raw
 * @param {string} field
 * @param {(field: string, reason: string, description: string) => void} v
 */
function validateDmDeviceInfo(raw, field, v) {
  if (raw === undefined) return;
  const info = asObject(raw);
  if (!info) return v(field, "INVALID_ARGUMENT", "Device info must be an object.");
  for (const key of Object.keys(info)) {
    if (!DM_DEVICE_INFO_FIELDS.has(key))
      v(`${field}.${key}`, "INVALID_ARGUMENT", `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
  }
  const ip = info.ipAddress;
  if (ip !== undefined && !(typeof ip === "string" && isIpAddress(ip)))
    v(`${field}.ip_address`, "INVALID_FORMAT", "The IP address is not valid.");
}

/**
 * @param {Record<string, unknown>} id
 * @param {string} field
 * @param {boolean} base64
 * @param {(field: string, reason: string, description: string) => void} v
 */
function validateDmIdentifier(id, field, base64, v) {
  const keys = Object.keys(id);
  if (keys.length !== 1) return v(field, "INVALID_FORMAT", "Exactly one of email_address, phone_number or address must be set.");
  const [key] = keys;
  const hashed = (/** @type {unknown} */ value, /** @type {string} */ where) => {
    const s = String(value ?? "");
    if (base64) {
      if (!/^[A-Za-z0-9+/]{43}=$/.test(s)) v(where, "INVALID_BASE64_ENCODING", "The base64 encoded value is malformed.");
    } else if (!/^[0-9a-fA-F]*$/.test(s) || s.length % 2 !== 0) v(where, "INVALID_HEX_ENCODING", "The HEX encoded value is malformed.");
    else if (s.length !== 64) v(where, "INVALID_SHA256_FORMAT", "The SHA256 encoded value is malformed.");
  };
  if (key === "emailAddress") return hashed(id.emailAddress, `${field}.email_address`);
  if (key === "phoneNumber") return hashed(id.phoneNumber, `${field}.phone_number`);
  if (key === "address") {
    const a = asObject(id.address) ?? {};
    hashed(a.givenName, `${field}.address.given_name`);
    hashed(a.familyName, `${field}.address.family_name`);
    if (typeof a.regionCode !== "string" || !/^[A-Z]{2}$/.test(a.regionCode))
      v(`${field}.address.region_code`, "INVALID_COUNTRY_CODE", "Country code is not valid.");
    if (typeof a.postalCode !== "string" || a.postalCode.trim() === "")
      v(`${field}.address.postal_code`, "INVALID_POSTAL_CODE", "Postal code is not valid.");
    return;
  }
  v(`${field}.${key}`, "INVALID_FORMAT", "Unknown user identifier.");
}

/** The default set, for server.mjs: `API_MODULES = [metaApi, ...GOOGLE_API_MODULES]`. */
export const googleApis = createGoogleApis();
export const googleOAuthApi = googleApis.oauth;
export const googleAdsApi = googleApis.ads;
export const googleDataManagerApi = googleApis.dataManager;
export const GOOGLE_API_MODULES = googleApis.modules;
