import { dataManagerAdjustments } from "./adjustments";
import { log } from "../../platform/log";
import { sendGoogleBatch } from "../google/batch";
import { googlePrecheck } from "../google/conversion";
import { postWithGoogleAuth } from "../google/http";
import { readOAuthCredentials } from "../google/oauth";
import { retryAfterMs } from "../http";
import { googleIdentity } from "../../identity/google";
import type { DestinationDefinition } from "../definition";
import {
  GOOGLE_CLICK_IDS,
  GOOGLE_CONSENT_RULE,
  GOOGLE_REDACT_KEYS,
  GOOGLE_TRANSPORT_OUTCOMES,
  type GoogleSpecBase,
} from "../google/definition";
import { googleDataManagerSettingsSchema, googleDataManagerCredentialsSchema } from "./settings";
import { classifyIngestAnswer } from "./classify";
import { buildIngestEventsRequest, ingestEventsUrl, readDataManagerSettings } from "./payload";

/** Google Data Manager API, `events:ingest` (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest). */
export const googleDataManagerDestination: DestinationDefinition<GoogleSpecBase & { type: "google_data_manager" }> = {
  type: "google_data_manager",
  family: "google",
  settingsSchema: googleDataManagerSettingsSchema,
  credentialsSchema: googleDataManagerCredentialsSchema,
  consent: GOOGLE_CONSENT_RULE,
  identity: googleIdentity,
  clickIds: GOOGLE_CLICK_IDS,
  clientFields: [],
  baseUrlVar: "GOOGLE_DATA_MANAGER_API_BASE",
  redactKeys: GOOGLE_REDACT_KEYS,
  outcomes: GOOGLE_TRANSPORT_OUTCOMES,
  emulator: { module: "sandbox/google.mjs", prefix: "/google-dm" },
  // IngestEventsRequest: "At most 2000 events can be sent in a single request" (proto comment).
  maxBatchSize: 2000,
  adjustments: dataManagerAdjustments,

  preview(item, settings) {
    const reason = googlePrecheck(item);
    return reason ? { notSent: reason } : { body: buildIngestEventsRequest([item], readDataManagerSettings(settings)) };
  },

  async send(items, ctx) {
    const settings = readDataManagerSettings(ctx.settings);
    const creds = readOAuthCredentials(ctx.credentials);
    if (!creds) return items.map(() => ({ status: "failed", code: "credentials_missing" }));
    const url = ingestEventsUrl(ctx.env.GOOGLE_DATA_MANAGER_API_BASE);

    return sendGoogleBatch(items, async (rows) => {
      // No developer token: the Data Manager API authorizes by OAuth alone
      // (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest).
      const answer = await postWithGoogleAuth(url, {}, buildIngestEventsRequest(rows, settings), creds, ctx);
      if (answer.kind === "outcome") return rows.map(() => answer.outcome);
      const { status, outcomes } = classifyIngestAnswer(
        rows.length,
        answer.status,
        answer.body,
        settings.validateOnly,
        retryAfterMs(answer.headers, ctx.now),
      );
      // Each row's outcome goes to the delivery log; the request's own status is logged here,
      // since ingestion is asynchronous and the per-row outcome cannot show it.
      log.info("google_dm_ingest", { destinationType: "google_data_manager", status, httpStatus: answer.status, count: rows.length });
      return outcomes;
    });
  },
};
