// Types for emulator.mjs (plain ESM JavaScript, loaded by the Node sandbox) so TypeScript tests can import it.
import type { ApiModule } from "../../../sandbox/server.d.mts";

export const TIKTOK_NAME: "tiktok";
export const TIKTOK_PREFIX: "/tiktok";
export const TIKTOK_TRACK_PATH: "/open_api/v1.3/event/track/";
export const TIKTOK_MAX_EVENTS: number;
export const tiktokApi: ApiModule;
export const EMULATOR_APIS: ApiModule[];
