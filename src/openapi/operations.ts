import { z } from "zod";
import { putConsentPolicySchema } from "../config/consent-policy-schema";
import { putDestinationSchema } from "../config/destination-schema";
import { putSourceSchema } from "../config/source-schema";
import { createTenantSchema, patchTenantSchema } from "../config/tenant-schema";
import { querySchema as auditQuerySchema } from "../routes/admin/audit";
import { dryRunSchema } from "../routes/admin/dry-run";
import { listQuery as eventListQuery } from "../routes/admin/events";
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

/** `GET /v1/admin/tenants` checks these by hand (tenants.ts); the same rules as a schema. */
const tenantListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.string().optional().describe("The `next` of the previous page"),
});
/** `POST /v1/admin/reencrypt` checks these by hand (reencrypt.ts); the same rules as a schema. */
const reencryptQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.string().optional().describe("The `next` of the previous call"),
});

const webhookBody = z
  .union([standardBodySchema, z.record(z.string(), z.unknown())])
  .describe(
    "The platform's own webhook body, byte for byte: ROLLER, Shopify, Stripe and WooCommerce send theirs; the `standard` source takes Sluice's format (first alternative), signed with Standard Webhooks.",
  );

const T = "/v1/admin/tenants/{id}";

export const operations: Operation[] = [
  { method: "get", path: "/healthz", tag: "Service", summary: "Liveness", auth: "none", responses: { "200": "`{ ok: true }`" } },
  {
    method: "get",
    path: "/v1/openapi.json",
    tag: "Service",
    summary: "This document",
    auth: "none",
    responses: { "200": "The OpenAPI 3.1 description of the v1 API" },
  },
  {
    method: "get",
    path: "/docs",
    tag: "Service",
    summary: "API reference (HTML, rendered from this document)",
    auth: "none",
    responses: { "200": "HTML" },
  },
  {
    method: "get",
    path: "/console",
    tag: "Service",
    summary: "Tenant console (HTML)",
    description:
      "Sign in with a tenant API key (or the operator token, then pick a tenant). The key stays in the browser tab's sessionStorage.",
    auth: "none",
    responses: { "200": "HTML" },
  },
  {
    method: "get",
    path: "/console/app.js",
    tag: "Service",
    summary: "The console's script",
    auth: "none",
    responses: { "200": "JavaScript" },
  },

  {
    method: "get",
    path: "/console/app.css",
    tag: "Service",
    summary: "Style sheet of the console and the reference",
    auth: "none",
    responses: { "200": "CSS" },
  },

  // Ingest (public)
  {
    method: "post",
    path: "/v1/hooks/{tenantId}/{sourceId}",
    tag: "Ingest",
    summary: "Receive a checkout webhook",
    description:
      "The source's adapter verifies the signature before anything else (401 `invalid_signature`, nothing stored). A conversion answers 202 once stored, a redelivery 200 `duplicate`, a verified non-conversion 200 `ignored`.",
    auth: "signature",
    body: webhookBody,
    responses: { "202": '`{ status: "accepted", id }`', "200": '`{ status: "duplicate" | "ignored", id?, reason? }`' },
  },
  {
    method: "post",
    path: "/v1/collect/{tenantId}",
    tag: "Ingest",
    summary: "Browser beacon: consent and click ids for a join key",
    description:
      'Only from the tenant\'s allowed origins. In `signed` mode the body carries a `joinToken` minted by the checkout server: `v1.<exp>.<base64url(HMAC-SHA256(beaconKey, tenantId + "." + joinKey + "." + exp))>`. Any content type (sendBeacon posts text/plain); IP, user agent and `Sec-GPC` come from the request.',
    auth: "origin",
    body: beaconSchema,
    responses: { "204": "Stored for 24 hours under the join key" },
  },
  {
    method: "options",
    path: "/v1/collect/{tenantId}",
    tag: "Ingest",
    summary: "CORS preflight of the beacon",
    auth: "origin",
    responses: { "204": "CORS grant for an allowed origin" },
  },
  {
    method: "get",
    path: "/v1/collect/{tenantId}/sluice.js",
    tag: "Ingest",
    summary: "Checkout snippet",
    description:
      'Keeps click ids first-party, reads the tenant\'s cookies and the page\'s CMP (TCF, GPP, Google consent mode, or `sluice("consent", {...})`), and posts the beacon with sendBeacon on `sluice("checkout", { joinKey, joinToken })` and on every consent change. Cacheable for 5 minutes.',
    auth: "none",
    responses: { "200": "JavaScript" },
  },
  {
    method: "post",
    path: "/v1/consent/{id}/withdraw",
    tag: "Consent",
    summary: "Withdraw consent for a person",
    description: "Identifiers are hashed before storage. Suppresses matching queued, in-flight and retrying deliveries.",
    auth: "tenant",
    body: subjectSchema,
    responses: { "200": '`{ status: "withdrawn", suppressed }`' },
  },

  // Tenants
  {
    method: "post",
    path: "/v1/admin/tenants",
    tag: "Tenants",
    summary: "Create a tenant",
    auth: "operator",
    body: createTenantSchema,
    responses: { "201": "`{ tenant, apiKey }` (the key is shown once)" },
  },
  {
    method: "get",
    path: "/v1/admin/tenants",
    tag: "Tenants",
    summary: "List tenants",
    auth: "operator",
    query: tenantListQuery,
    responses: { "200": "`{ tenants, next }`" },
  },
  { method: "get", path: T, tag: "Tenants", summary: "Read a tenant", auth: "tenant", responses: { "200": "`{ tenant }` (no secrets)" } },
  {
    method: "patch",
    path: T,
    tag: "Tenants",
    summary: "Change a tenant",
    auth: "tenant",
    body: patchTenantSchema,
    responses: { "200": "`{ tenant }`" },
  },
  {
    method: "delete",
    path: T,
    tag: "Tenants",
    summary: "Delete a tenant and purge every store",
    auth: "operator",
    responses: { "200": "Purge receipt with counts per store" },
  },
  {
    method: "post",
    path: `${T}/api-key`,
    tag: "Tenants",
    summary: "Replace every API key with a new one",
    auth: "tenant",
    responses: { "200": "`{ apiKey, keyId }`" },
  },
  {
    method: "get",
    path: `${T}/api-keys`,
    tag: "Tenants",
    summary: "List API key ids",
    auth: "tenant",
    responses: { "200": "`{ apiKeys: [{ id, createdAt }] }`" },
  },
  {
    method: "post",
    path: `${T}/api-keys`,
    tag: "Tenants",
    summary: "Add a second API key (rotation)",
    auth: "tenant",
    responses: { "201": "`{ keyId, apiKey, createdAt }`" },
  },
  {
    method: "delete",
    path: `${T}/api-keys/{keyId}`,
    tag: "Tenants",
    summary: "Delete an API key",
    auth: "tenant",
    responses: { "200": "`{ deleted }`" },
  },
  {
    method: "post",
    path: `${T}/beacon-key`,
    tag: "Tenants",
    summary: "Create or rotate the beacon signing key",
    description: "Shown once. The previous key keeps verifying join tokens for 24 hours.",
    auth: "tenant",
    responses: { "201": "`{ beaconKey }`" },
  },
  {
    method: "get",
    path: `${T}/audit`,
    tag: "Tenants",
    summary: "Audit log (newest first)",
    auth: "tenant",
    query: auditQuerySchema,
    responses: { "200": "`{ entries, next }`" },
  },
  {
    method: "get",
    path: "/v1/admin/whoami",
    tag: "Tenants",
    summary: "Who the bearer token is",
    auth: "tenant",
    responses: { "200": '`{ actor: "operator" }` or `{ actor: "tenant", tenantId }`' },
  },
  {
    method: "post",
    path: "/v1/admin/reencrypt",
    tag: "Tenants",
    summary: "Rewrite stored secrets under the current ENCRYPTION_KEY (paged)",
    auth: "operator",
    query: reencryptQuery,
    responses: { "200": "Counts and `next`" },
  },

  // Sources and destinations
  {
    method: "get",
    path: `${T}/sources`,
    tag: "Sources",
    summary: "List sources",
    auth: "tenant",
    responses: { "200": "`{ sources }` (secrets never returned)" },
  },
  {
    method: "put",
    path: `${T}/sources/{sourceId}`,
    tag: "Sources",
    summary: "Create or replace a source",
    auth: "tenant",
    body: putSourceSchema,
    responses: { "201": "Created", "200": "Replaced" },
  },
  {
    method: "get",
    path: `${T}/sources/{sourceId}`,
    tag: "Sources",
    summary: "Read a source",
    auth: "tenant",
    responses: { "200": "The source, with which secrets are set" },
  },
  {
    method: "delete",
    path: `${T}/sources/{sourceId}`,
    tag: "Sources",
    summary: "Delete a source",
    auth: "tenant",
    responses: { "200": "`{ deleted }`" },
  },
  {
    method: "get",
    path: `${T}/destinations`,
    tag: "Destinations",
    summary: "List destinations",
    auth: "tenant",
    responses: { "200": "`{ destinations }`" },
  },
  {
    method: "put",
    path: `${T}/destinations/{destinationId}`,
    tag: "Destinations",
    summary: "Create or replace a destination",
    description: "Credentials are write-only; leaving them out keeps the stored ones. A held lane resumes.",
    auth: "tenant",
    body: putDestinationSchema,
    responses: { "201": "Created, with its lane", "200": "Replaced, with its lane" },
  },
  {
    method: "get",
    path: `${T}/destinations/{destinationId}`,
    tag: "Destinations",
    summary: "Read a destination and its lane state",
    auth: "tenant",
    responses: { "200": "The destination (credentials shown as set or not) and `lane`" },
  },
  {
    method: "delete",
    path: `${T}/destinations/{destinationId}`,
    tag: "Destinations",
    summary: "Delete a destination",
    auth: "tenant",
    responses: { "200": "`{ deleted }`" },
  },
  {
    method: "post",
    path: `${T}/destinations/{destinationId}/replay`,
    tag: "Destinations",
    summary: "Resend the destination's failed and expired deliveries (within 24 h)",
    auth: "tenant",
    responses: { "200": "`{ replayed }`" },
  },
  {
    method: "get",
    path: `${T}/consent-policy`,
    tag: "Consent",
    summary: "Read the consent policy",
    auth: "tenant",
    responses: { "200": "The policy" },
  },
  {
    method: "put",
    path: `${T}/consent-policy`,
    tag: "Consent",
    summary: "Set the consent policy",
    auth: "tenant",
    body: putConsentPolicySchema,
    responses: { "200": "The policy" },
  },

  // Delivery log
  {
    method: "get",
    path: `${T}/events`,
    tag: "Events",
    summary: "Delivery log of the last 24 hours",
    auth: "tenant",
    query: eventListQuery,
    responses: { "200": "`{ events }`" },
  },
  {
    method: "get",
    path: `${T}/events/{eventId}`,
    tag: "Events",
    summary: "One event: deliveries, identifiers present (names only), consent signals",
    auth: "tenant",
    responses: { "200": "The event" },
  },
  {
    method: "post",
    path: `${T}/events/{eventId}/replay`,
    tag: "Events",
    summary: "Resend an event within 24 hours",
    auth: "tenant",
    responses: { "202": '`{ status: "replaying", replayed }`' },
  },
  {
    method: "post",
    path: `${T}/dry-run`,
    tag: "Events",
    summary: "What Sluice would do with a webhook, without storing or sending",
    auth: "tenant",
    body: dryRunSchema,
    responses: { "200": "Signature check, parsed event, decisions and outbound payloads (identifiers redacted)" },
  },
  {
    method: "get",
    path: `${T}/stats`,
    tag: "Events",
    summary: "Aggregates of the last 24 hours",
    description:
      "Received, duplicates, per destination delivered/blocked (by reason)/failed and lane state, counts per hour, identifier coverage.",
    auth: "tenant",
    responses: { "200": "The stats" },
  },
  {
    method: "post",
    path: `${T}/subjects/erase`,
    tag: "Consent",
    summary: "Erase every stored event of a person (data subject request)",
    auth: "tenant",
    body: subjectSchema,
    responses: { "200": "Counts erased" },
  },
];
