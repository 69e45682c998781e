import type { AdjustmentEvent } from "../../events/adjustment";
import type { ConversionEvent } from "../../events/conversion";
import { ApiError } from "../../http/errors";
import type { ParseResult, SourceDefinition } from "../types";

/**
 * Sane ranges for what a webhook may claim, checked after parsing (pure policy, no I/O).
 * A billion in any currency is beyond any single checkout; Meta and Google take a double and an
 * infinite or absurd value only poisons reports. Times: Meta refuses events older than 7 days and
 * Google conversions older than 90, so nothing older than 90 days can be delivered anywhere;
 * a day ahead allows for any clock skew.
 */
export const MAX_AMOUNT = 1_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_AGE_MS = 90 * DAY_MS;
export const MAX_AHEAD_MS = DAY_MS;

const inAmountRange = (v: number) => Number.isFinite(v) && Math.abs(v) <= MAX_AMOUNT;

/** Which of the event's claims is out of range, if any. */
export function outOfRange(event: ConversionEvent, now: number): "value" | "occurredAt" | "items" | undefined {
  if (!inAmountRange(event.value)) return "value";
  if (!Number.isFinite(event.occurredAt) || event.occurredAt < now - MAX_AGE_MS || event.occurredAt > now + MAX_AHEAD_MS) {
    return "occurredAt";
  }
  if (event.items.some((item) => item.price !== undefined && !inAmountRange(item.price))) return "items";
  return undefined;
}

/** The same ranges for a refund or cancellation: its amounts and its time. */
export function adjustmentOutOfRange(adjustment: AdjustmentEvent, now: number): "value" | "occurredAt" | undefined {
  const amounts = [adjustment.refundedValue, adjustment.netValue].filter((v): v is number => v !== undefined);
  if (amounts.some((v) => !inAmountRange(v) || v < 0)) return "value";
  const at = adjustment.occurredAt;
  if (!Number.isFinite(at) || at < now - MAX_AGE_MS || at > now + MAX_AHEAD_MS) return "occurredAt";
  return undefined;
}

/**
 * A parsed conversion with an out-of-range amount or time is refused, naming the platform's field:
 * `400` where the sender can correct and resend, `200 ignored` where the platform would keep
 * retrying a 4xx of an order that cannot change (the definition's `bounds.outOfRange`).
 */
export function applyBounds(parsed: ParseResult, source: SourceDefinition, now: number): ParseResult {
  if (parsed.kind === "ignored") return parsed;
  const problem = parsed.kind === "conversion" ? outOfRange(parsed.event, now) : adjustmentOutOfRange(parsed.adjustment, now);
  if (!problem) return parsed;
  const field = problem === "items" ? source.bounds.itemPrice : source.bounds[problem];
  if (source.bounds.outOfRange === "ignore") return { kind: "ignored", reason: `out_of_range:${field}` };
  const rule =
    problem === "occurredAt"
      ? "must be within the last 90 days and at most 1 day ahead"
      : `must be a finite amount of at most ${MAX_AMOUNT}`;
  throw new ApiError(400, "invalid_request", `${field}: ${rule}`);
}
