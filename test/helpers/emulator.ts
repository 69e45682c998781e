import { HttpResponse, http } from "msw";
import { expect } from "vitest";
import type { ApiModule } from "../../sandbox/server.mjs";
import { clock } from "../../src/platform/clock";
import { GOOGLE_SIGNALS_GRANTED } from "../consent/fixtures";
import { server } from "./msw";
import { admin, createTenant, deliveriesWithConsent, runAlarm, sendWebhook } from "./relay";

export interface EmulatedRequest {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  response: { status: number; body: unknown };
}

/**
 * Routes `<base><anything>` to a sandbox emulator module (the one `npm start` mounts), at the fetch
 * boundary: the relay under test talks to an API that answers like the real one, and the test sees
 * every request it received. Time is the test clock.
 */
export function useEmulator(api: ApiModule, base: string): EmulatedRequest[] {
  const received: EmulatedRequest[] = [];
  server.use(
    http.all(`${base}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const text = await request.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const headers = Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v]));
      const query = Object.fromEntries(url.searchParams);
      const path = url.pathname;
      const answer = api.handle(
        { method: request.method, path, query, headers, contentType: headers["content-type"] ?? "", body },
        { now: () => clock.now() },
      );
      received.push({ path, query, headers, body, response: { status: answer.status, body: answer.body } });
      return HttpResponse.json(answer.body as object, { status: answer.status, headers: answer.headers ?? {} });
    }),
  );
  return received;
}

/**
 * The consent test every destination granted by an explicit flag shares: with only Google's
 * signals, or only other platforms' flags, nothing reaches its emulator and each delivery is
 * blocked with `<flag>_consent_missing` (or `<flag>_denied` when `others` denies it).
 */
export async function expectNothingSentWithoutConsent(opts: {
  tenant: string;
  destinationId: string;
  flag: string;
  api: ApiModule;
  base: string;
  others: Record<string, string>;
}): Promise<void> {
  const received = useEmulator(opts.api, opts.base);
  const [google, other] = await deliveriesWithConsent(opts.tenant, opts.destinationId, `${opts.tenant}-nc`, [
    GOOGLE_SIGNALS_GRANTED,
    opts.others,
  ]);
  expect(received).toHaveLength(0);
  expect(google).toMatchObject({ decision: "blocked", reason: `${opts.flag}_consent_missing` });
  const otherReason = opts.others[opts.flag] === "denied" ? `${opts.flag}_denied` : `${opts.flag}_consent_missing`;
  expect(other).toMatchObject({ decision: "blocked", reason: otherReason });
}

/**
 * A tenant (createTenant: the standard source `shop` and Meta) with one more destination put
 * through the admin API: created, and its access token never echoed back. Returns the tenant id.
 */
export async function tenantWithDestination(
  id: string,
  destinationId: string,
  destination: { type: string; settings: Record<string, unknown>; credentials: { accessToken: string } },
): Promise<string> {
  await createTenant(id);
  const put = await admin("PUT", `/tenants/${id}/destinations/${destinationId}`, destination);
  expect(put.status).toBe(201);
  expect(put.json.destination ?? put.json).toMatchObject({ type: destination.type });
  expect(JSON.stringify(put.json)).not.toContain(destination.credentials.accessToken);
  return id;
}

/**
 * A webhook, then the platform's redelivery of it (answered as a duplicate of the first), then
 * two alarm runs, so a second send would show. Returns the first answer.
 */
export async function sendWithRedelivery(tenant: string, body: unknown) {
  const first = await sendWebhook(tenant, body);
  expect(first.status).toBe(202);
  expect((await sendWebhook(tenant, body)).json).toMatchObject({ status: "duplicate", id: first.json.id });
  await runAlarm(tenant);
  await runAlarm(tenant);
  return first;
}
