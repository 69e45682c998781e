/**
 * Circuit breaker per destination (pure). A destination that keeps failing transiently is paused
 * and then probed with a single delivery, so it neither burns its own retries nor holds up the
 * tenant's other destinations.
 */
export interface CircuitState {
  /** Consecutive requests that failed transiently. */
  failures: number;
  /** While set and in the future, nothing is sent to the destination. */
  openUntil: number | null;
}

export const CLOSED: CircuitState = { failures: 0, openUntil: null };
export const OPEN_AFTER_FAILURES = 5;
const FIRST_PAUSE_MS = 30_000;
const MAX_PAUSE_MS = 10 * 60_000;

export function isOpen(state: CircuitState, now: number): boolean {
  return state.openUntil !== null && now < state.openUntil;
}

/** After a pause the destination is probed: one delivery, not a full batch. */
export function batchLimit(state: CircuitState, maxBatchSize: number): number {
  return state.failures >= OPEN_AFTER_FAILURES ? 1 : maxBatchSize;
}

/** The next state after one request: any answer that is not a transient failure closes it. */
export function afterRequest(state: CircuitState, transientFailure: boolean, now: number): CircuitState {
  if (!transientFailure) return CLOSED;
  const failures = state.failures + 1;
  if (failures < OPEN_AFTER_FAILURES) return { failures, openUntil: null };
  const pause = Math.min(FIRST_PAUSE_MS * 2 ** (failures - OPEN_AFTER_FAILURES), MAX_PAUSE_MS);
  return { failures, openUntil: now + pause };
}
