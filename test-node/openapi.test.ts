import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../src/openapi/document";

describe("GET /v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument()));
    expect(validator.version).toBe("3.1");
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("the validator does reject a document that breaks the 3.1 schema", async () => {
    const broken = structuredClone(openApiDocument()) as { paths: Record<string, unknown> };
    broken.paths["/broken"] = { get: { responses: "none" } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });
});
