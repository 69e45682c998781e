import { toHex } from "../../src/config/encoding";

/**
 * An event id: `evt_` and 32 hex digits laid out as a UUID version 7 (RFC 9562 §5.7,
 * https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7): 48 bits of Unix milliseconds, then
 * 74 random bits. Ids that grow with time are appended at the end of every index keyed by event
 * (the events key, deliveries, subject keys) instead of landing on a random page of each, which
 * is most of what storing an event costs in SQLite once the tables outgrow its page cache. The
 * time they show is the receipt time every event view shows anyway.
 */
export function newEventId(now: number, random: Uint8Array = crypto.getRandomValues(new Uint8Array(10))): string {
  const time = Math.max(0, Math.min(Math.floor(now), 2 ** 48 - 1))
    .toString(16)
    .padStart(12, "0");
  const hex = toHex(random);
  // Version 7 in the 13th digit, variant 10xx in the 17th.
  const variant = ((Number.parseInt(hex[3]!, 16) & 0x3) | 0x8).toString(16);
  return `evt_${time}7${hex.slice(0, 3)}${variant}${hex.slice(4, 19)}`;
}
