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
