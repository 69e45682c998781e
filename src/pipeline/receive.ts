import { DecryptError, EncryptionKeyError } from "../config/crypto";
import { sourceSecret } from "../config/tenant-store";
import type { SourceConfig, TenantConfig } from "../config/types";
import type { RelayEvent } from "../events/conversion";
import { newHashMemo } from "../identity/hash";
import { hashOpaque, subjectKeys } from "../identity/subjects";
import { decodeUtf8 } from "../http/body";
import { ApiError } from "../http/errors";
import { log } from "../platform/log";
import type { AdjustmentInput } from "../platform/relay-rpc";
import { sourceDefinition } from "../sources/registry";
import { applyBounds } from "../sources/shared/bounds";
import type { SourceRequest } from "../sources/types";
import { type ConsentPlan, consentPlan } from "./consent-plan";
import { identityFamilies } from "./identity-families";
import { toRelayEvent } from "./relay-event";

/**
 * The source's secret, or a 503 when the relay cannot decrypt it: it was sealed under an
 * ENCRYPTION_KEY this relay no longer has. That is the relay's own state, not the platform's
 * input, so the platform is asked to retry (every one retries a 5xx) until the operator restores
 * the key or the tenant sets the secret again.
 */
async function readableSourceSecret(env: Env, tenant: TenantConfig, sourceId: string): ReturnType<typeof sourceSecret> {
  try {
    return await sourceSecret(env, tenant, sourceId);
  } catch (err) {
    if (!(err instanceof DecryptError || err instanceof EncryptionKeyError)) throw err;
    log.error("source_secret_unreadable", { tenantId: tenant.id, sourceId, errorName: err.name });
    throw new ApiError(
      503,
      "source_secret_unreadable",
      "This source's signing secret cannot be decrypted with the relay's ENCRYPTION_KEY (or ENCRYPTION_KEY_PREVIOUS): the operator must restore the key it was saved under, or the tenant set the secret again",
      { "Retry-After": "300" },
    );
  }
}

/** What became of a webhook, before anything is stored. */
export type Reception =
  /** An unsigned platform handshake (e.g. WooCommerce's webhook-creation ping): answered, never read. */
  | { kind: "acknowledged"; reason: string }
  /** Verified (or, for a dry run, reported) and parsed, but not a conversion. */
  | { kind: "ignored"; reason: string; signatureValid: boolean }
  /** A conversion, hashed for the planned destinations: what the Durable Object stores. */
  | { kind: "conversion"; signatureValid: boolean; event: RelayEvent; plan: ConsentPlan; text: string }
  /** A refund or cancellation of an earlier order, its join key hashed (src/events/adjustment.ts). */
  | { kind: "adjustment"; signatureValid: boolean; adjustment: AdjustmentInput; plan: ConsentPlan; text: string };

export interface ReceiveOptions {
  now: number;
  /**
   * `reject`: an invalid signature ends the request with 401 before the body is read (ingest).
   * `report`: it is reported in `signatureValid` and the webhook is read on (dry-run).
   */
  unverified: "reject" | "report";
  /** Runs once the signature is valid, before the body is read (ingest: the tenant's quota). */
  afterVerify?: () => Promise<void>;
}

/**
 * The one way a webhook is received, by ingest and dry-run alike: the source's definition
 * verifies it over the raw bytes, then (only then) the body is decoded and parsed, bounded,
 * planned against the tenant's consent plan and hashed for the destination families the plan
 * needs (an adjustment carries no identifiers; its order id and join key are hashed into its
 * subject keys). Raw personal data
 * does not leave this call.
 */
export async function receiveWebhook(
  env: Env,
  tenant: TenantConfig,
  source: SourceConfig,
  request: SourceRequest,
  options: ReceiveOptions,
): Promise<Reception> {
  const definition = sourceDefinition(source.type);
  if (!definition) throw new ApiError(501, "source_type_unsupported", `Source type ${source.type} is not supported yet`);

  const handshake = definition.acknowledge?.(request);
  if (handshake) return { kind: "acknowledged", reason: handshake.reason };

  const { secret, key } = await readableSourceSecret(env, tenant, source.id);
  const ctx = {
    tenantId: tenant.id,
    sourceId: source.id,
    secret,
    key,
    options: source.options,
    now: options.now,
  };
  // Verification comes before anything decodes or reads the body.
  const signatureValid = await definition.verify(request, ctx);
  if (!signatureValid && options.unverified === "reject") {
    log.warn("webhook_rejected", { tenantId: tenant.id, sourceId: source.id, reason: "invalid_signature" });
    throw new ApiError(401, "invalid_signature", "Signature verification failed");
  }
  await options.afterVerify?.();

  const text = decodeUtf8(request.body);
  const parsed = applyBounds(definition.parse({ ...request, text }, ctx), definition, options.now);
  switch (parsed.kind) {
    case "ignored":
      return { kind: "ignored", reason: parsed.reason, signatureValid };
    case "adjustment": {
      const { tenantId: _tenantId, joinKey, ...rest } = parsed.adjustment;
      const memo = newHashMemo();
      const [joinKeyHash, subjects] = await Promise.all([
        hashOpaque(joinKey, memo),
        subjectKeys({ orderId: rest.orderId, joinKey }, undefined, memo),
      ]);
      const adjustment: AdjustmentInput = { ...rest, subjectKeys: subjects, ...(joinKeyHash ? { joinKeyHash } : {}) };
      return { kind: "adjustment", signatureValid, adjustment, plan: consentPlan(tenant), text };
    }
    case "conversion": {
      const plan = consentPlan(tenant);
      const event = await toRelayEvent(parsed.event, tenant, identityFamilies(plan));
      if (parsed.enrichment) event.enrichment = parsed.enrichment;
      return { kind: "conversion", signatureValid, event, plan, text };
    }
  }
}
