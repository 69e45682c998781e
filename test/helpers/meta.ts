import { HttpResponse, http } from "msw";
import { server } from "./msw";

/**
 * A Meta Conversions API stand-in (MSW) at the test tenants' base URL: it records every event it
 * receives and answers `status`: 200 with `events_received`, or else Graph's transient error
 * (code 2, https://developers.facebook.com/docs/graph-api/guides/error-handling).
 */
export function metaReceives(status = 200): any[] {
  const sent: any[] = [];
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const body = (await request.json()) as any;
      sent.push(...body.data);
      return status === 200
        ? HttpResponse.json({ events_received: body.data.length, messages: [] })
        : HttpResponse.json({ error: { code: 2, message: "Service temporarily unavailable", is_transient: true } }, { status });
    }),
  );
  return sent;
}

/**
 * Like metaReceives, but one entry per request (the events it carried), and the first
 * `networkErrors` requests fail as a dropped connection does (the events still arrived).
 */
export function metaRequests(networkErrors = 0): any[][] {
  const requests: any[][] = [];
  server.use(
    http.post("https://meta.test/:version/:pixelId/events", async ({ request }) => {
      const body = (await request.json()) as any;
      requests.push(body.data);
      return requests.length <= networkErrors
        ? HttpResponse.error()
        : HttpResponse.json({ events_received: body.data.length, messages: [] });
    }),
  );
  return requests;
}
