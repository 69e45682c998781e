import { z } from "zod";
import { currencyCode } from "../shared/schema";

/** A header name as HTTP allows it (RFC 9110 token), compared lower-case. */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name")
  .transform((h) => h.toLowerCase());

/**
 * ROLLER source options. `currency` is required: ROLLER's payloads carry none (it is a venue
 * setting), and a value without a currency cannot be reported.
 */
export const rollerOptionsSchema = z.looseObject({
  currency: currencyCode,
  /** Booking field (dot path allowed) holding the key the checkout's browser beacon also sends. */
  joinKeyField: z
    .string()
    .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, "must be a field name or dot path")
    .max(128)
    .default("externalId"),
  /** Header carrying the subscription's shared key; unset = the defaults in ./auth. */
  authHeader: headerName.optional(),
});

export type RollerOptions = z.output<typeof rollerOptionsSchema>;
