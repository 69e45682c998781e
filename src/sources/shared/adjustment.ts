import type { AdjustmentEvent } from "../../events/adjustment";
import type { ConsentInput } from "../../events/conversion";
import type { ParseResult, SourceContext } from "../types";

/** What a source reads off an adjustment webhook; the tenant and source come from the context. */
export type AdjustmentFields = Omit<AdjustmentEvent, "tenantId" | "sourceId" | "consent" | "joinKey">;

/**
 * The parse result of a refund or cancellation of the tenant's source, with the consent signals
 * and join key it carries only when it carries them.
 */
export function adjustmentResult(
  ctx: SourceContext,
  fields: AdjustmentFields,
  carried: { consent?: ConsentInput | undefined; joinKey?: string | undefined } = {},
): ParseResult {
  const adjustment: AdjustmentEvent = {
    tenantId: ctx.tenantId,
    sourceId: ctx.sourceId,
    ...fields,
    ...(carried.consent ? { consent: carried.consent } : {}),
    ...(carried.joinKey ? { joinKey: carried.joinKey } : {}),
  };
  return { kind: "adjustment", adjustment };
}
