import { DESTINATION_TIMEOUT_MS, readJsonSafely } from "../http";
import type { ItemOutcome, SendContext } from "../types";
import { getAccessToken, type GoogleOAuthCredentials } from "./oauth";

/** An answer from Google, or an outcome for every row when there was none to read. */
export type GooglePostResult =
  | { kind: "answer"; status: number; headers: Headers; body: unknown }
  | { kind: "outcome"; outcome: ItemOutcome };

/** `body` undefined: a GET. */
async function sendJson(url: string, headers: Record<string, string>, body: unknown, ctx: SendContext): Promise<GooglePostResult> {
  let res: Response;
  try {
    res = await ctx.fetch(
      url,
      body === undefined
        ? { method: "GET", headers, signal: AbortSignal.timeout(DESTINATION_TIMEOUT_MS) }
        : {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(DESTINATION_TIMEOUT_MS),
          },
    );
  } catch (err) {
    const code = err instanceof Error && err.name === "TimeoutError" ? "timeout" : "network_error";
    return { kind: "outcome", outcome: { status: "retry", code } };
  }
  return { kind: "answer", status: res.status, headers: res.headers, body: await readJsonSafely(res) };
}

/**
 * POSTs JSON with `authorization: Bearer <access token>`. A 401 means the token was revoked or
 * expired early: the token is refreshed once and the request sent once more; a second 401 is
 * returned to the caller, which records it as a failure rather than looping.
 */
export function postWithGoogleAuth(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  creds: GoogleOAuthCredentials,
  ctx: SendContext,
): Promise<GooglePostResult> {
  return withGoogleAuth(url, headers, body, creds, ctx);
}

/** GET with the same bearer handling (requestStatus:retrieve). */
export function getWithGoogleAuth(url: string, creds: GoogleOAuthCredentials, ctx: SendContext): Promise<GooglePostResult> {
  return withGoogleAuth(url, {}, undefined, creds, ctx);
}

async function withGoogleAuth(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  creds: GoogleOAuthCredentials,
  ctx: SendContext,
): Promise<GooglePostResult> {
  const first = await getAccessToken(creds, ctx);
  if (first.status !== "ok") return { kind: "outcome", outcome: first };
  const answer = await sendJson(url, { ...headers, authorization: `Bearer ${first.token}` }, body, ctx);
  if (answer.kind !== "answer" || answer.status !== 401) return answer;

  const second = await getAccessToken(creds, ctx, { rejected: first.token });
  if (second.status !== "ok") return { kind: "outcome", outcome: second };
  return sendJson(url, { ...headers, authorization: `Bearer ${second.token}` }, body, ctx);
}
