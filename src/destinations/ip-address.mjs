const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Whether `s` is exactly one IPv4 (dotted decimal, no leading zeros) or IPv6 address. Plain
 * JavaScript, so that the relay (which leaves anything else out of a payload) and the sandbox's
 * Google emulator (which rejects anything else, as Google does), run by Node as it is, apply the
 * one rule.
 * @param {string} s
 * @returns {boolean}
 */
export function isIpAddress(s) {
  if (IPV4.test(s)) return true;
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    // The URL parser validates IPv6 literals (with an embedded IPv4 tail) per the WHATWG host parser
    // (https://url.spec.whatwg.org/#concept-ipv6-parser).
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}
