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

// Options are stored and returned in clear, so anything that looks like a credential is refused.
const SECRET_LIKE_KEY = /secret|token|password|passwd|credential|api[-_]?key|private/i;

export function secretProblem(type: SourceType, secret: string): string | null {
  if (type === "standard") {
    const key = STANDARD_SECRET.exec(secret)?.[1];
    const bytes = key === undefined ? null : fromBase64(key);
    if (!bytes || bytes.length < 24 || bytes.length > 64) {
      return "a standard source's secret must be whsec_<base64 of a 24-64 byte key>";
    }
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
    for (const key of Object.keys(body.options)) {
      if (SECRET_LIKE_KEY.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["options", key],
          message: "options are stored in clear; put secrets in `secret`",
        });
      }
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
