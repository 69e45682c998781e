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

/** UTC offsets in use run from -12:00 to +14:00 (Pacific/Kiritimati, IANA time zone database, https://www.iana.org/time-zones). */
const MAX_UTC_OFFSET_MS = 14 * 60 * 60 * 1000;

/**
 * The earliest instant the booking's `createdDate` can name, or undefined without one. The
 * envelope's dates are the webhook's own (for an `Updated`, when it was updated), so they never
 * stand in for it. A time without an offset is a wall-clock time somewhere: read as UTC it can be
 * up to 14 hours late, so the earliest reading is taken, which can only call a booking older than
 * it is (never younger, which would let a repeat through after its dedup record is gone).
 */
export function earliestCreatedAt(booking: Record<string, unknown>): number | undefined {
  const created = text(booking.createdDate);
  const at = isoTime(created);
  if (created === undefined || at === undefined) return undefined;
  return HAS_OFFSET.test(created) ? at : at - MAX_UTC_OFFSET_MS;
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
