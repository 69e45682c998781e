import { z } from "zod";
import { ApiError } from "../../http/errors";

/** Zod pieces for platform payloads: strict where a conversion depends on it, lenient elsewhere. */

/**
 * Platform ids arrive as numbers or strings; both become the same string. Integers beyond 2^53
 * (Shopify's) are accepted as JSON.parse rounded them; an adapter with an exact copy prefers it.
 */
export const idString = z.union([
  z.string().trim().min(1).max(256),
  z
    .number()
    .nonnegative()
    .refine((n) => Number.isInteger(n) && n < 1e21, "must be an integer id")
    .transform((n) => String(n)),
]);

/** A decimal amount as a JSON number or a decimal string (`"49.00"`), never negative. */
export const decimalAmount = z.union([
  z.number().finite().nonnegative(),
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a decimal amount")
    .transform(Number),
]);

export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be an ISO-4217 code")
  .transform((c) => c.toUpperCase());

/** Anything, for fields that are only read through the lenient helpers in ./fields. */
export const loose = z.unknown().optional();

/** `[{name|key, value}]` lists (Shopify note_attributes, WooCommerce meta_data) as a lookup. */
export function fieldLookup(list: unknown, keyName: "name" | "key"): (name: string) => unknown {
  const map = new Map<string, unknown>();
  if (Array.isArray(list)) {
    for (const entry of list.slice(0, 500)) {
      if (entry && typeof entry === "object") {
        const key = (entry as Record<string, unknown>)[keyName];
        // The first occurrence wins: later duplicates are usually stale copies.
        if (typeof key === "string" && !map.has(key)) map.set(key, (entry as Record<string, unknown>).value);
      }
    }
  }
  return (name) => map.get(name);
}

/**
 * Reads an adapter's options (validated on PUT, so this only trips on a config stored before the
 * validation existed). 503, not 4xx: the fault is the tenant's config, and a retryable answer
 * makes the platform redeliver once it is fixed instead of dropping the order.
 */
export function readOptions<S extends z.ZodType>(schema: S, options: unknown): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiError(503, "source_misconfigured", `options.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}
