import { clickIdField, type DestinationDefinition, explicitChoiceOnly } from "../definition";
import { postJson } from "../http";
import { sendSplitting, type BatchAnswer } from "../split";
import type { DeliveryItem, SendContext } from "../types";
import { classifyTikTokAnswer, TIKTOK_OUTCOMES } from "./classify";
import { tiktokIdentity, type TikTokHashedUser } from "./identity";
import { buildTikTokRequestBody, tiktokTrackUrl } from "./payload";
import { readTikTokSettings, tiktokCredentialsSchema, tiktokSettingsSchema, type TikTokSettings } from "./settings";

interface TikTokSpec {
  type: "tiktok";
  family: "tiktok";
  hashed: TikTokHashedUser;
  clickId: "ttclid" | "ttp";
  consentFlag: "tiktok";
}

async function postBatch(items: DeliveryItem[], settings: TikTokSettings, ctx: SendContext): Promise<BatchAnswer> {
  const body = buildTikTokRequestBody(
    items.map((i) => i.event),
    settings,
  );
  const headers = { "access-token": ctx.credentials.accessToken ?? "" };
  const answer = await postJson(ctx.fetch, tiktokTrackUrl(ctx.env.TIKTOK_API_BASE), headers, body, ctx.now);
  if ("failure" in answer) return { outcome: { status: "retry", code: answer.failure }, splittable: false };
  return classifyTikTokAnswer(answer.status, answer.body, answer.retryAfterMs);
}

/**
 * TikTok Events API 2.0, web events (https://business-api.tiktok.com/portal/docs?id=1771101303285761):
 * `POST /open_api/v1.3/event/track/` with the `Access-Token` header, `event_source: "web"`, the
 * pixel code as `event_source_id`, up to 1,000 events in `data`. One invalid event fails the
 * request, so such a batch is halved until the bad event is alone.
 */
export const tiktokDestination: DestinationDefinition<TikTokSpec> = {
  type: "tiktok",
  family: "tiktok",
  maxBatchSize: 1000,
  settingsSchema: tiktokSettingsSchema,
  credentialsSchema: tiktokCredentialsSchema,
  // No TCF vendor id is read: none was verified for TikTok.
  consent: explicitChoiceOnly("tiktok"),
  identity: tiktokIdentity,
  clickIds: [
    // `ttclid` on the landing URL; `_ttp` is the pixel's first-party cookie (same page as above).
    clickIdField("ttclid", { urlParam: true }),
    clickIdField("ttp", { cookie: true }),
  ],
  clientFields: ["ip", "userAgent", "pageUrl"],
  baseUrlVar: "TIKTOK_API_BASE",
  redactKeys: ["email", "phone", "external_id", "ttclid", "ttp", "ip", "user_agent"],
  outcomes: TIKTOK_OUTCOMES,
  emulator: { module: "src/destinations/tiktok/emulator.mjs", prefix: "/tiktok" },

  preview(item, rawSettings) {
    return { body: buildTikTokRequestBody([item.event], readTikTokSettings(rawSettings)) };
  },

  send(items, ctx) {
    const settings = readTikTokSettings(ctx.settings);
    return sendSplitting(items, (batch) => postBatch(batch, settings, ctx));
  },
};
