import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { ApiError } from "./errors";

export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Webhooks carry the platform's whole resource, and a large order is large: Shopify says some of
 * its webhook bodies reach "upwards of a megabyte"
 * (https://community.shopify.com/c/Shopify-APIs-SDKs/Webhook-requests-exceed-max-size/m-p/144434),
 * and it now sends up to 1,000,000 bytes inline where it used to cut off at 256 KB
 * (https://shopify.dev/changelog/amazon-eventbridge-webhook-payload-size-limit-increased-to-1-mb).
 * A 413 there loses the conversion after the platform's retries (and Shopify may drop the
 * subscription), so the webhook route takes up to 1 MiB; every other route keeps 256 KiB.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

function limitTo(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `Body exceeds ${maxSize} bytes`);
    },
  });
}

/** 413 for bodies over 256 KiB, checked on the stream, not just Content-Length. */
export const limitBody: MiddlewareHandler = limitTo(MAX_BODY_BYTES);

/** 413 for webhook bodies over 1 MiB, checked the same way. */
export const limitWebhookBody: MiddlewareHandler = limitTo(MAX_WEBHOOK_BODY_BYTES);

/** The body exactly as received, for signature checks over its bytes (limitBody bounds it). */
export async function readRawBody(c: Context): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await c.req.arrayBuffer());
}

/**
 * The body as text, decoded only after its signature was checked. Strict: bytes that are not
 * UTF-8 are a 400, not replaced with U+FFFD into something the sender never wrote. A leading
 * byte-order mark is dropped, as JSON readers do (RFC 8259 §8.1).
 */
export function decodeUtf8(bytes: Uint8Array<ArrayBuffer>): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "malformed_body", "Body is not valid UTF-8");
  }
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, "malformed_json", "Body is not valid JSON");
  }
}

/** Parse and validate a JSON body; every failure is a 400 that names the offending fields. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validate(schema, parseJson(await c.req.text()));
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
      .join("; ");
    throw new ApiError(400, "invalid_request", detail);
  }
  return result.data;
}
