import { z } from "zod";
import { CREDENTIAL_FIELDS, DESTINATION_TYPES, destinationRegistry, type DestinationType } from "../destinations/registry";

/**
 * The admin PUT body of a destination, derived from the destination definitions
 * (src/destinations/registry.ts): each type's settings schema (strict, so a misspelt field is a
 * 400 now rather than a failed delivery later) and its write-only credentials.
 */

export { CREDENTIAL_FIELDS, DESTINATION_TYPES };
export { DEFAULT_META_API_VERSION, META_ACTION_SOURCES } from "../destinations/meta/settings";
export { DEFAULT_GOOGLE_ADS_API_VERSION } from "../destinations/google-ads/settings";

const enabled = z.boolean().optional();

function putSchemaFor(type: DestinationType) {
  const definition = destinationRegistry[type];
  return z.strictObject({
    type: z.literal(type),
    enabled,
    settings: definition.settingsSchema,
    // Credentials may be left out to keep the stored ones (see routes/admin/destinations.ts).
    credentials: definition.credentialsSchema.optional(),
  });
}

type PutSchema = ReturnType<typeof putSchemaFor>;

export const putDestinationSchema = z.discriminatedUnion(
  "type",
  DESTINATION_TYPES.map(putSchemaFor) as unknown as [PutSchema, ...PutSchema[]],
);

export interface PutDestinationInput {
  type: DestinationType;
  enabled?: boolean | undefined;
  settings: Record<string, unknown>;
  credentials?: Record<string, string> | undefined;
}
