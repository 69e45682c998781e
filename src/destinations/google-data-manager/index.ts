import { dataManagerAdjustments } from "./adjustments";
import { sendGoogleBatch } from "../google/batch";
import { googlePrecheck } from "../google/conversion";
import { credentialsMissing } from "../google/oauth";
import type { DestinationDefinition } from "../definition";
import type { DeliveryItem } from "../types";
import { GOOGLE_DESTINATION_BASE, type GoogleSpecBase } from "../google/definition";
import { googleDataManagerSettingsSchema, googleDataManagerCredentialsSchema } from "./settings";
import { dataManagerIngest } from "./ingest";
import { buildIngestEventsRequest, readDataManagerSettings } from "./payload";

/** Google Data Manager API, `events:ingest` (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest). */
export const googleDataManagerDestination: DestinationDefinition<GoogleSpecBase & { type: "google_data_manager" }> = {
  type: "google_data_manager",
  ...GOOGLE_DESTINATION_BASE,
  settingsSchema: googleDataManagerSettingsSchema,
  credentialsSchema: googleDataManagerCredentialsSchema,
  baseUrlVar: "GOOGLE_DATA_MANAGER_API_BASE",
  emulator: { module: "sandbox/google.mjs", prefix: "/google-dm" },
  // IngestEventsRequest: "At most 2000 events can be sent in a single request" (proto comment).
  maxBatchSize: 2000,
  // Every tenant on one OAuth client shares its project's 300 requests a minute and 100,000 a day
  // (https://developers.google.com/data-manager/api/devguides/limits): a lane sends 10 requests
  // back to back, then 2 a minute, so a tenant busy all day sends at most 2,880.
  pacing: { burst: 10, perMinute: 2 },
  adjustments: dataManagerAdjustments,

  preview(item, settings) {
    const reason = googlePrecheck(item);
    return reason ? { notSent: reason } : { body: buildIngestEventsRequest([item], readDataManagerSettings(settings)) };
  },

  async send(items, ctx) {
    const settings = readDataManagerSettings(ctx.settings);
    const ingest = dataManagerIngest(ctx, settings, "conversion", (rows: DeliveryItem[]) => buildIngestEventsRequest(rows, settings));
    return ingest ? sendGoogleBatch(items, ingest) : credentialsMissing(items);
  },
};
