import { isIpAddress } from "./ip-address.mjs";

/**
 * The value when it is exactly one IPv4 or IPv6 address, else undefined. Destinations take one
 * address per field, and a value such as "unknown, 1.2.3.4" or a host name would get a whole
 * batch rejected, so it is left out instead.
 */
export function validIpAddress(value: string | undefined): string | undefined {
  if (!value || value !== value.trim()) return undefined;
  return isIpAddress(value) ? value : undefined;
}
