import { isOpen, type CircuitState } from "./circuit";

/**
 * A destination lane's state, as the admin API shows it (pure). A lane on hold waits for the
 * tenant (a new token, a permission): its deliveries stay queued, and it is probed with one
 * delivery at most once per PROBE_INTERVAL_MS until the error is gone or the tenant updates the
 * destination, which resumes it at once.
 */
export interface LaneHold {
  code: string;
  message: string;
  /** When the lane was first held (this hold). */
  since: number;
  /** When one delivery may be sent to see whether the error is gone. */
  probeAt: number;
}

export const PROBE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Credentials sealed under a key this relay no longer has (ENCRYPTION_KEY replaced without keeping
 * the old one as ENCRYPTION_KEY_PREVIOUS): restoring the key or sending the credentials again
 * fixes it, so it holds the lane like a token the platform refused.
 */
export const UNREADABLE_CREDENTIALS = {
  status: "hold",
  code: "credentials_unreadable",
  message:
    "The destination's credentials cannot be decrypted with this relay's ENCRYPTION_KEY (or ENCRYPTION_KEY_PREVIOUS). " +
    "Restore the key they were saved under, or send the credentials again with a PUT of the destination.",
} as const;

export type LaneView =
  | { state: "ok" }
  | { state: "retrying"; retrying: number }
  | { state: "circuit_open"; until: string }
  | { state: "needs_attention"; code: string; message: string; since: string; nextProbeAt: string };

/** needs_attention beats circuit_open beats retrying: the most actionable state is shown. */
export function laneView(hold: LaneHold | undefined, circuit: CircuitState, retrying: number, now: number): LaneView {
  if (hold) {
    return {
      state: "needs_attention",
      code: hold.code,
      message: hold.message,
      since: new Date(hold.since).toISOString(),
      nextProbeAt: new Date(hold.probeAt).toISOString(),
    };
  }
  if (isOpen(circuit, now)) return { state: "circuit_open", until: new Date(circuit.openUntil!).toISOString() };
  if (retrying > 0 || circuit.failures > 0) return { state: "retrying", retrying };
  return { state: "ok" };
}

/** The hold after a request answered `hold`: a running hold keeps its start. */
export function heldAfter(
  previous: LaneHold | undefined,
  outcome: { code: string; message: string },
  answeredAt: number,
  probeInMs: number,
): LaneHold {
  return { code: outcome.code, message: outcome.message, since: previous?.since ?? answeredAt, probeAt: answeredAt + probeInMs };
}
