import { clickIdField, type DestinationDefinition, explicitChoiceOnly } from "../definition";
import { postJson } from "../http";
import { sendPrechecked } from "../precheck";
import { type BatchAnswer, sendSplitting } from "../split";
import type { DeliveryItem, SendContext } from "../types";
import { classifyPinterestAnswer, PINTEREST_OUTCOMES } from "./classify";
import { type PinterestHashedUserData, pinterestIdentity } from "./identity";
import { buildPinterestRequestBody, pinterestEventsUrl, pinterestPrecheck } from "./payload";
import { type PinterestSettings, pinterestCredentialsSchema, pinterestSettingsSchema, readPinterestSettings } from "./settings";

interface PinterestSpec {
  type: "pinterest";
  family: "pinterest";
  hashed: PinterestHashedUserData;
  clickId: "epik";
  consentFlag: "pinterest";
}

async function postBatch(items: DeliveryItem[], settings: PinterestSettings, ctx: SendContext): Promise<BatchAnswer> {
  const body = buildPinterestRequestBody(items.map((i) => i.event));
  const headers = { authorization: `Bearer ${ctx.credentials.accessToken ?? ""}` };
  const answer = await postJson(ctx.fetch, pinterestEventsUrl(ctx.env.PINTEREST_API_BASE, settings), headers, body, ctx.now);
  if ("failure" in answer) return { outcome: { status: "retry", code: answer.failure }, splittable: false };
  return classifyPinterestAnswer(answer.status, answer.body, items.length, answer.retryAfterMs);
}

/**
 * Pinterest API for Conversions (https://developers.pinterest.com/docs/api/v5/events-create):
 * `POST /v5/ad_accounts/{ad_account_id}/events` with a Bearer conversion token, up to 1,000 events
 * in `data` (the schema's maxItems), each answered `processed` or `failed`.
 */
export const pinterestDestination: DestinationDefinition<PinterestSpec> = {
  type: "pinterest",
  family: "pinterest",
  maxBatchSize: 1000,
  settingsSchema: pinterestSettingsSchema,
  credentialsSchema: pinterestCredentialsSchema,
  // No TCF vendor id is read: none was verified for Pinterest.
  consent: explicitChoiceOnly("pinterest"),
  identity: pinterestIdentity,
  clickIds: [
    // "The unique identifier stored in _epik cookie on your domain or &epik= query parameter in the URL" (user_data.click_id).
    clickIdField("epik", { urlParam: true, cookie: true }),
  ],
  clientFields: ["ip", "userAgent", "pageUrl"],
  baseUrlVar: "PINTEREST_API_BASE",
  redactKeys: ["em", "ph", "external_id", "fn", "ln", "ct", "st", "zp", "country", "client_ip_address", "client_user_agent", "click_id"],
  outcomes: PINTEREST_OUTCOMES,
  emulator: { module: "src/destinations/pinterest/emulator.mjs", prefix: "/pinterest" },

  preview(item) {
    const reason = pinterestPrecheck(item.event);
    return reason ? { notSent: reason } : { body: buildPinterestRequestBody([item.event]) };
  },

  send(items, ctx) {
    const settings = readPinterestSettings(ctx.settings);
    return sendPrechecked(
      items,
      (item) => pinterestPrecheck(item.event),
      (sendable) => sendSplitting(sendable, (batch) => postBatch(batch, settings, ctx)),
    );
  },
};
