import { env, exports } from "cloudflare:workers";

export const OPERATOR = "test-admin-token";
export const BASE = "http://sluice.test/v1/admin";

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Tests inspect arbitrary response shapes. */
  json: any;
}

/** Every body seen by a test, so a test can assert a secret never left the API. */
export const seenBodies: string[] = [];

export async function call(
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; rawBody?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? OPERATOR : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await exports.default.fetch(`${BASE}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  seenBodies.push(text);
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON; tests that care look at `text`
  }
  return { status: res.status, headers: res.headers, text, json };
}

let counter = 0;
/** Storage is shared by the tests of one file, so each test makes its own tenant ids. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createTenant(
  id: string,
  extra: Record<string, unknown> = {},
): Promise<{ apiKey: string; tenant: Record<string, unknown> }> {
  const res = await call("POST", "/tenants", { body: { id, name: `Tenant ${id}`, region: "us", ...extra } });
  if (res.status !== 201) throw new Error(`createTenant ${id}: ${res.status} ${res.text}`);
  return res.json;
}

export const STANDARD_SECRET = `whsec_${btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 255)))}`;

export const META_TOKEN = "EAAG-meta-access-token-SUPERSECRET-0001";

export function metaDestination(overrides: Record<string, unknown> = {}) {
  return {
    type: "meta",
    enabled: true,
    settings: { pixelId: "1234567890123" },
    credentials: { accessToken: META_TOKEN },
    ...overrides,
  };
}

export const GOOGLE_CREDENTIALS = {
  developerToken: "dev-token-SUPERSECRET-g1",
  clientId: "client-id-123.apps.googleusercontent.com",
  clientSecret: "client-secret-SUPERSECRET-g2",
  refreshToken: "1//refresh-token-SUPERSECRET-g3",
};

export async function storedJson(tenantId: string): Promise<string | null> {
  return env.CONFIG.get(`tenant:${tenantId}`);
}

export async function auditRows(tenantId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, at, actor, tenant_id, action, target_id, detail FROM audit_log WHERE tenant_id = ? ORDER BY at, rowid",
  )
    .bind(tenantId)
    .all<{ id: string; at: string; actor: string; tenant_id: string; action: string; target_id: string; detail: string }>();
  return results;
}
