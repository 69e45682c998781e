import { http, HttpResponse } from "msw";
import type { ApiModule } from "../../sandbox/server.d.mts";
import { clock } from "../../src/platform/clock";
import { server } from "./msw";

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
