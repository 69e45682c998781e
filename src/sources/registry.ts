import type { SourceType } from "../config/types";
import { standardSource } from "./standard";
import type { SourceAdapter } from "./types";

/** Source adapters by type; a type without an adapter is configured but not yet supported. */
export const sourceAdapters: Partial<Record<SourceType, SourceAdapter>> = {
  standard: standardSource,
};
