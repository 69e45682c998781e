import { z } from "zod";
import { RETENTION_MS } from "../../delivery/backoff";
import { parseJson, validate } from "../../http/body";
import { readOptions } from "../shared/schema";
import { defineSource } from "../types";
import { verifyRollerKey } from "./auth";
import { rollerCancellation } from "./cancel";
import { bookingSchema, isPaidBooking } from "./booking";
import { enrichRollerBooking, ROLLER_BOOKING_LOOKUP } from "./enrich";
import { bookingOf, envelopeEvent, envelopeSchema, envelopeType } from "./envelope";
import { earliestCreatedAt, rollerConversion } from "./map";
import { rollerOptionsSchema } from "./options";

export { fetchRollerBooking, rollerBookingFromResponse } from "./enrich";
export { rollerBookingCustomer } from "./booking";

// ROLLER has no signing scheme; the shared key we give it is the only proof of origin, so it
// must be long enough not to be guessed.
const ROLLER_MIN_SECRET = 32;

/** The venue's OAuth client (https://docs.roller.app "Authentication"), used to enrich bookings. */
const rollerCredentialsSchema = z.strictObject({ clientId: z.string().min(1).max(512), clientSecret: z.string().min(1).max(4096) });

/**
 * ROLLER booking webhooks (https://docs.roller.app). A `Created` booking is a conversion, an `Updated` one
 * only once paid (the booking's unique id dedups the pair); `Cancelled` is an adjustment of it
 * (./cancel.ts); `Deleted` is ignored.
 */
export const rollerSource = defineSource({
  type: "roller",
  bounds: { value: "total", occurredAt: "createdDate", itemPrice: "items.price", outOfRange: "ignore" },
  optionsSchema: rollerOptionsSchema,
  credentialsSchema: rollerCredentialsSchema,
  secretProblem: (secret) =>
    secret.length < ROLLER_MIN_SECRET ? `a roller source's secret must be at least ${ROLLER_MIN_SECRET} characters of random data` : null,
  enrich: enrichRollerBooking,

  async verify(req, ctx) {
    const authHeader = rollerOptionsSchema.shape.authHeader.safeParse(ctx.options.authHeader);
    return verifyRollerKey(req.headers, ctx.secret, authHeader.success ? authHeader.data : undefined);
  },

  parse(req, ctx) {
    const options = readOptions(rollerOptionsSchema, ctx.options);
    const envelope = validate(envelopeSchema, parseJson(req.text));
    const type = envelopeType(envelope);
    if (type !== "booking") return { kind: "ignored", reason: `type:${type.slice(0, 32)}` };
    const event = envelopeEvent(envelope);
    if (event === "cancelled") return rollerCancellation(envelope, options, ctx);
    if (event === "deleted") return { kind: "ignored", reason: "booking_deleted" };
    if (event !== "created" && event !== "updated") return { kind: "ignored", reason: `event:${event.slice(0, 32)}` };

    const booking = validate(bookingSchema, bookingOf(envelope));
    if (event === "updated" && !isPaidBooking(booking)) return { kind: "ignored", reason: "booking_not_paid" };

    const conversion = rollerConversion(envelope, booking, options, ctx);
    // Every `Created` is counted, so a paid `Updated` of a booking made more than 24 hours ago (a
    // check-in on the day of the visit, an edit) repeats a conversion whose dedup record is gone
    // with its event: counted again it would be a second purchase at Meta, which deduplicates an
    // event_id only for 48 hours
    // (https://developers.facebook.com/docs/marketing-api/conversions-api/deduplicate-pixel-and-server-events/).
    // The booking's own createdDate decides (./map.ts, earliestCreatedAt): the conversion's time
    // may be the Updated's eventDate when createdDate has no offset.
    const createdAt = earliestCreatedAt(booking) ?? conversion.occurredAt;
    if (event === "updated" && ctx.now - createdAt > RETENTION_MS) return { kind: "ignored", reason: "created_before_window" };
    // Without e-mail or phone Meta can barely match; the booking detail usually has them.
    const needsContact = !conversion.customer.email && !conversion.customer.phone;
    return needsContact
      ? { kind: "conversion", event: conversion, enrichment: { kind: ROLLER_BOOKING_LOOKUP, id: booking.uniqueId } }
      : { kind: "conversion", event: conversion };
  },
});
