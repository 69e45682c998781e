import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { ApiError } from "./errors";

export const MAX_BODY_BYTES = 256 * 1024;

/** 413 for bodies over 256 KiB (SPEC §4), checked on the stream, not just Content-Length. */
export const limitBody: MiddlewareHandler = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `Body exceeds ${MAX_BODY_BYTES} bytes`);
  },
});

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
