import type { AdjustmentItem, AdjustmentSupport, ItemOutcome, SendContext } from "../types";
import { postGoogleRows } from "./batch";
import { credentialsMissing } from "./oauth";

/** How one Google API takes adjustments: its settings, its request body and its poster. */
export interface GoogleAdjustmentApi<Settings> {
  readSettings(raw: Record<string, unknown>): Settings;
  buildRequest(items: AdjustmentItem[], settings: Settings): Record<string, unknown>;
  /** Posts the body `build` makes of the rows, one outcome per row; undefined without credentials. */
  poster(
    ctx: SendContext,
    settings: Settings,
    build: (rows: AdjustmentItem[]) => unknown,
  ): ((rows: AdjustmentItem[]) => Promise<ItemOutcome[]>) | undefined;
}

/**
 * Refunds and cancellations for a Google API: up to 2,000 per request (both APIs' limit); rows
 * repeating an earlier row's order id wait for a later request, as a second restatement of one
 * conversion needs its own, later adjustment time and is ignored (or rejected with
 * DUPLICATE_ADJUSTMENT_IN_REQUEST) in the same request
 * (https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionAdjustment).
 */
export function googleAdjustments<Settings>(api: GoogleAdjustmentApi<Settings>): AdjustmentSupport {
  return {
    maxBatchSize: 2000,

    preview(item, settings) {
      return { body: api.buildRequest([item], api.readSettings(settings)) };
    },

    async send(items, ctx) {
      const settings = api.readSettings(ctx.settings);
      const post = api.poster(ctx, settings, (rows) => api.buildRequest(rows, settings));
      return post ? postGoogleRows(items, (item) => item.adjustment.orderId, post) : credentialsMissing(items);
    },
  };
}
