import { randomBytes, toHex } from "./encoding";

/**
 * Tenant, source and destination ids. Lowercase, no "_" (the api key uses it as separator),
 * no "/" (AADs and R2 prefixes use it), short enough for KV keys and URLs.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ID_RULE = "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit";

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** A readable id from the tenant's name plus a random suffix, e.g. `acme-shop-3f9a2c1d`. */
export function generateTenantId(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${slug || "tenant"}-${toHex(randomBytes(4))}`;
}
