/**
 * The relay's one vocabulary for what an outbound call achieved, shared by deliveries, source
 * enrichments and token fetches. Success has its own shape per call; a failure is one of:
 * - `retry`: transient (a 5xx, a timeout, a 429); try again with backoff, honouring `retryAfterMs`.
 * - `hold`: a credential, permission or setup error only the tenant can fix; wait for the fix.
 * - `failed`: final for this item; trying again cannot help.
 * Every failure carries a machine-readable `code` (never a vendor's words, which may quote ids).
 */
export type Failure =
  /**
   * `perRow`: a condition of these rows (a click too recent to import, a row resent because
   * others in its request were rejected), not of the destination's health: the circuit breaker
   * ignores it (src/delivery/circuit.ts counts only requests that failed as a whole).
   */
  | { status: "retry"; code: string; retryAfterMs?: number; perRow?: true }
  | { status: "hold"; code: string; message: string }
  | { status: "failed"; code: string };
