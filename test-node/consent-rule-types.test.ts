// A destination definition without a consent rule must not compile. Compiles a fixture with the
// project's compiler options and asserts the type errors name the missing rule.
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

function diagnosticsOf(file: string): string[] {
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([file], { ...options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("consent rules are required by the type system", () => {
  it("rejects a definition without a rule and a rule that leaves a signal out", () => {
    const errors = diagnosticsOf(path.join(ROOT, "test-node/fixtures/definition-without-consent-rule.ts"));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^8: Property 'consent' is missing/);
    expect(errors[1]).toMatch(/^10: .*Property 'mappedCategories' is missing/s);
  });
});
