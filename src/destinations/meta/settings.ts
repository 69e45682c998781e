import { z } from "zod";
import { META_ACTION_SOURCES } from "./action-sources.mjs";

export { META_ACTION_SOURCES };

/**
 * Last resort only: the version is the operator's META_API_VERSION (wrangler.toml) unless a
 * destination pins `apiVersion`, which is stored only then (src/destinations/effective-settings.ts).
 */
export const DEFAULT_META_API_VERSION = "v25.0";

const credential = z.string().min(1, "must not be empty").max(4096);

/** Strict, so a misspelt field is a 400 now rather than a failed delivery later. */
export const metaSettingsSchema = z.strictObject({
  pixelId: z.string().regex(/^\d{1,32}$/, "must be the numeric pixel (dataset) id, as a string"),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like "v25.0"')
    .optional(),
  testEventCode: z.string().trim().min(1).max(100).optional(),
  actionSource: z.enum(META_ACTION_SOURCES).default("website"),
});

export const metaCredentialsSchema = z.strictObject({ accessToken: credential });
