/** The retry schedule (README, "Reliability"): 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, then every 6 h. */
export const RETRY_SCHEDULE_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** Retries are aligned to 5 s slots (never earlier than their schedule). */
export const RETRY_SLOT_MS = 5_000;
/** ±20 % jitter keeps retries of many events from hitting a recovering API in lockstep. */
const JITTER = 0.2;

/**
 * Delay before retry number `attempt` (1 = first retry). A server's Retry-After is a floor, never
 * shortened by jitter.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random, retryAfterMs?: number): number {
  const index = Math.min(Math.max(attempt, 1), RETRY_SCHEDULE_MS.length) - 1;
  const base = RETRY_SCHEDULE_MS[index]!;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** When to try again, or null when the next try would fall after the event's 24 h window. */
export function nextAttemptAt(
  now: number,
  expiresAt: number,
  attempt: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
  scale: (ms: number) => number = (ms) => ms,
): number | null {
  const earliest = now + scale(retryDelayMs(attempt, random, retryAfterMs));
  // Rounded up to a shared slot, so retries that jitter apart still leave in one batch.
  const slot = scale(RETRY_SLOT_MS);
  const at = Math.ceil(earliest / slot) * slot;
  return at < expiresAt ? at : null;
}
