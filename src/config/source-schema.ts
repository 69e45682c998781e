import { type ZodType, z } from "zod";
import { SOURCE_TYPES, sourceDefinitions } from "../sources/registry";

/**
 * Request body of PUT /tenants/:id/sources/:sourceId. What is generic (option size,
 * depth, no secret-looking keys) is checked here; the rest comes from the source's definition
 * (src/sources/registry.ts): its secret rules, options schema and credentials schema.
 */

// Options are stored and returned in clear, so anything that looks like a credential is refused,
// at any depth.
const SECRET_LIKE_KEY = /secret|token|password|passwd|credential|api[-_]?key|private/i;

// Options are read on every webhook: a few named settings, never a document.
export const MAX_OPTIONS_BYTES = 4096;
const MAX_OPTIONS_DEPTH = 8;

/** Paths of keys that look like credentials, anywhere in `value` (depth-bounded). */
export function secretLikePaths(value: unknown, path: string[] = [], depth = 0): string[][] {
  if (depth > MAX_OPTIONS_DEPTH || value === null || typeof value !== "object") return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) => [
    ...(Array.isArray(value) || !SECRET_LIKE_KEY.test(key) ? [] : [[...path, key]]),
    ...secretLikePaths(v, [...path, key], depth + 1),
  ]);
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== "object" || depth > MAX_OPTIONS_DEPTH) return depth;
  return Math.max(depth, ...Object.values(value).map((v) => depthOf(v, depth + 1)));
}

const typesWithCredentials = SOURCE_TYPES.filter((type) => sourceDefinitions[type].credentialsSchema);

/** Issues of a nested schema, reported under `path` of the PUT body. */
function addIssues(ctx: z.RefinementCtx, path: string[], schema: ZodType, value: unknown): void {
  const checked = schema.safeParse(value);
  for (const issue of checked.success ? [] : checked.error.issues) {
    ctx.addIssue({ code: "custom", path: [...path, ...issue.path.map(String)], message: issue.message });
  }
}

export const putSourceSchema = z
  .strictObject({
    type: z.enum(SOURCE_TYPES),
    secret: z.string().min(1, "must not be empty").max(4096).optional(),
    options: z.record(z.string(), z.unknown()).default(() => ({})),
    // Write-only API credentials (e.g. ROLLER's OAuth client, to enrich bookings): a string per
    // field, checked against the type's credentials schema below.
    credentials: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((body, ctx) => {
    const definition = sourceDefinitions[body.type];
    if (body.secret !== undefined) {
      const problem = definition.secretProblem(body.secret);
      if (problem) ctx.addIssue({ code: "custom", path: ["secret"], message: problem });
    }
    if (depthOf(body.options) > MAX_OPTIONS_DEPTH) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `must be nested at most ${MAX_OPTIONS_DEPTH} levels deep` });
      return;
    }
    // After the depth check: serializing an arbitrarily deep value could exhaust the stack.
    const size = new TextEncoder().encode(JSON.stringify(body.options)).length;
    if (size > MAX_OPTIONS_BYTES) {
      ctx.addIssue({ code: "custom", path: ["options"], message: `must be at most ${MAX_OPTIONS_BYTES} bytes as JSON (is ${size})` });
      return;
    }
    for (const path of secretLikePaths(body.options)) {
      ctx.addIssue({ code: "custom", path: ["options", ...path], message: "options are stored in clear; put secrets in `secret`" });
    }
    if (body.credentials !== undefined) {
      if (definition.credentialsSchema) addIssues(ctx, ["credentials"], definition.credentialsSchema, body.credentials);
      else
        ctx.addIssue({
          code: "custom",
          path: ["credentials"],
          message: `only ${typesWithCredentials.join(", ")} sources take API credentials`,
        });
    }
    // Each definition owns the schema of its options (e.g. a roller source needs `currency`).
    if (definition.optionsSchema) addIssues(ctx, ["options"], definition.optionsSchema, body.options);
  });

export type PutSourceInput = z.output<typeof putSourceSchema>;
