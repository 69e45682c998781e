import type { SourceType } from "../config/types";
import type { ConversionEvent } from "../events/conversion";

/** What a source adapter sees of the webhook request. */
export interface SourceRequest {
  headers: Headers;
  /** The exact bytes that were signed, decoded as UTF-8. */
  rawBody: string;
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

export type ParseResult =
  | { kind: "conversion"; event: ConversionEvent }
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
  parse(req: SourceRequest, ctx: SourceContext): ParseResult;
}
