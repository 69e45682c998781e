import type { IdentityFamilyDefinition } from "../definition";
import type { CustomerData } from "../../events/conversion";
import { customerRegion } from "../../identity/country";
import { type HashMemo, hashField } from "../../identity/hash";
import { normalizeForMeta } from "../../identity/meta";
import { type PhoneReadings, toE164 } from "../../identity/phone";

/** TikTok's `user` identifiers, SHA-256 hex of the normalized values. */
export interface TikTokHashedUser {
  email?: string;
  phone?: string;
  external_id?: string;
}

/*
 * TikTok's rules for the Events API `user` object (https://business-api.tiktok.com/portal/docs?id=1771101303285761):
 * email, phone and external_id are SHA-256 hashed; the phone in E.164 (with `+`). TikTok's own
 * server-side tag trims and lower-cases email and phone and only trims external_id
 * (https://github.com/tiktok/gtm-template-eapi/blob/main/template.js, `hash(…, lowerCase)`).
 */
const normalize = {
  /** Trimmed, lower-cased, shaped like an address (Meta's check: one `@`, a dotted domain). */
  email: (raw: string) => normalizeForMeta.em(raw),
  /** E.164 with the `+`: `+16505551212`; a number without country code is read in `country`. */
  phone: (raw: string, country?: string, readings?: PhoneReadings) => toE164(raw, country, readings),
  /** Trimmed, case kept (the pixel sends it as the shop has it). */
  external_id: (raw: string) => raw.trim() || undefined,
};

async function hashTikTokUser(customer: CustomerData, defaultCountry: string | undefined, memo?: HashMemo): Promise<TikTokHashedUser> {
  const region = customerRegion(customer.country, defaultCountry);
  const [email, phone, externalId] = await Promise.all([
    hashField(customer.email, normalize.email, memo),
    hashField(customer.phone, (raw) => normalize.phone(raw, region, memo?.phones), memo),
    hashField(customer.externalId, normalize.external_id, memo),
  ]);
  const user: TikTokHashedUser = {};
  if (email) user.email = email;
  if (phone) user.phone = phone;
  if (externalId) user.external_id = externalId;
  return user;
}

export const tiktokIdentity: IdentityFamilyDefinition<"tiktok", TikTokHashedUser> = {
  family: "tiktok",
  normalize,
  hash: hashTikTokUser,
};
