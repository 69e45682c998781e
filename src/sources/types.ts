import type { ZodType } from "zod";
import type { AdjustmentEvent } from "../events/adjustment";
import type { ConversionEvent, CustomerData, EnrichmentRequest } from "../events/conversion";
import type { Failure } from "../platform/outcome";
import type { CredentialScope, RunMemo } from "../platform/token-cache";
import type { SourceKey } from "./shared/crypto";

export type { EnrichmentRequest } from "../events/conversion";

/** What a source sees of the webhook request before its signature is checked. */
export interface SourceRequest {
  headers: Headers;
  /** The body exactly as received: signatures are checked over these bytes, never over a decoding. */
  body: Uint8Array<ArrayBuffer>;
}

/** The request once verified: only now is the body decoded (strict UTF-8) for parsing. */
export interface VerifiedRequest extends SourceRequest {
  text: string;
}

export interface SourceContext {
  tenantId: string;
  sourceId: string;
  /** The source's signing secret, decrypted for this request only. */
  secret: string;
  /** The verify key imported from `secret`, held with the cached config (shared/crypto.ts SourceKey). */
  key?: SourceKey;
  options: Record<string, unknown>;
  /** Epoch ms, for timestamp tolerance checks. */
  now: number;
}

/**
 * What a verified webhook is. A union on `kind`: every consumer switches over it, so a new kind
 * (e.g. a refund) is a compile error wherever it is not handled yet.
 */
export type ParseResult =
  | { kind: "conversion"; event: ConversionEvent; enrichment?: EnrichmentRequest }
  /** A refund or cancellation of an earlier order (see src/events/adjustment.ts). */
  | { kind: "adjustment"; adjustment: AdjustmentEvent }
  | { kind: "ignored"; reason: string };

/** What an enrichment hook is given: the source's API credentials, decrypted for this call only. */
export interface EnrichContext {
  env: Env;
  credentials: Record<string, string>;
  /** The tenant and source whose credentials these are; cached tokens are keyed by it. */
  scope: CredentialScope;
  /** Token requests in flight, shared by the lookups of one alarm run only. */
  memo: RunMemo;
  now: number;
}

/**
 * An enrichment's outcome in the relay's one result vocabulary (src/platform/outcome.ts): the raw
 * customer data looked up (hashed by the caller at once), or a failure: `retry` waits a little
 * and tries again, anything else sends the event with what the webhook had.
 */
export type EnrichmentOutcome = { status: "ok"; customer: CustomerData } | Failure;

/**
 * One per checkout platform, declarative: how its secret must look, its options and credentials,
 * how a webhook is verified and parsed, and an optional out-of-request lookup. The ingest
 * pipeline, the admin API and the Durable Object know no platform by name; they read this.
 */
export interface SourceDefinition<T extends string = string> {
  type: T;
  /** Why a proposed signing secret cannot be this platform's (admin PUT answers 400), or null. */
  secretProblem(secret: string): string | null;
  /** The source's `options`, validated by the admin API on PUT and read by the definition. */
  optionsSchema?: ZodType;
  /**
   * Write-only API credentials the `enrich` hook reads from the platform with (admin PUT). A
   * source without it takes none.
   */
  credentialsSchema?: ZodType<Record<string, string>>;
  /** Constant-time signature check; false means 401 and nothing stored. */
  verify(req: SourceRequest, ctx: SourceContext): Promise<boolean>;
  /** Throws ApiError (4xx) for malformed or incomplete payloads. */
  parse(req: VerifiedRequest, ctx: SourceContext): ParseResult;
  /**
   * An unsigned handshake the platform sends before any signed delivery (WooCommerce pings a new
   * webhook with `webhook_id=<n>` and no signature, and wants a 200). Returns the reason to answer
   * `200 {"status":"ignored"}` with, without verification and without storing anything; or
   * undefined for every other request, which then goes through `verify` as usual.
   */
  acknowledge?(req: SourceRequest): { reason: string } | undefined;
  /**
   * The platform's names of the amount, time and item price fields, named when one is out of
   * range (./shared/bounds), and the answer then: `reject` (400) where the sender can fix and
   * resend, `ignore` (200) where the platform would retry a 4xx for days and then disable the
   * webhook (Shopify, Stripe, WooCommerce, ROLLER).
   */
  bounds: { value: string; occurredAt: string; itemPrice: string; outOfRange: "reject" | "ignore" };
  /**
   * A later lookup that fills in identifiers the webhook lacked, for events whose `parse` asked
   * for one. The Durable Object calls it in its delivery step, never in the webhook request, and
   * hashes what it returns at once. Never throws for the platform's answer; it classifies it.
   */
  enrich?(request: EnrichmentRequest, ctx: EnrichContext): Promise<EnrichmentOutcome>;
}

/** Keeps the literal `type` of a definition, from which the registry derives the source types. */
export function defineSource<const T extends string>(definition: SourceDefinition<T>): SourceDefinition<T> {
  return definition;
}
