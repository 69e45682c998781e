import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { afterEach, beforeEach } from "vitest";
import { createGoogleApis, type GoogleApis } from "../../sandbox/google.mjs";
import type { ApiModule, ApiRequest, ApiResponse } from "../../sandbox/server.mjs";
import { clearGoogleTokenCacheForTesting } from "../../src/destinations/google/oauth";
import type { DeliveryItem, SendContext } from "../../src/destinations/types";
import type { RelayEvent } from "../../src/events/conversion";
import { setClockForTesting } from "../../src/platform/clock";
import { server } from "../helpers/msw";
import { admin } from "../helpers/relay";
import { TEST_WHSEC } from "../helpers/standard-webhooks";

// ---------------------------------------------------------------------------------------------
// The relay's clock, an hour ahead of the real one. workerd fires a Durable Object alarm on its
// own once its (real) time comes; an hour ahead, that never happens during a test, so only
// runAlarm delivers and webhooks can be made to share one batch. (Purchases are dated by the real
// clock: an hour is well inside the relay's bounds on event times.)

const AHEAD_MS = 3_600_000;
let offset = AHEAD_MS;
export const now = () => Date.now() + offset;
export const advance = (ms: number) => {
  offset += ms;
};

/** Each test starts an hour ahead, with no access token cached from another test. */
export function useClockAhead(): void {
  beforeEach(() => {
    offset = AHEAD_MS;
    setClockForTesting(now);
    // The Worker shares this isolate's module graph: one token cache across tests otherwise.
    clearGoogleTokenCacheForTesting();
  });
  afterEach(() => setClockForTesting(undefined));
}

// ---------------------------------------------------------------------------------------------
// One sample event, used by the payload tests of both destinations.

export const EMAIL_HASH = "06a240d11cc201676da976f7b49341181fd180da37cbe40a77432c0a366c80c3";
export const PHONE_HASH = "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8";
export const OCCURRED_AT = Date.parse("2026-11-22T10:00:00Z");

export const SAMPLE_EVENT: RelayEvent = {
  sourceId: "shop",
  dedupKey: "1001",
  orderId: "1001",
  eventName: "Purchase",
  occurredAt: OCCURRED_AT,
  value: 49,
  currency: "EUR",
  items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
  clickIds: { gclid: "Cj0KCQiA_sample-gclid", fbp: "fb.1.1767000000000.123" },
  client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0", pageUrl: "https://shop.example/thanks" },
  consent: { gcm: { ad_user_data: "granted" } },
  subjectKeys: [],
  identity: {
    meta: { em: ["a".repeat(64)] },
    google: { hashedEmail: EMAIL_HASH, hashedPhoneNumber: PHONE_HASH },
  },
};

export function item(event: Partial<RelayEvent> = {}, decision: DeliveryItem["decision"] = "send", eventId = "evt_1"): DeliveryItem {
  return { eventId, event: { ...SAMPLE_EVENT, ...event }, decision };
}

export const OAUTH_CREDENTIALS = {
  clientId: "client-1.apps.googleusercontent.com",
  clientSecret: "secret-1",
  refreshToken: "1//refresh-1",
};

// ---------------------------------------------------------------------------------------------
// A scripted fetch for adapter unit tests: records each request, answers from a list.

export interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  text: string;
  json?: any;
}

export function scriptedFetch(respond: (req: Captured, index: number) => Response | Promise<Response>) {
  const calls: Captured[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    // Decoded by hand: workerd warns when .text() reads a form-encoded body.
    const text = new TextDecoder().decode(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => {
      headers[k] = v;
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const captured = { url: request.url, method: request.method, headers, text, json };
    calls.push(captured);
    return respond(captured, calls.length - 1);
  }) as typeof fetch;
  return { calls, fetch: fetchFn };
}

export function sendContext(
  fetchFn: typeof fetch,
  settings: Record<string, unknown>,
  credentials: Record<string, string>,
  now = OCCURRED_AT + 60_000,
  scope: SendContext["scope"] = { tenantId: "t-google", destinationId: "gads" },
): SendContext {
  return { scope, env, settings, credentials, now, fetch: fetchFn };
}

export const tokenResponse = (token: string, expiresIn = 3599) =>
  Response.json({ access_token: token, expires_in: expiresIn, scope: "https://www.googleapis.com/auth/adwords", token_type: "Bearer" });

// ---------------------------------------------------------------------------------------------
// The sandbox emulators (sandbox/google.mjs) behind MSW, so Worker tests run against the same
// Google the local sandbox answers as.

export interface EmulatorCall {
  api: string;
  url: string;
  headers: Record<string, string>;
  body: any;
  status: number;
  response: any;
}

type Override = (req: ApiRequest) => ApiResponse | undefined;

/** A request as the sandbox server hands it to an emulator module: a JSON POST to `/` unless `over` says otherwise. */
export const emulatorRequest = (over: Partial<ApiRequest>): ApiRequest => ({
  method: "POST",
  path: "/",
  query: {},
  headers: {},
  contentType: "application/json",
  body: undefined,
  ...over,
});

/** The OAuth emulator's answer to a refresh-token grant (`form` changes its fields), at `now`. */
export function emulatorToken(apis: GoogleApis, now: () => number, form: Record<string, string> = {}): ApiResponse {
  return apis.oauth.handle(
    emulatorRequest({
      path: "/token",
      contentType: "application/x-www-form-urlencoded",
      body: { grant_type: "refresh_token", client_id: "c", client_secret: "s", refresh_token: "r", ...form },
    }),
    { now },
  );
}

/** The fields of an MSW request that an emulator reads (MSW's request type is not workerd's). */
interface IncomingRequest {
  url: string;
  method: string;
  headers: Headers;
  arrayBuffer(): Promise<ArrayBuffer>;
}

async function toApiRequest(request: IncomingRequest): Promise<ApiRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const contentType = headers["content-type"] ?? "";
  const text = new TextDecoder().decode(await request.arrayBuffer());
  let body: unknown;
  let bodyError: string | undefined;
  if (text === "") body = undefined;
  else if (/x-www-form-urlencoded/i.test(contentType)) body = Object.fromEntries(new URLSearchParams(text));
  else {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
      bodyError = "The request body is not valid JSON.";
    }
  }
  return {
    method: request.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    contentType,
    body,
    ...(bodyError ? { bodyError } : {}),
  };
}

/**
 * Installs MSW handlers for https://oauth.test, https://googleads.test and
 * https://datamanager.test (the test bindings of vitest.config.ts) answered by a fresh set of
 * sandbox emulators. `override(api, fn)` queues a one-shot answer (a 401, a 429 …) ahead of them.
 */
export function useGoogleEmulators(now: () => number) {
  const apis: GoogleApis = createGoogleApis();
  const calls: EmulatorCall[] = [];
  const overrides = new Map<string, Override[]>();

  const mount = (host: string, mod: ApiModule) =>
    http.all(new RegExp(`^https://${host.replace(/\./g, "\\.")}/`), async ({ request }) => {
      const apiReq = await toApiRequest(request);
      const override = overrides.get(mod.name)?.shift();
      const answer = override?.(apiReq) ?? mod.handle(apiReq, { now });
      calls.push({
        api: mod.name,
        url: request.url,
        headers: apiReq.headers,
        body: apiReq.body,
        status: answer.status,
        response: answer.body,
      });
      return HttpResponse.json(answer.body as any, { status: answer.status, headers: answer.headers });
    });

  server.use(mount("oauth.test", apis.oauth), mount("googleads.test", apis.ads), mount("datamanager.test", apis.dataManager));
  return {
    apis,
    calls,
    callsTo: (api: "google-oauth" | "google-ads" | "google-dm") => calls.filter((c) => c.api === api),
    override(api: string, fn: Override) {
      overrides.set(api, [...(overrides.get(api) ?? []), fn]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tenants through the Admin API.

export const ADS_SETTINGS = {
  customerId: "123-456-7890",
  conversionActionId: "987654321",
  loginCustomerId: "111-222-3333",
  apiVersion: "v25",
};
export const DM_SETTINGS = { operatingAccountId: "123-456-7890", conversionActionId: "987654321" };

// Credentials differ per tenant, so tenants never share a cached access token.
const oauthOf = (id: string) => ({ clientId: `client-${id}`, clientSecret: `secret-${id}`, refreshToken: `refresh-${id}` });

/** The body of a PUT of the tenant's Google Ads destination `google`, with the tenant's own credentials. */
export const googleAdsPut = (id: string, settings: Record<string, unknown>) => ({
  type: "google_ads",
  enabled: true,
  settings,
  credentials: { developerToken: "dev-token-1", ...oauthOf(id) },
});

/** The body of a PUT of the tenant's Data Manager destination `google-dm`, with the tenant's own credentials. */
export const dataManagerPut = (id: string, settings: Record<string, unknown>) => ({
  type: "google_data_manager",
  enabled: true,
  settings,
  credentials: oauthOf(id),
});

/** A tenant with the standard source `shop` and the given Google destinations (no Meta). */
export async function createGoogleTenant(
  id: string,
  destinations: { ads?: Record<string, unknown>; dm?: Record<string, unknown> },
  policy?: Record<string, unknown>,
) {
  const created = await admin("POST", "/tenants", { id, name: `Tenant ${id}`, region: "global", defaultCountry: "US" });
  if (created.status !== 201) throw new Error(`tenant create failed: ${created.status} ${created.text}`);
  const puts: Array<[string, unknown]> = [["/sources/shop", { type: "standard", secret: TEST_WHSEC }]];
  if (destinations.ads) puts.push(["/destinations/google", googleAdsPut(id, destinations.ads)]);
  if (destinations.dm) puts.push(["/destinations/google-dm", dataManagerPut(id, destinations.dm)]);
  if (policy) puts.push(["/consent-policy", policy]);
  for (const [path, body] of puts) {
    const res = await admin("PUT", `/tenants/${id}${path}`, body);
    if (res.status >= 300) throw new Error(`PUT ${path} failed: ${res.status} ${res.text}`);
  }
}

export function googlePurchase(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    type: "purchase",
    orderId,
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    value: 49.0,
    currency: "eur",
    items: [{ id: "SKU1", quantity: 2, price: 24.5 }],
    customer: { email: "  John.Doe+Shop@GMail.com ", phone: "+1 (650) 555-1212", firstName: "Mary", country: "US" },
    clickIds: { gclid: `Cj0KCQiA_${orderId}` },
    client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0", pageUrl: "https://shop.example/thanks" },
    consent: { gcm: { ad_user_data: "granted" } },
    ...overrides,
  };
}
