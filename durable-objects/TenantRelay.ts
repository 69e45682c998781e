import { DurableObject } from "cloudflare:workers";
import { clock } from "../src/platform/clock";
export class TenantRelay extends DurableObject<Env> { async now() { return clock.now(); } }
