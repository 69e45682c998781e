// Types for sandbox/server.mjs (plain ESM JavaScript) so TypeScript tests can import it.

export interface ApiRequest {
  method: string;
  /** Path relative to the emulator's prefix, e.g. "/v25.0/123/events". */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  contentType: string;
  body: unknown;
  bodyError?: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface ApiSummary {
  events?: number;
  testEventCode?: string;
  body?: unknown;
}

export interface MetaErrorSpec {
  code: number;
  subcode?: number;
  is_transient?: boolean;
  message?: string;
  type?: string;
  error_user_title?: string;
  error_user_msg?: string;
  /** HTTP status; default 500 when transient (or code 1/2), else 400. */
  status?: number;
}

export type FaultResponse =
  | { status: number; retryAfter?: number; body?: unknown; headers?: Record<string, string> }
  | { meta_error: MetaErrorSpec }
  | { timeoutMs: number; then?: FaultResponse }
  | { malformedJson: true; status?: number }
  | { reset: true };

export interface FaultRule {
  /** Only requests to this emulator ("meta"); default: any. */
  api?: string;
  match?: { pathIncludes?: string; method?: string };
  /** Fire for the next n matching requests, then retire. */
  times?: number;
  /** Fire for this share (0..1) of matching requests, drawn from the plan's seeded PRNG. */
  rate?: number;
  response: FaultResponse;
}

export type FaultPlan = FaultRule[] | { seed?: number; rules: FaultRule[] };

export interface ApiModule {
  name: string;
  prefix: string;
  handle(req: ApiRequest, ctx: { now: () => number }): ApiResponse;
  describe?(req: ApiRequest): ApiSummary;
  errorResponse?(spec: MetaErrorSpec): ApiResponse;
  faultBody?(status: number): unknown;
  /** The relay variable a local run points at `<sandbox><prefix>` (e.g. TIKTOK_API_BASE). */
  baseUrlVar?: string;
}

export interface RecordedRequest {
  seq: number;
  api: string;
  method: string;
  /** Full path as received, e.g. "/meta/v25.0/123/events" (no query string). */
  path: string;
  /** Query parameters; access_token and appsecret_proof are "[redacted]". */
  query: Record<string, string>;
  /** Lower-cased headers; the Authorization value is "<scheme> [redacted]". */
  headers: Record<string, string>;
  /** Parsed body (form `data` JSON-decoded); access_token and appsecret_proof are "[redacted]". */
  body: unknown;
  receivedAt: string;
  /** status 0: no answer was sent (socket reset, or the client left during a hold). */
  response: { status: number; body: unknown };
  events?: number;
  testEventCode?: string;
  /** The fault applied, e.g. "status(503)", "meta_error(2)", "timeout(5000ms)", "malformedJson", "reset". */
  fault?: string;
  /** true while a timeout fault holds the answer. */
  pending?: boolean;
}

export interface Sandbox {
  url: string;
  port: number;
  requests(filter?: { api?: string }): RecordedRequest[];
  clear(): void;
  /** Replaces the fault plan (and re-seeds the PRNG). Throws on an invalid plan. */
  setFaults(plan: FaultPlan): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Clock in epoch milliseconds (default Date.now), for the 7-day and future checks. */
  now?: () => number;
  /** Default PRNG seed for `rate` rules (a plan's own `seed` wins). */
  seed?: number;
  /** true: one line per request on stdout (default); false: silent; or a custom sink. */
  log?: boolean | ((line: string) => void);
  /** Keep at most this many recorded requests (default 1000). */
  maxRequests?: number;
  apis?: ApiModule[];
}

export const API_MODULES: ApiModule[];
/** The relay's base-URL variables, each pointed at its emulator in a sandbox at `base`. */
export function sandboxBaseUrls(base: string): Record<string, string>;
export const RESERVED_PREFIXES: string[];
export function startSandbox(options?: SandboxOptions): Promise<Sandbox>;
export function parseNowOverride(value: string | undefined): (() => number) | undefined;
