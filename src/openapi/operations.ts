import { z } from "zod";
import { putConsentPolicySchema } from "../config/consent-policy-schema";
import { putDestinationSchema } from "../config/destination-schema";
import { putSourceSchema } from "../config/source-schema";
import { createTenantSchema, patchTenantSchema } from "../config/tenant-schema";
import { querySchema as auditQuerySchema } from "../routes/admin/audit";
import { dryRunSchema } from "../routes/admin/dry-run";
import { listQuery as eventListQuery } from "../routes/admin/events";
import { reencryptQuery } from "../routes/admin/reencrypt";
import { tenantListQuery } from "../routes/admin/tenants";
import { beaconSchema } from "../routes/collect";
import { subjectSchema } from "../identity/subject-request";
import { bodySchema as standardBodySchema } from "../sources/standard/index";

/**
 * Every operation of the v1 API with the zod schema its route validates the request with. The
 * OpenAPI document (`GET /v1/openapi.json`) is generated from this table, and a test fails when a
 * route registered in the app is missing here, so the two cannot drift apart silently.
 */

export type Auth = "none" | "tenant" | "operator" | "signature" | "origin";

export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete" | "options";
  /** OpenAPI path template: `{id}`, not `:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: z.ZodType;
  bodyDescription?: string;
  query?: z.ZodObject;
  /** Success status → what it answers. */
  responses: Record<string, string>;
}

const webhookBody = z
  .union([standardBodySchema, z.record(z.string(), z.unknown())])
  .describe(
    "The platform's own webhook body, byte for byte: ROLLER, Shopify, Stripe and WooCommerce send theirs; the `standard` source takes Sluice's format (first alternative), signed with Standard Webhooks.",
  );

/**
 * One operation as a row: method, path, summary, what the success statuses answer (a string is the
 * `200` answer), then its description, body or query when it has one, and its auth where it is not
 * the group's. The tag is the group's, so each row says only what sets it apart.
 */
type Row = [Operation["method"], string, string, string | Record<string, string>, Extra?];
type Extra = Partial<Pick<Operation, "description" | "body" | "bodyDescription" | "query" | "auth">>;

function tagged(tag: string, auth: Auth, rows: Row[]): Operation[] {
  return rows.map(([method, path, summary, answers, extra]) => ({
    method,
    path,
    tag,
    summary,
    auth,
    responses: typeof answers === "string" ? { "200": answers } : answers,
    ...extra,
  }));
}

const T = "/v1/admin/tenants/{id}";
const DELETED = "`{ deleted }`";

// Groups stay in this order: the document lists tags and paths in the order they first appear.
export const operations: Operation[] = [
  ...tagged("Service", "none", [
    ["get", "/healthz", "Liveness", "`{ ok: true }`"],
    ["get", "/v1/openapi.json", "This document", "The OpenAPI 3.1 description of the v1 API"],
    ["get", "/docs", "API reference (HTML, rendered from this document)", "HTML"],
    [
      "get",
      "/console",
      "Tenant console (HTML)",
      "HTML",
      {
        description:
          "Sign in with a tenant API key (or the operator token, then pick a tenant). The key stays in the browser tab's sessionStorage.",
      },
    ],
    ["get", "/console/app.js", "The console's script", "JavaScript"],
    ["get", "/console/app.css", "Style sheet of the console and the reference", "CSS"],
  ]),

  // Ingest (public)
  ...tagged("Ingest", "origin", [
    [
      "post",
      "/v1/hooks/{tenantId}/{sourceId}",
      "Receive a checkout webhook",
      { "202": '`{ status: "accepted", id }`', "200": '`{ status: "duplicate" | "ignored", id?, reason? }`' },
      {
        auth: "signature",
        description:
          "The source's adapter verifies the signature before anything else (401 `invalid_signature`, nothing stored). A conversion answers 202 once stored, a redelivery 200 `duplicate`, a verified non-conversion 200 `ignored`, and a webhook of a subject erased in the last 24 hours 200 `ignored` with reason `erased_subject` (not stored). Over the tenant's quota (the relay-wide one, or the tenant's own `webhookQuota`): 429 `rate_limited` with `Retry-After`, not stored.",
        body: webhookBody,
      },
    ],
    [
      "post",
      "/v1/collect/{tenantId}",
      "Browser beacon: consent and click ids for a join key",
      { "204": "Stored for 24 hours under the join key" },
      {
        description:
          'Only from the tenant\'s allowed origins. In `signed` mode the body carries a `joinToken` minted by the checkout server: `v1.<exp>.<base64url(HMAC-SHA256(beaconKey, tenantId + "." + joinKey + "." + exp))>`. Any content type (sendBeacon posts text/plain); IP, user agent and `Sec-GPC` come from the request.',
        body: beaconSchema,
      },
    ],
    ["options", "/v1/collect/{tenantId}", "CORS preflight of the beacon", { "204": "CORS grant for an allowed origin" }],
    [
      "get",
      "/v1/collect/{tenantId}/sluice.js",
      "Checkout snippet",
      "JavaScript",
      {
        auth: "none",
        description:
          'Keeps click ids first-party, reads the tenant\'s cookies and the page\'s CMP (TCF, GPP, Google consent mode, or `sluice("consent", {...})`), and posts the beacon with sendBeacon on `sluice("checkout", { joinKey, joinToken })` and on every consent change. Cacheable for 5 minutes.',
      },
    ],
  ]),
  ...tagged("Consent", "tenant", [
    [
      "post",
      "/v1/consent/{id}/withdraw",
      "Withdraw consent for a person",
      '`{ status: "withdrawn", suppressed }`',
      {
        description: "Identifiers are hashed before storage. Suppresses matching queued, in-flight and retrying deliveries.",
        body: subjectSchema,
      },
    ],
  ]),

  ...tagged("Tenants", "tenant", [
    [
      "post",
      "/v1/admin/tenants",
      "Create a tenant",
      { "201": "`{ tenant, apiKey }` (the key is shown once)" },
      { auth: "operator", body: createTenantSchema },
    ],
    ["get", "/v1/admin/tenants", "List tenants", "`{ tenants, next }`", { auth: "operator", query: tenantListQuery }],
    ["get", T, "Read a tenant", "`{ tenant }` (no secrets)"],
    ["patch", T, "Change a tenant", "`{ tenant }`", { body: patchTenantSchema }],
    ["delete", T, "Delete a tenant and purge every store", "Purge receipt with counts per store", { auth: "operator" }],
    ["post", `${T}/api-key`, "Replace every API key with a new one", "`{ apiKey, keyId }`"],
    ["get", `${T}/api-keys`, "List API key ids", "`{ apiKeys: [{ id, createdAt }] }`"],
    ["post", `${T}/api-keys`, "Add a second API key (rotation)", { "201": "`{ keyId, apiKey, createdAt }`" }],
    ["delete", `${T}/api-keys/{keyId}`, "Delete an API key", DELETED],
    [
      "post",
      `${T}/beacon-key`,
      "Create or rotate the beacon signing key",
      { "201": "`{ beaconKey }`" },
      { description: "Shown once. The previous key keeps verifying join tokens for 24 hours." },
    ],
    ["get", `${T}/audit`, "Audit log (newest first)", "`{ entries, next }`", { query: auditQuerySchema }],
    ["get", "/v1/admin/whoami", "Who the bearer token is", '`{ actor: "operator" }` or `{ actor: "tenant", tenantId }`'],
    [
      "post",
      "/v1/admin/reencrypt",
      "Rewrite stored secrets under the current ENCRYPTION_KEY (paged)",
      "Counts and `next`",
      { auth: "operator", query: reencryptQuery },
    ],
  ]),

  // Sources and destinations
  ...tagged("Sources", "tenant", [
    ["get", `${T}/sources`, "List sources", "`{ sources }` (secrets never returned)"],
    ["put", `${T}/sources/{sourceId}`, "Create or replace a source", { "201": "Created", "200": "Replaced" }, { body: putSourceSchema }],
    ["get", `${T}/sources/{sourceId}`, "Read a source", "The source, with which secrets are set"],
    ["delete", `${T}/sources/{sourceId}`, "Delete a source", DELETED],
  ]),
  ...tagged("Destinations", "tenant", [
    ["get", `${T}/destinations`, "List destinations", "`{ destinations }`"],
    [
      "put",
      `${T}/destinations/{destinationId}`,
      "Create or replace a destination",
      { "201": "Created, with its lane", "200": "Replaced, with its lane" },
      {
        description: "Credentials are write-only; leaving them out keeps the stored ones. A held lane resumes.",
        body: putDestinationSchema,
      },
    ],
    [
      "get",
      `${T}/destinations/{destinationId}`,
      "Read a destination and its lane state",
      "The destination (credentials shown as set or not) and `lane`",
    ],
    ["delete", `${T}/destinations/{destinationId}`, "Delete a destination", DELETED],
    [
      "post",
      `${T}/destinations/{destinationId}/replay`,
      "Resend the destination's failed and expired deliveries (within 24 h)",
      "`{ replayed }`",
    ],
    [
      "post",
      `${T}/destinations/{destinationId}/test-event`,
      "Send a test event to the platform's test mode",
      '`{ destinationId, type, mode: "test_event_code" | "validate_only", status: "validated" | "processing" | "retry" | "hold" | "failed", code?, message?, payload }` (identifiers redacted)',
      {
        description:
          "One sample purchase (made-up values), sent at once to a destination whose settings set its test mode: `testEventCode` (Meta, TikTok) or `validateOnly` (Google, Pinterest, `?test=true`). Nothing is stored or counted. A destination sending live traffic answers 409 `test_mode_off` and nothing is sent; the dry run shows its payload instead.",
      },
    ],
  ]),
  ...tagged("Consent", "tenant", [
    ["get", `${T}/consent-policy`, "Read the consent policy", "The policy"],
    ["put", `${T}/consent-policy`, "Set the consent policy", "The policy", { body: putConsentPolicySchema }],
  ]),

  // Delivery log
  ...tagged("Events", "tenant", [
    ["get", `${T}/events`, "Delivery log of the last 24 hours", "`{ events }`", { query: eventListQuery }],
    ["get", `${T}/events/{eventId}`, "One event: deliveries, identifiers present (names only), consent signals", "The event"],
    ["post", `${T}/events/{eventId}/replay`, "Resend an event within 24 hours", { "202": '`{ status: "replaying", replayed }`' }],
    [
      "post",
      `${T}/dry-run`,
      "What Sluice would do with a webhook, without storing or sending",
      "Signature check, parsed event, decisions and outbound payloads (identifiers redacted)",
      { body: dryRunSchema },
    ],
    [
      "get",
      `${T}/stats`,
      "Aggregates of the last 24 hours",
      "The stats",
      {
        description:
          "Received, duplicates, per destination delivered/blocked (by reason)/failed and lane state, counts per hour, identifier coverage.",
      },
    ],
  ]),
  ...tagged("Consent", "tenant", [
    [
      "post",
      `${T}/subjects/erase`,
      "Erase every stored event of a person (data subject request)",
      "Counts erased",
      { body: subjectSchema },
    ],
  ]),
];
