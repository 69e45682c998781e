import { encryptSecret } from "../config/crypto";
import type { TenantConfig } from "../config/types";
import { eventsBucket, tenantRelay } from "../platform/durable";

/**
 * Optional raw capture: the verified webhook body, encrypted under ENCRYPTION_KEY and
 * bound to its event, in the R2 bucket of the tenant's jurisdiction. TenantRelay deletes it with
 * the event; an R2 lifecycle rule is only the backstop.
 */
export function rawCaptureKey(tenantId: string, eventId: string): string {
  return `${tenantId}/raw/${eventId}`;
}

async function storeRawCapture(env: Env, tenant: TenantConfig, eventId: string, rawBody: string, expiresAt: number) {
  const ciphertext = await encryptSecret(env.ENCRYPTION_KEY, rawBody, rawCaptureKey(tenant.id, eventId));
  await eventsBucket(env, tenant).put(rawCaptureKey(tenant.id, eventId), ciphertext, {
    customMetadata: { expiresAt: new Date(expiresAt).toISOString() },
  });
}

/** Deletes the captures of these events (R2 takes up to 1,000 keys per call). */
export async function deleteRawCaptures(bucket: R2Bucket, tenantId: string, eventIds: string[]): Promise<void> {
  for (let i = 0; i < eventIds.length; i += 1000) {
    await bucket.delete(eventIds.slice(i, i + 1000).map((id) => rawCaptureKey(tenantId, id)));
  }
}

/**
 * The ingest route's capture: written after the object stored the event, so an erasure or a
 * withdrawal (or the tenant's deletion) may land in between and find no capture yet. The object
 * is asked afterwards whether the capture may stay; if not, it goes at once. Either the erasure
 * or withdrawal runs after the write and deletes it, or this check runs after it.
 */
export async function captureRawBody(env: Env, tenant: TenantConfig, eventId: string, rawBody: string, expiresAt: number) {
  await storeRawCapture(env, tenant, eventId, rawBody, expiresAt);
  if (!(await tenantRelay(env, tenant).keepsRawCapture(eventId))) await deleteRawCaptures(eventsBucket(env, tenant), tenant.id, [eventId]);
}
