import { googleAdjustments } from "../google/adjustment";
import { rfc3339Seconds } from "../google/conversion";
import type { AdjustmentItem, AdjustmentSupport } from "../types";
import { dataManagerIngest } from "./ingest";
import { readDataManagerSettings, type DataManagerSettings } from "./payload";

/**
 * Refunds and cancellations through `events:ingest`, as the Data Manager's conversion-adjustments
 * guide describes (https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments):
 * an event with the original's `transactionId`, sent to the same destination and conversion
 * action, restates the recorded conversion — "conversionValue, currency: Overwritten. The new value
 * replaces the recorded value", without adding a conversion. There is no adjustment type: a full
 * refund or cancellation restates the value to 0, a partial one to the order's new net value.
 *
 * Deliberately without `userData` or `adIdentifiers`: an adjustment carries only the order id, the
 * conversion action, its time and the value. The guide asks for "at least one identifier" so that
 * an event matching no conversion can be attributed as a new one; a refund must never become a
 * conversion, so Sluice sends none and waits for the original to be recorded before adjusting it
 * (durable-objects/relay/adjustment-gate.ts). `eventTimestamp` is the adjustment's own time.
 */
export function buildDataManagerAdjustment(item: AdjustmentItem): Record<string, unknown> {
  const { adjustment } = item;
  return {
    transactionId: adjustment.orderId,
    eventTimestamp: rfc3339Seconds(adjustment.occurredAt),
    conversionValue: adjustment.value,
    ...(adjustment.currency ? { currency: adjustment.currency } : {}),
    eventSource: "WEB",
  };
}

export function buildIngestAdjustmentsRequest(items: AdjustmentItem[], settings: DataManagerSettings): Record<string, unknown> {
  return {
    destinations: [
      {
        operatingAccount: { accountType: "GOOGLE_ADS", accountId: settings.operatingAccountId },
        ...(settings.loginAccountId ? { loginAccount: { accountType: "GOOGLE_ADS", accountId: settings.loginAccountId } } : {}),
        productDestinationId: settings.conversionActionId,
      },
    ],
    // No `encoding`: it is only read for user identifiers, and there are none.
    events: items.map(buildDataManagerAdjustment),
    validateOnly: settings.validateOnly,
  };
}

export const dataManagerAdjustments: AdjustmentSupport = googleAdjustments({
  readSettings: readDataManagerSettings,
  buildRequest: buildIngestAdjustmentsRequest,
  poster: (ctx, settings, build) => dataManagerIngest(ctx, settings, "adjustment", build),
});
