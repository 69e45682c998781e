/**
 * A tenant's own webhook quota (`webhookQuota`, verified webhooks a minute), set by the operator
 * below the relay-wide `WEBHOOK_TENANT_RL` binding, whose limit is the same for every tenant
 * (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/). Counted by the
 * tenant's Durable Object, which every verified webhook of the tenant reaches anyway, so the
 * count is exact and costs no extra call. Pure: the object keeps the window in its memory.
 */

export const QUOTA_WINDOW_MS = 60_000;

/** The current minute's count, from the first webhook of the window. */
export interface QuotaWindow {
  startedAt: number;
  count: number;
}

export type QuotaVerdict =
  | { admitted: true; window: QuotaWindow | undefined }
  | { admitted: false; window: QuotaWindow; retryAfterSeconds: number };

/** Counts one webhook against `perMinute` (none set: always admitted, nothing counted). */
export function countWebhook(window: QuotaWindow | undefined, perMinute: number | undefined, now: number): QuotaVerdict {
  if (perMinute === undefined) return { admitted: true, window: undefined };
  const current = window && now >= window.startedAt && now < window.startedAt + QUOTA_WINDOW_MS ? window : { startedAt: now, count: 0 };
  if (current.count >= perMinute) {
    const retryAfterSeconds = Math.max(1, Math.ceil((current.startedAt + QUOTA_WINDOW_MS - now) / 1000));
    return { admitted: false, window: current, retryAfterSeconds };
  }
  return { admitted: true, window: { startedAt: current.startedAt, count: current.count + 1 } };
}
