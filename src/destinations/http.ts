/** Outbound HTTP helpers shared by destination adapters. */

export const DESTINATION_TIMEOUT_MS = 10_000;

/** Retry-After in ms (seconds or HTTP date), or undefined. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Reads a JSON body without throwing: a malformed vendor answer is a transient failure, not a crash. */
export async function readJsonSafely(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return undefined;
  }
}

/** A vendor's answer to one POST: its status, JSON body (undefined if unreadable) and Retry-After. */
export interface PostAnswer {
  status: number;
  body: unknown;
  retryAfterMs: number | undefined;
}

/**
 * POSTs a JSON body with the destination timeout. A network error or timeout is not an answer:
 * it comes back as the retry code to record (`timeout`, `network_error`).
 */
export async function postJson(
  fetcher: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  now: number,
): Promise<PostAnswer | { failure: "timeout" | "network_error" }> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DESTINATION_TIMEOUT_MS),
    });
  } catch (err) {
    return { failure: err instanceof Error && err.name === "TimeoutError" ? "timeout" : "network_error" };
  }
  return { status: res.status, body: await readJsonSafely(res), retryAfterMs: retryAfterMs(res.headers, now) };
}
