import type { ConversionEvent } from "../../events/conversion";
import { ApiError } from "../../http/errors";
import type { SourceContext } from "../types";
import { isoTime, text } from "../shared/fields";
import type { RollerEnvelope } from "./envelope";
import { fieldAt, rollerBookingCustomer, rollerItems } from "./booking";
import type { RollerOptions } from "./options";

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * When the booking was made. ROLLER's date formats are not published: a time with an explicit
 * offset is preferred (the booking's `createdDate`, then the envelope's `eventDate` and
 * `sendDate`), and only then an offset-less `createdDate`, read as UTC.
 */
function bookingTime(envelope: RollerEnvelope, booking: Record<string, unknown>): number {
  const candidates = [booking.createdDate, envelope.eventDate, envelope.sendDate].map(text);
  const zoned = candidates.find((c) => c !== undefined && HAS_OFFSET.test(c));
  const at = isoTime(zoned ?? candidates.find((c) => c !== undefined));
  if (at === undefined) throw new ApiError(400, "invalid_request", "data.createdDate: a booking time is required");
  return at;
}

/** A verified `Created` (or paid `Updated`) booking as a ConversionEvent. */
export function rollerConversion(
  envelope: RollerEnvelope,
  booking: Record<string, unknown> & { uniqueId: string; bookingReference?: string; total: number },
  options: RollerOptions,
  ctx: SourceContext,
): ConversionEvent {
  return {
    tenantId: ctx.tenantId,
    sourceId: ctx.sourceId,
    // Created and Updated of one booking share it, so "a paid Updated, once" is the dedup index's job.
    dedupKey: booking.uniqueId,
    deliveryId: envelope.id,
    // The reference staff and receipts show; it is also what a checkout page can hand a pixel.
    orderId: booking.bookingReference ?? booking.uniqueId,
    eventName: "Purchase",
    occurredAt: bookingTime(envelope, booking),
    value: booking.total,
    currency: options.currency,
    items: rollerItems(booking),
    customer: rollerBookingCustomer(booking),
    // ROLLER payloads carry no click ids, browser context or consent: those come from the
    // checkout's beacon, matched by the join key.
    clickIds: {},
    client: {},
    joinKey: fieldAt(booking, options.joinKeyField),
  };
}
