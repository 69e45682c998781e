import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../src/http/errors";
import { eventsBucket, relayNamespace } from "../../src/platform/durable";

function fakeEnv(vars: { ENVIRONMENT: string; DO_JURISDICTION: string }) {
  const eu = { name: "eu-namespace" };
  const ns = { name: "default-namespace", jurisdiction: vi.fn(() => eu) };
  const env = { ...vars, TENANT_RELAY: ns, EVENTS: { name: "events" }, EVENTS_EU: { name: "events-eu" } } as unknown as Env;
  return { env, ns, eu };
}

describe("region pinning", () => {
  it("puts EU tenants' objects in the EU jurisdiction when deployed with DO_JURISDICTION=eu", () => {
    const { env, ns, eu } = fakeEnv({ ENVIRONMENT: "production", DO_JURISDICTION: "eu" });
    expect(relayNamespace(env, "eu")).toBe(eu);
    expect(ns.jurisdiction).toHaveBeenCalledWith("eu");
    expect(relayNamespace(env, "us")).toBe(ns);
    expect(relayNamespace(env, "global")).toBe(ns);
  });

  it("fails closed: a deployed environment without the EU jurisdiction refuses EU tenants", () => {
    const { env, ns } = fakeEnv({ ENVIRONMENT: "production", DO_JURISDICTION: "none" });
    expect(() => relayNamespace(env, "eu")).toThrow(ApiError);
    expect(ns.jurisdiction).not.toHaveBeenCalled();
  });

  it("switches jurisdictions off locally, where workerd cannot emulate them", () => {
    const { env, ns } = fakeEnv({ ENVIRONMENT: "dev", DO_JURISDICTION: "none" });
    expect(relayNamespace(env, "eu")).toBe(ns);
    expect(ns.jurisdiction).not.toHaveBeenCalled();
  });

  it("keeps EU tenants' R2 objects in the EU bucket", () => {
    const { env } = fakeEnv({ ENVIRONMENT: "dev", DO_JURISDICTION: "none" });
    expect(eventsBucket(env, { region: "eu" })).toBe(env.EVENTS_EU);
    expect(eventsBucket(env, { region: "us" })).toBe(env.EVENTS);
  });
});
