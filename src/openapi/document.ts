import { z } from "zod";
import { type Auth, type Operation, operations } from "./operations";

/**
 * The OpenAPI 3.1 document of the v1 API, built from `operations`. Request schemas are zod's own
 * JSON Schema output (`z.toJSONSchema`, draft 2020-12, the dialect OpenAPI 3.1 uses:
 * https://spec.openapis.org/oas/v3.1.0#schema-object) for the input side of each schema, i.e.
 * what a client sends before defaults and transforms apply (https://zod.dev/json-schema).
 */

type Json = Record<string, unknown>;

const SECURITY: Record<Auth, Json[] | undefined> = {
  none: [],
  origin: [],
  signature: [],
  tenant: [{ bearer: [] }],
  operator: [{ bearer: [] }],
};

const AUTH_NOTE: Record<Auth, string> = {
  none: "Public.",
  origin: "Public, from the tenant's allowed origins (CORS).",
  signature: "Authenticated by the platform's webhook signature.",
  tenant: "Bearer token: the tenant's API key (its own tenant only) or the operator token.",
  operator: "Bearer token: the operator token only.",
};

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json;
  delete out.$schema;
  return out;
}

const errorSchema: Json = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string", description: "snake_case" }, message: { type: "string" } },
    },
  },
};

function parameters(op: Operation): Json[] {
  const params: Json[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (op.query) {
    const query = jsonSchema(op.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      params.push({
        name,
        in: "query",
        required: (query.required ?? []).includes(name) && !("default" in schema),
        schema: rest,
        ...(typeof description === "string" ? { description } : {}),
      });
    }
  }
  return params;
}

function operationObject(op: Operation): Json {
  const responses: Json = {};
  for (const [status, description] of Object.entries(op.responses)) responses[status] = { description };
  responses.default = { description: "An error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  const params = parameters(op);
  return {
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, AUTH_NOTE[op.auth]].filter(Boolean).join("\n\n"),
    operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            ...(op.bodyDescription ? { description: op.bodyDescription } : {}),
            content: { "application/json": { schema: jsonSchema(op.body) } },
          },
        }
      : {}),
    security: SECURITY[op.auth],
    responses,
  };
}

let cached: Json | undefined;

export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Json> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Sluice",
      version: "1",
      summary: "Consent-gated server-side conversion relay",
      description:
        'Checkout webhooks in; hashed, consent-gated conversions out to Meta, Google and others, exactly once per order, forgotten after 24 hours. Errors are `{ "error": { "code", "message" } }`.',
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Tenant API key or operator token" } },
    },
  };
  return cached;
}
