import { z } from "zod";

const credential = z.string().min(1, "must not be empty").max(4096);

/** Google account ids are written `123-456-7890` in the UI and sent without hyphens. */
const googleAccountId = (digits: string, rule: string) =>
  z
    .string()
    .transform((s) => s.trim().replace(/-/g, ""))
    .pipe(z.string().regex(new RegExp(`^\\d{${digits}}$`), rule));

export const customerId = googleAccountId("10", "must be a 10-digit Google Ads customer id (hyphens allowed)");
export const accountId = googleAccountId("1,20", "must be a numeric account id (hyphens allowed)");
export const conversionActionId = z.string().regex(/^\d{1,20}$/, "must be the numeric conversion action id");

/** The OAuth client and refresh token both Google destinations authenticate with. */
export const googleOAuthCredentials = {
  clientId: credential,
  clientSecret: credential,
  refreshToken: credential,
};

export { credential };
