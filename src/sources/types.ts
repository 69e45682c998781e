import type { ZodType } from "zod";
import type { SourceType } from "../config/types";
import type { ConversionEvent } from "../events/conversion";

/** What a source adapter sees of the webhook request before its signature is checked. */
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
  options: Record<string, unknown>;
  /** Epoch ms, for timestamp tolerance checks. */
  now: number;
}

/**
 * A later, out-of-request lookup that can fill in identifiers the webhook lacked (ROLLER: the
 * booking detail when the webhook has no e-mail or phone). Done in the Durable Object's delivery
 * step, never in the webhook request; the result is hashed at once by the caller.
 */
export interface EnrichmentRequest {
  kind: "roller_booking";
  /** The platform's id of the record to read (ROLLER booking `uniqueId`). */
  id: string;
}

export type ParseResult =
  | { kind: "conversion"; event: ConversionEvent; enrichment?: EnrichmentRequest }
  | { kind: "ignored"; reason: string };

/**
 * One per checkout platform: verify first, then map the platform's payload to a ConversionEvent
 * or say why it is not one. The ingest route knows no platform by name.
 */
export interface SourceAdapter {
  type: SourceType;
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
   * range (../shared/bounds), and the answer then: `reject` (400) where the sender can fix and
   * resend, `ignore` (200) where the platform would retry a 4xx for days and then disable the
   * webhook (Shopify, Stripe, WooCommerce, ROLLER).
   */
  bounds: { value: string; occurredAt: string; itemPrice: string; outOfRange: "reject" | "ignore" };
  /** The source's `options`, validated by the admin API on PUT and read by the adapter. */
  optionsSchema?: ZodType;
}
