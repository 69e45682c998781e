import type { Context } from "hono";
import { ID_RULE, isValidId } from "../../config/ids";
import { ApiError, errorBody } from "../../http/errors";

/** A path id (source, destination) checked like tenant ids, so it is safe in AADs and KV. */
export function pathId(value: string | undefined, what: string): string {
  if (!value || !isValidId(value)) throw new ApiError(400, "invalid_request", `${what} ${ID_RULE}`);
  return value;
}

/** Register after a path's handlers: any other method answers 405 with `Allow`. */
export function methodNotAllowed(allowed: string[]) {
  return (c: Context) => c.json(errorBody("method_not_allowed", `Use ${allowed.join(", ")}`), 405, { Allow: allowed.join(", ") });
}
