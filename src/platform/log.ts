/**
 * Structured JSON log lines. Only fields on the allowlist are written, so an identifier, a hash
 * or a secret cannot reach a log line by accident.
 *
 * Levels: `LOG_LEVEL` (wrangler.toml; `info` when unset) is the lowest level written. A line per
 * webhook and per delivered event is `debug`: the delivery log (`GET /v1/admin/tenants/:id/events`)
 * is the record of each event, and Workers bills and stores every line
 * (https://developers.cloudflare.com/workers/observability/logs/workers-logs/#pricing), so at the
 * default level a busy tenant writes a line per batch, not per event. Warnings and errors (a
 * rejected webhook, a retried or failed delivery) are always per event.
 */
const ALLOWED_FIELDS = new Set([
  "tenantId",
  "sourceId",
  "eventId",
  "destinationId",
  "destinationType",
  "status",
  "outcome",
  "reason",
  "code",
  "httpStatus",
  "attempt",
  "count",
  "durationMs",
  "path",
  "method",
  "action",
  "errorName",
  "retryInMs",
  "purged",
]);

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Fields = Record<string, string | number | boolean | null | undefined>;
export type Logger = Record<LogLevel, (msg: string, fields?: Fields) => void>;

/** The lowest level `setting` lets through; an unset or unknown setting is `info`. */
export function logThreshold(setting: string | undefined): number {
  return RANK[setting as LogLevel] ?? RANK.info;
}

function write(level: LogLevel, msg: string, fields: Fields): void {
  const line: Record<string, unknown> = { level, msg, at: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) if (ALLOWED_FIELDS.has(k) && v !== undefined) line[k] = v;
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** A logger writing lines at `threshold()` or above; the threshold is read at each call. */
export function createLogger(threshold: () => number): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields: Fields = {}) => {
      if (RANK[level] >= threshold()) write(level, msg, fields);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** The operator's `LOG_LEVEL`, set by each entry point (the Worker, the Durable Object) from its env. */
let threshold = logThreshold(undefined);

/**
 * Applies the operator's `LOG_LEVEL`. It is one setting for the whole deployment, the same in
 * every request, so keeping it at module level shares nothing between tenants or requests.
 */
export function configureLogging(setting: string | undefined): void {
  threshold = logThreshold(setting);
}

export const log: Logger = createLogger(() => threshold);
