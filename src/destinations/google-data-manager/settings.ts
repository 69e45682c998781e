import { z } from "zod";
import { accountId, conversionActionId, googleOAuthCredentials } from "../google/settings";

export const googleDataManagerSettingsSchema = z.strictObject({
  operatingAccountId: accountId,
  loginAccountId: accountId.optional(),
  conversionActionId,
  validateOnly: z.boolean().optional(),
});

export const googleDataManagerCredentialsSchema = z.strictObject(googleOAuthCredentials);
