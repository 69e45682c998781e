import { z } from "zod";
import { ApiError } from "../http/errors";
import { toCountryCode } from "./country";
import { CLICK_ID_FIELDS, type ClickIdName } from "../destinations/registry";
import { hashOpaque, subjectKeys } from "./subjects";

const id = z.string().trim().min(1).max(1024).optional();
const clickIdShape = Object.fromEntries(CLICK_ID_FIELDS.map((field) => [field.name, id])) as { [Name in ClickIdName]: typeof id };

/** The identifiers a withdrawal or erasure request may name (at least one). */
export const subjectSchema = z
  .strictObject({
    email: id,
    phone: id,
    externalId: id,
    // Every click id and cookie a destination reads (fbclid, fbp, fbc, gclid, ttclid, epik, …).
    ...clickIdShape,
    orderId: id,
    joinKey: id,
    // Not an identifier: the ISO 3166-1 alpha-2 country a `phone` without a country code is read in
    // (else the tenant's defaultCountry), as the webhook read the customer's.
    country: z
      .string()
      .refine((c) => toCountryCode(c) !== undefined, "must be an ISO 3166-1 alpha-2 code")
      .optional(),
  })
  .refine(({ country: _country, ...ids }) => Object.values(ids).some((v) => v !== undefined), "name at least one identifier");

/** Hashed subject keys of a withdrawal or erasure request, normalized like the webhooks' own. */
export async function requestedSubjectKeys(body: z.infer<typeof subjectSchema>, defaultCountry?: string): Promise<string[]> {
  const { email, phone, country, externalId, orderId, joinKey, ...clickIds } = body;
  const keys = await subjectKeys({ email, phone, country, externalId, orderId, joinKey, clickIds }, defaultCountry);
  if (keys.length === 0) throw new ApiError(400, "invalid_request", "No usable identifier was given");
  // Events stored before fbc was keyed by its fbclid (at most 24 h old at the upgrade) carry the whole fbc.
  const legacyFbc = await hashOpaque(clickIds.fbc);
  return legacyFbc ? [...new Set([...keys, `fbc:${legacyFbc}`])] : keys;
}
