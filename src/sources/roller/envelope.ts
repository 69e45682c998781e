import { z } from "zod";
import { idString } from "../shared/schema";

/**
 * ROLLER's delivery envelope (https://docs.roller.app): `{ id, sendDate, eventDate, type, eventType, data }`
 * where `type` and `eventType` arrive as names or as numbers, and `data` is the booking itself or
 * `{ booking }`.
 */
const TYPE_NAMES: Record<number, string> = {
  1: "booking",
  3: "redemption",
  4: "customer",
  5: "bulkexport",
  7: "signedwaiver",
  8: "paymentlink",
};
const EVENT_NAMES: Record<number, string> = { 1: "created", 2: "updated", 3: "cancelled", 4: "deleted" };

const enumValue = z.union([z.string().trim().min(1).max(64), z.number().int()]);

export const envelopeSchema = z.object({
  id: idString,
  type: enumValue,
  eventType: enumValue,
  eventDate: z.unknown().optional(),
  sendDate: z.unknown().optional(),
  data: z.record(z.string(), z.unknown()),
});

export type RollerEnvelope = z.output<typeof envelopeSchema>;

/** `"Payment Link"`, `"paymentLink"` and `8` all read `paymentlink`; unknown numbers keep their digits. */
function enumName(value: string | number, names: Record<number, string>): string {
  if (typeof value === "number") return names[value] ?? String(value);
  return value.replace(/[\s_-]+/g, "").toLowerCase();
}

export const envelopeType = (e: RollerEnvelope): string => enumName(e.type, TYPE_NAMES);
export const envelopeEvent = (e: RollerEnvelope): string => enumName(e.eventType, EVENT_NAMES);

/** The booking object, whichever of the two observed shapes `data` has. */
export function bookingOf(e: RollerEnvelope): Record<string, unknown> {
  const nested = e.data.booking;
  return nested && typeof nested === "object" && !Array.isArray(nested) ? (nested as Record<string, unknown>) : e.data;
}
