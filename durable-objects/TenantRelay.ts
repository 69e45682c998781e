import { DurableObject } from "cloudflare:workers";

export interface PurgeReceipt {
  events: number;
  deliveries: number;
}

/** One per tenant: dedup index, stored hashed events, delivery queue and log (SPEC §2). */
export class TenantRelay extends DurableObject<Env> {
  /** Erase every row of this tenant's object (tenant deletion). */
  async purgeTenant(): Promise<PurgeReceipt> {
    await this.ctx.storage.deleteAll();
    return { events: 0, deliveries: 0 };
  }
}
