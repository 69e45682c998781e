/**
 * Client-side pacing of a destination whose API quota is shared by every tenant of a deployment.
 * The Google Data Manager API limits each Google Cloud project, that is each OAuth client, to
 * 300 ingestion requests a minute and 100,000 a day, and asks clients to reduce their requests and
 * throttle their own rate (https://developers.google.com/data-manager/api/devguides/limits). Each
 * tenant's object already sends every due event of a destination in one request per alarm run,
 * but runs come every 500 ms under steady traffic: one busy tenant alone could send 172,800
 * requests a day.
 *
 * So each tenant's lane to such a destination holds a token bucket: `burst` requests go out as
 * soon as their events are due, then one more each `60 s / perMinute`. The events that arrive
 * meanwhile wait and go out together, up to the request's limit: a full batch never waits, since
 * it is as large as a request can be. Pure; the bucket lives in the tenant's object.
 */

export interface RequestPacing {
  /** Requests a lane may send back to back. */
  burst: number;
  /** Requests a lane may send per minute once the burst is spent. */
  perMinute: number;
}

/** A lane's bucket: `tokens` requests available at time `at`. */
export interface PacingState {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

/** The bucket at `now`: refilled since `at`, never above the burst. A new lane starts full. */
export function bucketAt(pacing: RequestPacing, state: PacingState | undefined, now: number): PacingState {
  if (!state) return { tokens: pacing.burst, at: now };
  const refilled = state.tokens + (Math.max(0, now - state.at) * pacing.perMinute) / MINUTE_MS;
  return { tokens: Math.min(pacing.burst, refilled), at: now };
}

/**
 * When the lane may send its next request: null for now. A request carrying `batchSize` events
 * when `batchSize` is the most a request takes goes now whatever the bucket says.
 */
export function pacedUntil(
  pacing: RequestPacing,
  state: PacingState | undefined,
  now: number,
  batchSize: number,
  maxBatchSize: number,
): number | null {
  if (batchSize >= maxBatchSize) return null;
  const bucket = bucketAt(pacing, state, now);
  if (bucket.tokens >= 1) return null;
  return now + Math.ceil(((1 - bucket.tokens) * MINUTE_MS) / pacing.perMinute);
}

/**
 * The bucket after one request sent at `now`. A full batch sent on an empty bucket leaves it
 * empty, not in debt: the events after a spike wait one interval, not one per batch of the spike.
 */
export function afterRequestSent(pacing: RequestPacing, state: PacingState | undefined, now: number): PacingState {
  const bucket = bucketAt(pacing, state, now);
  return { tokens: Math.max(0, bucket.tokens - 1), at: now };
}
