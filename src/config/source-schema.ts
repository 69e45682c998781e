import { z } from "zod";
import { sourceAdapters } from "../sources/registry";
import { fromBase64 } from "./encoding";
import type { SourceType } from "./types";

/** Request body of PUT /tenants/:id/sources/:sourceId (SPEC §4.2). */

export const SOURCE_TYPES = ["roller", "shopify", "stripe", "woocommerce", "standard"] as const satisfies readonly SourceType[];

// Standard Webhooks: the key after `whsec_` is standard base64 of 24 to 64 bytes.
const STANDARD_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

// ROLLER has no signing scheme; the shared key we give it is the only proof of origin, so it
// must be long enough not to be guessed (reference/sources-and-consent.md §1.4).
const ROLLER_MIN_SECRET = 32;

// Options are stored and returned in clear, so anything that looks like a credential is refused,
// at any depth.
const SECRET_LIKE_KEY = /secret|token|password|passwd|credential|api[-_]?key|private/i;

// Options are read on every webhook: a few named settings, never a document.
export const MAX_OPTIONS_BYTES = 4096;
const MAX_OPTIONS_DEPTH = 8;

// HMAC keys a platform generates are long (Shopify: 32+ hex characters, Stripe: `whsec_` and 32+
// characters, WooCommerce: 50 by default); a short one can be found by trying. 16 characters is a
// floor that every genuine secret passes.
const MIN_SECRET: Partial<Record<SourceType, number>> = { shopify: 16, stripe: 16, woocommerce: 16 };

/** Paths of keys that look like credentials, anywhere in `value` (depth-bounded). */
export function secretLikePaths(value: unknown, path: string[] = [], depth = 0): string[][] {
  if (depth > MAX_OPTIONS_DEPTH || value === null || typeof value !== "object") return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) => [
    ...(Array.isArray(value) || !SECRET_LIKE_KEY.test(key) ? [] : [[...path, key]]),
    ...secretLikePaths(v, [...path, key], depth + 1),
  ]);
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== "object" || depth > MAX_OPTIONS_DEPTH) return depth;
  return Math.max(depth, ...Object.values(value).map((v) => depthOf(v, depth + 1)));
}

export function secretProblem(type: SourceType, secret: string): string | null {
  if (type === "standard") {
    const key = STANDARD_SECRET.exec(secret)?.[1];
    const bytes = key === undefined ? null : fromBase64(key);
    if (!bytes || bytes.length < 24 || bytes.length > 64) {
      return "a standard source's secret must be whsec_<base64 of a 24-64 byte key>";
    }
  }
  const min = MIN_SECRET[type];
  if (min !== undefined && secret.length < min) {
    return `a ${type} source's secret must be the platform's signing secret (at least ${min} characters)`;
  }
  if (type === "stripe" && !secret.startsWith("whsec_")) {
    return "a stripe source's secret is the endpoint's signing secret, which starts with whsec_";
  }
  if (type === "roller" && secret.length < ROLLER_MIN_SECRET) {
    return `a roller source's secret must be at least ${ROLLER_MIN_SECRET} characters of random data`;
  }
  return null;
}

export const putSourceSchema = z
  .strictObject({
    type: z.enum(SOURCE_TYPES),
    secret: z.string().min(1, "must not be empty").max(4096).optional(),
    options: z.record(z.string(), z.unknown()).default(() => ({})),
    // Write-only API credentials: ROLLER's OAuth client, used to enrich bookings.
    credentials: z
      .strictObject({ clientId: z.string().min(1).max(512), clientSecret: z.string().min(1).max(4096) })
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.secret !== undefined) {
      const problem = secretProblem(body.type, body.secret);
      if (problem) ctx.addIssue({ code: "custom", path: ["secret"], message: problem });
    }
    if (depthOf(body.options) > MAX_OPTIONS_DEPTH) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `must be nested at most ${MAX_OPTIONS_DEPTH} levels deep` });
      return;
    }
    // After the depth check: serializing an arbitrarily deep value could exhaust the stack.
    const size = new TextEncoder().encode(JSON.stringify(body.options)).length;
    if (size > MAX_OPTIONS_BYTES) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `must be at most ${MAX_OPTIONS_BYTES} bytes as JSON (is ${size})` });
      return;
    }
    for (const path of secretLikePaths(body.options)) {
      ctx.addIssue({ code: "custom", path: ["options", ...path], message: "options are stored in clear; put secrets in `secret`" });
    }
    if (body.credentials !== undefined && body.type !== "roller") {
      ctx.addIssue({ code: "custom", path: ["credentials"], message: "only roller sources take API credentials" });
    }
    // Each adapter owns the schema of its options (e.g. a roller source needs `currency`).
    const optionsSchema = sourceAdapters[body.type]?.optionsSchema;
    const checked = optionsSchema?.safeParse(body.options);
    for (const issue of checked && !checked.success ? checked.error.issues : []) {
      ctx.addIssue({ code: "custom", path: ["options", ...issue.path.map(String)], message: issue.message });
    }
  });

export type PutSourceInput = z.output<typeof putSourceSchema>;
