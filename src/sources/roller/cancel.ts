import { validate } from "../../http/body";
import { ApiError } from "../../http/errors";
import { adjustmentResult } from "../shared/adjustment";
import { isoTime, text } from "../shared/fields";
import type { ParseResult, SourceContext } from "../types";
import { bookingCancellationSchema } from "./booking";
import { bookingOf, type RollerEnvelope } from "./envelope";
import type { RollerOptions } from "./options";

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A `Cancelled` booking (envelope `eventType` "Cancelled" / 3) takes the whole booking back: an
 * adjustment of the conversion its `Created` (or paid `Updated`) made, found by the booking's
 * unique id. Its time is the envelope's `eventDate` (else `sendDate`), an explicit offset preferred
 * as for bookings (ROLLER's date formats are not published).
 */
export function rollerCancellation(envelope: RollerEnvelope, options: RollerOptions, ctx: SourceContext): ParseResult {
  const booking = validate(bookingCancellationSchema, bookingOf(envelope));
  const candidates = [envelope.eventDate, envelope.sendDate].map(text);
  const occurredAt = isoTime(candidates.find((c) => c !== undefined && HAS_OFFSET.test(c)) ?? candidates.find((c) => c !== undefined));
  if (occurredAt === undefined) throw new ApiError(400, "invalid_request", "eventDate: a cancellation time is required");
  return adjustmentResult(ctx, {
    orderKey: booking.uniqueId,
    adjustmentKey: "cancelled",
    deliveryId: envelope.id,
    orderId: booking.bookingReference ?? booking.uniqueId,
    kind: "cancellation",
    occurredAt,
    full: true,
    currency: options.currency,
  });
}
