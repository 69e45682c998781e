import { log } from "../../platform/log";
import { postWithGoogleAuth } from "../google/http";
import { type GoogleOAuthCredentials, readOAuthCredentials } from "../google/oauth";
import { retryAfterMs } from "../http";
import type { ItemOutcome, SendContext } from "../types";
import { classifyIngestAnswer } from "./classify";
import { type DataManagerSettings, ingestEventsUrl } from "./payload";

/**
 * Posts one `events:ingest` request (conversions or adjustments) and reads each row's outcome.
 * No developer token: the Data Manager API authorizes by OAuth alone
 * (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest). Ingestion is
 * asynchronous, so the request's own status is logged here: a row's outcome cannot show it.
 */
export async function postIngest(
  rowCount: number,
  body: unknown,
  settings: DataManagerSettings,
  creds: GoogleOAuthCredentials,
  ctx: SendContext,
  kind: "conversion" | "adjustment",
): Promise<ItemOutcome[]> {
  const answer = await postWithGoogleAuth(ingestEventsUrl(ctx.env.GOOGLE_DATA_MANAGER_API_BASE), {}, body, creds, ctx);
  if (answer.kind === "outcome") return Array.from({ length: rowCount }, () => answer.outcome);
  const { status, outcomes } = classifyIngestAnswer(
    rowCount,
    answer.status,
    answer.body,
    settings.validateOnly,
    retryAfterMs(answer.headers, ctx.now),
  );
  log.info("google_dm_ingest", {
    destinationType: "google_data_manager",
    ...(kind === "adjustment" ? { kind } : {}),
    status,
    httpStatus: answer.status,
    count: rowCount,
  });
  return outcomes;
}

/**
 * `postIngest` for rows of one kind, with the destination's OAuth credentials and the request body
 * `build` makes of the rows; undefined when the credentials are not set.
 */
export function dataManagerIngest<Row>(
  ctx: SendContext,
  settings: DataManagerSettings,
  kind: "conversion" | "adjustment",
  build: (rows: Row[]) => unknown,
): ((rows: Row[]) => Promise<ItemOutcome[]>) | undefined {
  const creds = readOAuthCredentials(ctx.credentials);
  return creds && ((rows) => postIngest(rows.length, build(rows), settings, creds, ctx, kind));
}
