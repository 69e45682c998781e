import { ID_RULE, isValidId } from "../../config/ids";
import { ApiError } from "../../http/errors";

export { methodNotAllowed } from "../../http/errors";

/** A path id (source, destination) checked like tenant ids, so it is safe in AADs and KV. */
export function pathId(value: string | undefined, what: string): string {
  if (!value || !isValidId(value)) throw new ApiError(400, "invalid_request", `${what} ${ID_RULE}`);
  return value;
}
