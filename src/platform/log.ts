/**
 * Structured JSON log lines. Only fields on the allowlist are written, so an identifier, a hash
 * or a secret cannot reach a log line by accident.
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

type Fields = Record<string, string | number | boolean | null | undefined>;

function write(level: "info" | "warn" | "error", msg: string, fields: Fields): void {
  const line: Record<string, unknown> = { level, msg, at: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) if (ALLOWED_FIELDS.has(k) && v !== undefined) line[k] = v;
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

export const log = {
  info: (msg: string, fields: Fields = {}) => write("info", msg, fields),
  warn: (msg: string, fields: Fields = {}) => write("warn", msg, fields),
  error: (msg: string, fields: Fields = {}) => write("error", msg, fields),
};
