/** Small value helpers every adapter's mapping uses, so each mapping reads as a field list. */

const MAX_TEXT = 1024;

/** A JSON object, or an empty one for anything else, so nested optional fields read safely. */
export function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A trimmed, non-empty, bounded string, or undefined (platforms send "" and null for "none"). */
export function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const v = value.trim();
  return v.length > 0 && v.length <= MAX_TEXT ? v : undefined;
}

/** The first usable text among candidates. */
export function firstText(...values: unknown[]): string | undefined {
  for (const value of values) {
    const v = text(value);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** An absolute http(s) URL, or undefined: Meta's `event_source_url` must be one. */
export function httpUrl(value: unknown): string | undefined {
  const v = text(value);
  if (!v) return undefined;
  try {
    const url = new URL(v);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** "Mary O'Brien-Smith" → first "Mary", last "O'Brien-Smith"; a single word is a first name. */
export function splitName(full: unknown): { firstName?: string; lastName?: string } {
  const v = text(full);
  if (!v) return {};
  const [first, ...rest] = v.split(/\s+/);
  return rest.length > 0 ? { firstName: first, lastName: rest.join(" ") } : { firstName: first };
}

/** Drops undefined members, so an event lists only what the platform actually sent. */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * An ISO-8601 time as epoch ms. A time without an offset is read as UTC: WooCommerce's `*_gmt`
 * fields are UTC without the `Z`, and that is the only offset-less form an adapter asks for.
 */
export function isoTime(value: unknown): number | undefined {
  const v = text(value);
  if (!v || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) return undefined;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const ms = Date.parse(hasOffset ? v.replace(" ", "T") : `${v.replace(" ", "T")}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
