import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

/** The fetch boundary: any outbound request a test did not expect fails the test. */
export const server = setupServer();

export function useMsw(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}
