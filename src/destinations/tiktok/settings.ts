import { z } from "zod";

/**
 * TikTok Events API settings. The pixel code is the web event source id
 * (https://business-api.tiktok.com/portal/docs?id=1771101303285761); a purchase is reported as
 * `CompletePayment`, the event TikTok's own server-side tag sends for a purchase
 * (https://github.com/tiktok/gtm-template-eapi/blob/main/template.js, `TTEventMap`).
 */
export const tiktokSettingsSchema = z.strictObject({
  pixelCode: z.string().regex(/^[A-Za-z0-9]{10,40}$/, "must be the TikTok pixel code (Events Manager → the pixel's id)"),
  purchaseEvent: z.enum(["CompletePayment", "PlaceAnOrder"]).default("CompletePayment"),
  testEventCode: z.string().trim().min(1).max(100).optional(),
});

export const tiktokCredentialsSchema = z.strictObject({
  accessToken: z.string().min(1, "must not be empty").max(4096),
});

export interface TikTokSettings {
  pixelCode: string;
  purchaseEvent: string;
  testEventCode?: string;
}

export function readTikTokSettings(settings: Record<string, unknown>): TikTokSettings {
  return {
    pixelCode: String(settings.pixelCode ?? ""),
    purchaseEvent: typeof settings.purchaseEvent === "string" ? settings.purchaseEvent : "CompletePayment",
    ...(typeof settings.testEventCode === "string" && settings.testEventCode ? { testEventCode: settings.testEventCode } : {}),
  };
}
