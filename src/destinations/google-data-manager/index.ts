import { dataManagerAdjustments } from "./adjustments";
import { sendGoogleBatch } from "../google/batch";
import { googlePrecheck } from "../google/conversion";
import { readOAuthCredentials } from "../google/oauth";
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
import { postIngest } from "./ingest";
import { buildIngestEventsRequest, readDataManagerSettings } from "./payload";

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
    return sendGoogleBatch(items, (rows) =>
      postIngest(rows.length, buildIngestEventsRequest(rows, settings), settings, creds, ctx, "conversion"),
    );
  },
};
