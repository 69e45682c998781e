import { z } from "zod";

/**
 * Pinterest API for Conversions settings
 * (https://developers.pinterest.com/docs/api/v5/events-create): the ad account the events belong
 * to, and `validateOnly` for the API's test mode (`?test=true`: "the events will not be recorded
 * but the API will still return the same response messages").
 */
export const pinterestSettingsSchema = z.strictObject({
  adAccountId: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().regex(/^\d{1,20}$/, "must be the numeric Pinterest ad account id")),
  validateOnly: z.boolean().optional(),
});

/** The conversion access token generated in Ads Manager (sent as `Authorization: Bearer`). */
export const pinterestCredentialsSchema = z.strictObject({
  accessToken: z.string().min(1, "must not be empty").max(4096),
});

export interface PinterestSettings {
  adAccountId: string;
  validateOnly: boolean;
}

export function readPinterestSettings(settings: Record<string, unknown>): PinterestSettings {
  return { adAccountId: String(settings.adAccountId ?? ""), validateOnly: settings.validateOnly === true };
}
