import type { MetaHashedUserData } from "../../events/conversion";
import { metaIdentity } from "../../identity/meta";
import { clickIdField, type DestinationDefinition, explicitChoiceOnly } from "../definition";
import type { DeliveryItem, ItemOutcome, SendContext } from "../types";
import { DESTINATION_TIMEOUT_MS, readJsonSafely, retryAfterMs } from "../http";
import { sendPrechecked } from "../precheck";
import { blamedEventIndex, classifyMetaError, isInvalidEventError, type MetaGraphError } from "./classify";
import { buildMetaRequestBody, metaEventsUrl, metaPrecheck, readMetaSettings, type MetaSettings } from "./payload";
import { metaCredentialsSchema, metaSettingsSchema } from "./settings";

interface MetaSpec {
  type: "meta";
  family: "meta";
  hashed: MetaHashedUserData;
  clickId: "fbclid" | "fbc" | "fbp";
  consentFlag: "meta";
}

/** One POST of a batch; the outcome applies to every event in it. */
async function postBatch(
  items: DeliveryItem[],
  settings: MetaSettings,
  ctx: SendContext,
): Promise<{ outcome: ItemOutcome; splittable: boolean; blamed?: number }> {
  let res: Response;
  try {
    res = await ctx.fetch(metaEventsUrl(ctx.env.META_API_BASE, settings), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // A header keeps the token out of URLs, which proxies and access logs record.
        authorization: `Bearer ${ctx.credentials.accessToken ?? ""}`,
      },
      body: JSON.stringify(
        buildMetaRequestBody(
          items.map((i) => i.event),
          settings,
          ctx.now,
        ),
      ),
      signal: AbortSignal.timeout(DESTINATION_TIMEOUT_MS),
    });
  } catch (err) {
    const code = err instanceof Error && err.name === "TimeoutError" ? "timeout" : "network_error";
    return { outcome: { status: "retry", code }, splittable: false };
  }
  const body = (await readJsonSafely(res)) as { events_received?: number; error?: MetaGraphError } | undefined;
  if (res.ok && body && typeof body.events_received === "number") {
    return { outcome: { status: "delivered" }, splittable: false };
  }
  if (res.ok) return { outcome: { status: "retry", code: "malformed_response" }, splittable: false };
  const error = body?.error;
  return {
    outcome: classifyMetaError(res.status, error, retryAfterMs(res.headers, ctx.now)),
    splittable: isInvalidEventError(error),
    blamed: blamedEventIndex(error, items.length),
  };
}

/**
 * Requests one send may spend isolating invalid events: halving finds one bad event among 1,000
 * in about 20, so this bounds a batch full of them (the rest are retried later, not dropped).
 */
const SPLIT_REQUEST_BUDGET = 40;

/**
 * Sends a batch. Meta rejects the whole request for one invalid event: when the error names the
 * event (see blamedEventIndex) just that one fails and the rest are resent; otherwise the batch is
 * halved until the bad one is alone. Request-level errors (a hold, throttling) are never split.
 */
async function sendSplitting(
  items: DeliveryItem[],
  settings: MetaSettings,
  ctx: SendContext,
  budget = { left: SPLIT_REQUEST_BUDGET },
): Promise<ItemOutcome[]> {
  if (budget.left <= 0) return items.map(() => ({ status: "retry", code: "split_budget_exhausted" }));
  budget.left--;
  const { outcome, splittable, blamed } = await postBatch(items, settings, ctx);
  if (!splittable || items.length === 1) return items.map(() => outcome);
  if (blamed !== undefined) {
    const rest = items.filter((_, i) => i !== blamed);
    const restOutcomes = await sendSplitting(rest, settings, ctx, budget);
    return items.map((_, i) => (i === blamed ? outcome : restOutcomes[i < blamed ? i : i - 1]!));
  }
  const mid = Math.ceil(items.length / 2);
  const first = await sendSplitting(items.slice(0, mid), settings, ctx, budget);
  const second = await sendSplitting(items.slice(mid), settings, ctx, budget);
  return [...first, ...second];
}

/**
 * Meta Conversions API (https://developers.facebook.com/docs/marketing-api/conversions-api).
 * Batches of up to 1,000 events
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api#batch-requests).
 * No `adjustments`: the Conversions API has no refund, retraction or restatement of an event, and
 * a negative-value or made-up event would corrupt reporting, so refunds and cancellations end
 * `not_supported` for Meta.
 */
export const metaDestination: DestinationDefinition<MetaSpec> = {
  type: "meta",
  family: "meta",
  maxBatchSize: 1000,
  settingsSchema: metaSettingsSchema,
  credentialsSchema: metaCredentialsSchema,
  consent: explicitChoiceOnly("meta"),
  identity: metaIdentity,
  clickIds: [
    clickIdField("fbclid", { urlParam: true }),
    // The `_fbc` and `_fbp` cookies (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc).
    clickIdField("fbp", { cookie: true }),
    clickIdField("fbc", { cookie: true }),
  ],
  clientFields: ["ip", "userAgent", "pageUrl"],
  baseUrlVar: "META_API_BASE",
  redactKeys: [
    "em",
    "ph",
    "fn",
    "ln",
    "ct",
    "st",
    "zp",
    "country",
    "external_id",
    "db",
    "ge",
    "client_ip_address",
    "client_user_agent",
    "fbc",
    "fbp",
  ],
  outcomes: {
    timeout: "retry",
    network_error: "retry",
    malformed_response: "retry",
    split_budget_exhausted: "retry",
    missing_outcome: "retry",
    event_too_old: "failed",
    event_time_in_future: "failed",
    website_context_missing: "failed",
    // Graph errors are named meta_<code>[_<subcode>] or http_<status> and classed by classifyMetaError.
  },
  emulator: { module: "sandbox/meta.mjs", prefix: "/meta" },
  apiVersionVar: "META_API_VERSION",

  preview(item, rawSettings, now) {
    const settings = readMetaSettings(rawSettings);
    const reason = metaPrecheck(item.event, settings, now);
    return reason ? { notSent: reason } : { body: buildMetaRequestBody([item.event], settings, now) };
  },

  send(items, ctx) {
    const settings = readMetaSettings(ctx.settings);
    return sendPrechecked(
      items,
      (item) => metaPrecheck(item.event, settings, ctx.now),
      (sendable) => sendSplitting(sendable, settings, ctx),
    );
  },
};
