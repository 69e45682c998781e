const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The value when it is exactly one IPv4 or IPv6 address, else undefined. Destinations take one
 * address per field, and a value such as "unknown, 1.2.3.4" or a host name would get a whole
 * batch rejected, so it is left out instead.
 */
export function validIpAddress(value: string | undefined): string | undefined {
  if (!value || value !== value.trim()) return undefined;
  if (IPV4.test(value)) return value;
  if (!value.includes(":") || !/^[0-9a-fA-F:.]+$/.test(value)) return undefined;
  try {
    // The URL parser validates IPv6 literals (with an embedded IPv4 tail) per the WHATWG host parser.
    new URL(`http://[${value}]/`);
    return value;
  } catch {
    return undefined;
  }
}
