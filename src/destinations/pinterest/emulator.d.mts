// Types for emulator.mjs (plain ESM JavaScript, loaded by the Node sandbox) so TypeScript tests can import it.
import type { ApiModule } from "../../../sandbox/server.d.mts";

export const PINTEREST_NAME: "pinterest";
export const PINTEREST_PREFIX: "/pinterest";
export const PINTEREST_MAX_EVENTS: number;
export const pinterestApi: ApiModule;
export const EMULATOR_APIS: ApiModule[];
