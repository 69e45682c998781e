import type { SourceType } from "../config/types";
import { rollerSource } from "./roller";
import { shopifySource } from "./shopify";
import { standardSource } from "./standard";
import { stripeSource } from "./stripe";
import type { SourceAdapter } from "./types";
import { wooCommerceSource } from "./woocommerce";

/** Source adapters by type; a type without an adapter is configured but not yet supported. */
export const sourceAdapters: Partial<Record<SourceType, SourceAdapter>> = {
  standard: standardSource,
  roller: rollerSource,
  shopify: shopifySource,
  stripe: stripeSource,
  woocommerce: wooCommerceSource,
};
