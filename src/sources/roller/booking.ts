import { z } from "zod";
import type { CustomerData, LineItem } from "../../events/conversion";
import { compact, firstText, record, splitName, text } from "../shared/fields";
import { decimalAmount, idString } from "../shared/schema";

/** The booking fields a conversion cannot do without; everything else is read leniently. */
export const bookingSchema = z.looseObject({
  uniqueId: idString,
  bookingReference: idString.optional(),
  total: decimalAmount,
});

/** A cancellation needs only to name the booking. */
export const bookingCancellationSchema = z.looseObject({
  uniqueId: idString,
  bookingReference: idString.optional(),
});

function numeric(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/**
 * Customer data of a booking, from the webhook or from `GET /bookings/{uniqueId}`: the contact
 * fields sit on the booking (`email`, `phone` or one of its variants) or on a nested `customer`.
 * `name` is only a fallback: on some bookings it names the booking rather than the person.
 */
export function rollerBookingCustomer(booking: unknown): CustomerData {
  const b = record(booking);
  const c = record(b.customer);
  const address = record(b.address ?? c.address);
  const full = splitName(firstText(c.name, b.name));
  const phoneKeys = ["phone", "contactNumber", "mobileNumber", "phoneNumber", "mobile"];
  return compact({
    email: firstText(b.email, c.email),
    phone: firstText(...phoneKeys.map((k) => b[k]), ...phoneKeys.map((k) => c[k])),
    firstName: firstText(b.firstName, c.firstName, full.firstName),
    lastName: firstText(b.lastName, c.lastName, full.lastName),
    city: firstText(address.city, address.suburb, b.city, b.suburb, c.city, c.suburb),
    state: firstText(address.state, b.state, c.state),
    zip: firstText(address.postcode, address.postCode, address.zip, b.postcode, b.postCode, c.postcode, c.postCode),
    country: firstText(address.country, b.country, c.country),
    externalId: firstText(b.customerId, c.customerId, c.id),
  });
}

/** Line items: `productId` (or a code or name) and `quantity`; items without either are left out. */
export function rollerItems(booking: Record<string, unknown>): LineItem[] {
  const items = Array.isArray(booking.items) ? booking.items.slice(0, 500) : [];
  const out: LineItem[] = [];
  for (const raw of items) {
    const item = record(raw);
    const id = firstText(item.productId, item.productCode, item.id, item.productName, item.name);
    const quantity = numeric(item.quantity);
    if (!id || quantity === undefined || !Number.isInteger(quantity) || quantity <= 0) continue;
    const price = numeric(item.unitPrice ?? item.price);
    out.push(price !== undefined && price >= 0 ? { id, quantity, price } : { id, quantity });
  }
  return out;
}

const PAID_STATUS = /^(fully\s*)?paid$|^complete(d)?$/i;

/**
 * Whether an `Updated` booking is paid: nothing left owing where ROLLER says what is owed, else
 * a paid status. An `Updated` that is not paid is not a conversion (yet).
 */
export function isPaidBooking(booking: Record<string, unknown>): boolean {
  const owing = numeric(booking.amountOwing ?? booking.remainder);
  if (owing !== undefined) return owing <= 0;
  const status = text(booking.status);
  return status !== undefined && PAID_STATUS.test(status);
}

/** A dot path into the booking (`externalId`, `customFields.sluiceKey`). */
export function fieldAt(booking: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = booking;
  for (const part of path.split(".")) value = record(value)[part];
  return text(value);
}
