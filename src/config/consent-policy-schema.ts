import { z } from "zod";
import { ID_PATTERN, ID_RULE } from "./ids";
import { DEFAULT_CONSENT_POLICY } from "./types";

/** Request body of PUT /tenants/:id/consent-policy; absent fields take the defaults. */
export const putConsentPolicySchema = z.strictObject({
  googleOnDenied: z.enum(["drop", "send_denied_flag"]).default(DEFAULT_CONSENT_POLICY.googleOnDenied),
  categoryMap: z
    .record(
      z.string().min(1, "category must not be empty").max(100),
      z.array(z.string().regex(ID_PATTERN, `destination id ${ID_RULE}`)).max(50),
    )
    .refine((map) => Object.keys(map).length <= 200, "at most 200 categories")
    .default(() => ({ ...DEFAULT_CONSENT_POLICY.categoryMap })),
  userRegion: z.enum(["eea", "us", "other", "auto"]).default(DEFAULT_CONSENT_POLICY.userRegion),
  defaultsCountOutsideEea: z.boolean().default(DEFAULT_CONSENT_POLICY.defaultsCountOutsideEea),
});
