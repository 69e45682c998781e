import type { DestinationType } from "../config/types";
import { googleAdsDestination } from "./google-ads";
import { googleDataManagerDestination } from "./google-data-manager";
import { metaDestination } from "./meta";
import type { DestinationAdapter } from "./types";

/** Destination adapters by type; a type without one is recorded as not deliverable. */
export const destinationAdapters: Partial<Record<DestinationType, DestinationAdapter>> = {
  meta: metaDestination,
  google_ads: googleAdsDestination,
  google_data_manager: googleDataManagerDestination,
};
