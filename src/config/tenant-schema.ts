import { z } from "zod";
import { ID_PATTERN, ID_RULE } from "./ids";

/** Request bodies of POST /tenants and PATCH /tenants/:id. */

export const REGIONS = ["eu", "us", "global"] as const;

/** "signed": beacons need a join token from the checkout server; "origin": the Origin header alone. */
export const BEACON_AUTH = ["signed", "origin"] as const;

const name = z.string().trim().min(1, "must not be empty").max(200);

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "DE"')
  .transform((s) => s.toUpperCase());

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const siteUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      return new URL(v).protocol === "https:";
    } catch {
      return false;
    }
  }, 'must be an https URL such as "https://shop.example"');

/** Verified webhooks a minute; WEBHOOK_TENANT_RL's own limit (wrangler.toml) is the ceiling. */
export const MAX_WEBHOOK_QUOTA = 120_000;
const webhookQuota = z.number().int().min(1).max(MAX_WEBHOOK_QUOTA);

const timezone = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"');

/** `https://shop.example[:port]` exactly as a browser sends it in `Origin`, or null. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") return null;
  // URL() would accept "https://shop.example/?" or a trailing "#", which a browser never sends.
  if (/[?#]/.test(value)) return null;
  return url.origin;
}

const origin = z.string().transform((value, ctx) => {
  const normalized = normalizeOrigin(value);
  if (normalized === null) {
    ctx.addIssue({ code: "custom", message: 'must be an origin such as "https://shop.example" (scheme, host, optional port; no path)' });
    return z.NEVER;
  }
  return normalized;
});

const allowedOrigins = z
  .array(origin)
  .max(50, "at most 50 origins")
  .transform((list) => [...new Set(list)]);

export const createTenantSchema = z.strictObject({
  id: z.string().regex(ID_PATTERN, ID_RULE).optional(),
  name,
  region: z.enum(REGIONS),
  defaultCountry: country.optional(),
  timezone: timezone.optional(),
  siteUrl: siteUrl.optional(),
  allowedOrigins: allowedOrigins.default(() => []),
  rawCapture: z.boolean().default(false),
  beaconAuth: z.enum(BEACON_AUTH).default("signed"),
  webhookQuota: webhookQuota.optional(),
});

/** `null` clears an optional field. `region` is accepted only to report region_immutable. */
export const patchTenantSchema = z.strictObject({
  name: name.optional(),
  region: z.enum(REGIONS).optional(),
  defaultCountry: country.nullable().optional(),
  timezone: timezone.nullable().optional(),
  siteUrl: siteUrl.nullable().optional(),
  allowedOrigins: allowedOrigins.optional(),
  rawCapture: z.boolean().optional(),
  beaconAuth: z.enum(BEACON_AUTH).optional(),
  /** Operator only; `null` lifts it. */
  webhookQuota: webhookQuota.nullable().optional(),
});

export type CreateTenantInput = z.output<typeof createTenantSchema>;
export type PatchTenantInput = z.output<typeof patchTenantSchema>;
