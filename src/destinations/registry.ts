import type { DestinationType } from "../config/types";
import { metaDestination } from "./meta";
import type { DestinationAdapter } from "./types";

/** Destination adapters by type; a type without one is recorded as not deliverable. */
export const destinationAdapters: Partial<Record<DestinationType, DestinationAdapter>> = {
  meta: metaDestination,
};
