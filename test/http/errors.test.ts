import { Hono } from "hono";
import { afterEach, expect, it, vi } from "vitest";
import { handleError } from "../../src/http/errors";

afterEach(() => vi.restoreAllMocks());

function appThrowing(err: Error) {
  const app = new Hono();
  app.get("/x", () => {
    throw err;
  });
  app.onError(handleError);
  return app;
}

it("answers 503 with Retry-After when a Durable Object is overloaded or reset (retryable), 500 otherwise", async () => {
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  const overloaded = Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), { overloaded: true });
  const reset = Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true });
  for (const [err, wait] of [
    [overloaded, "30"],
    [reset, "1"],
  ] as const) {
    const res = await appThrowing(err).request("/x");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(wait);
    expect(await res.json()).toEqual({ error: { code: "temporarily_unavailable", message: expect.any(String) } });
  }
  const res = await appThrowing(new Error("boom")).request("/x");
  expect(res.status).toBe(500);
  expect(await res.json()).toEqual({ error: { code: "internal_error", message: "Internal error" } });
});
