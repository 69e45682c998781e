import { REDACT_KEYS } from "../../destinations/registry";

/**
 * Outbound payloads shown by the admin API keep their shape, not their identifiers: hashed or raw
 * identifiers, click ids, IP addresses and user agents become "[redacted]". The keys come from the
 * destination definitions (`redactKeys`); any SHA-256 hex value is redacted wherever it sits.
 */
const IDENTIFIER_KEYS = REDACT_KEYS;
const SHA256_HEX = /^[a-f0-9]{64}$/i;

export function redactIdentifiers(value: unknown, key?: string): unknown {
  if (key !== undefined && IDENTIFIER_KEYS.has(key)) {
    return Array.isArray(value) ? value.map(() => "[redacted]") : "[redacted]";
  }
  if (typeof value === "string") return SHA256_HEX.test(value) ? "[redacted]" : value;
  if (Array.isArray(value)) return value.map((v) => redactIdentifiers(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactIdentifiers(v, k)]));
  }
  return value;
}
