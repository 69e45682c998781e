import { beforeEach, describe, expect, it } from "vitest";
import { googleAdsDestination } from "../../src/destinations/google-ads";
import { googleDataManagerDestination } from "../../src/destinations/google-data-manager";
import { clearGoogleTokenCacheForTesting, TOKEN_EXPIRY_MARGIN_MS } from "../../src/destinations/google/oauth";
import { ADS_SETTINGS, DM_SETTINGS, OAUTH_CREDENTIALS, OCCURRED_AT, item, scriptedFetch, sendContext, tokenResponse } from "./helpers";

beforeEach(() => clearGoogleTokenCacheForTesting());

const ADS_CREDENTIALS = { developerToken: "dev-token-1", ...OAUTH_CREDENTIALS };
const NOW = OCCURRED_AT + 60_000;
const isToken = (url: string) => url === "https://oauth.test/token";
const unauthenticated = () =>
  Response.json(
    { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } },
    { status: 401 },
  );

/** A Google stand-in: tokens numbered t1, t2, …; uploads answered by `upload`. */
function google(upload: (index: number, token: string) => Response) {
  let tokens = 0;
  let uploads = 0;
  const script = scriptedFetch((req) => {
    if (isToken(req.url)) return tokenResponse(`t${++tokens}`);
    return upload(uploads++, req.headers.authorization ?? "");
  });
  return {
    ...script,
    tokenCalls: () => script.calls.filter((c) => isToken(c.url)),
    apiCalls: () => script.calls.filter((c) => !isToken(c.url)),
  };
}

describe("OAuth access token", () => {
  it("is fetched once and reused for later batches until shortly before it expires", async () => {
    const g = google(() => Response.json({ results: [{ gclid: "g" }] }));
    const send = (now: number) => googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, now));
    await send(NOW);
    await send(NOW + 30 * 60_000);
    await send(NOW + 3599_000 - TOKEN_EXPIRY_MARGIN_MS - 1);
    expect(g.tokenCalls()).toHaveLength(1);
    expect(g.apiCalls().map((c) => c.headers.authorization)).toEqual(["Bearer t1", "Bearer t1", "Bearer t1"]);

    await send(NOW + 3599_000 - TOKEN_EXPIRY_MARGIN_MS);
    expect(g.tokenCalls()).toHaveLength(2);
    expect(g.apiCalls()[3]!.headers.authorization).toBe("Bearer t2");
  });

  it("is reused only by the same tenant, destination and full credential set", async () => {
    const g = google(() => Response.json({ results: [{}], requestId: "r" }));
    const a = { tenantId: "tenant-a", destinationId: "gads" };
    await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW, a));
    await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW, a));
    expect(g.tokenCalls()).toHaveLength(1);
    // Another tenant presenting the same client id and refresh token but its own secret.
    const b = { tenantId: "tenant-b", destinationId: "gads" };
    await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, { ...ADS_CREDENTIALS, clientSecret: "guess" }, NOW, b));
    expect(g.tokenCalls()).toHaveLength(2);
    expect(g.tokenCalls()[1]!.text).toContain("client_secret=guess");
    expect(g.apiCalls()[2]!.headers.authorization).toBe("Bearer t2");
    // The same credentials in another tenant, or in another destination of the same tenant.
    await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW, { ...a, tenantId: "tenant-c" }));
    await googleDataManagerDestination.send(
      [item()],
      sendContext(g.fetch, DM_SETTINGS, OAUTH_CREDENTIALS, NOW, { ...a, destinationId: "dm" }),
    );
    expect(g.tokenCalls()).toHaveLength(4);
    // Any change of the credential set is a new token.
    await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, { ...ADS_CREDENTIALS, refreshToken: "other" }, NOW, a));
    expect(g.tokenCalls()).toHaveLength(5);
  });

  it("a 401 refreshes the token once and resends once", async () => {
    const g = google((i) => (i === 0 ? unauthenticated() : Response.json({ results: [{ gclid: "g" }] })));
    const outcomes = await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW));
    expect(outcomes).toEqual([{ status: "delivered" }]);
    expect(g.calls.map((c) => (isToken(c.url) ? "token" : c.headers.authorization))).toEqual(["token", "Bearer t1", "token", "Bearer t2"]);
  });

  it("a second 401 after the refresh fails the rows instead of looping", async () => {
    const g = google(() => unauthenticated());
    const outcomes = await googleAdsDestination.send(
      [item(), item({ orderId: "1002" })],
      sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW),
    );
    expect(outcomes).toEqual([
      { status: "failed", code: "UNAUTHENTICATED" },
      { status: "failed", code: "UNAUTHENTICATED" },
    ]);
    expect(g.tokenCalls()).toHaveLength(2);
    expect(g.apiCalls()).toHaveLength(2);
  });

  it("token endpoint errors: a revoked refresh token holds the lane, throttling and outages retry", async () => {
    const cases: Array<[() => Response | Promise<Response>, unknown]> = [
      [
        () => Response.json({ error: "invalid_grant", error_description: "Token has been expired or revoked." }, { status: 400 }),
        { status: "hold", code: "oauth_invalid_grant", message: expect.stringContaining("new refresh token") },
      ],
      [
        () => Response.json({ error: "invalid_client", error_description: "Unauthorized" }, { status: 401 }),
        { status: "hold", code: "oauth_invalid_client", message: expect.stringContaining("new refresh token") },
      ],
      [
        () => new Response("busy", { status: 503, headers: { "retry-after": "7" } }),
        { status: "retry", code: "oauth_http_503", retryAfterMs: 7000 },
      ],
      [() => Promise.reject(new TypeError("connection refused")), { status: "retry", code: "oauth_network_error" }],
    ];
    for (const [respond, expected] of cases) {
      clearGoogleTokenCacheForTesting();
      const script = scriptedFetch((req) => (isToken(req.url) ? respond() : Response.json({})));
      const outcomes = await googleAdsDestination.send([item()], sendContext(script.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW));
      expect(outcomes).toEqual([expected]);
      expect(script.calls.filter((c) => !isToken(c.url))).toHaveLength(0);
    }
  });

  it("missing credentials fail without any request", async () => {
    const g = google(() => Response.json({}));
    const { developerToken: _d, ...noDeveloperToken } = ADS_CREDENTIALS;
    expect(await googleAdsDestination.send([item()], sendContext(g.fetch, ADS_SETTINGS, noDeveloperToken, NOW))).toEqual([
      { status: "failed", code: "credentials_missing" },
    ]);
    expect(await googleDataManagerDestination.send([item()], sendContext(g.fetch, DM_SETTINGS, {}, NOW))).toEqual([
      { status: "failed", code: "credentials_missing" },
    ]);
    expect(g.calls).toHaveLength(0);
  });
});

describe("rows that cannot go to Google", () => {
  it("no click id and no identifiers: failed with a reason before any request, without poisoning the batch", async () => {
    const g = google(() => Response.json({ results: [{ gclid: "g" }] }));
    const bare = item({ orderId: "1002", clickIds: {}, identity: {} });
    const outcomes = await googleAdsDestination.send([bare, item()], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW));
    expect(outcomes).toEqual([{ status: "failed", code: "no_click_id_or_identifiers" }, { status: "delivered" }]);
    expect(g.apiCalls()[0]!.json.conversions.map((c: any) => c.orderId)).toEqual(["1001"]);

    const alone = google(() => Response.json({}));
    expect(await googleAdsDestination.send([bare], sendContext(alone.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW))).toEqual([
      { status: "failed", code: "no_click_id_or_identifiers" },
    ]);
    expect(alone.calls).toHaveLength(0); // not even a token
  });

  it("identifiers alone are enough (enhanced conversions), but not in denied-flag mode, which strips them", async () => {
    const g = google(() => Response.json({ results: [{}], requestId: "r" }));
    const identifiersOnly = item({ clickIds: {} });
    expect(await googleAdsDestination.send([identifiersOnly], sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW))).toEqual([
      { status: "delivered" },
    ]);
    const denied = item({ clickIds: {} }, "send_denied_flag");
    expect(await googleDataManagerDestination.send([denied], sendContext(g.fetch, DM_SETTINGS, OAUTH_CREDENTIALS, NOW))).toEqual([
      { status: "failed", code: "no_click_id_or_identifiers" },
    ]);
  });

  it("a repeated order id waits for a later request (two in one request both fail uncounted)", async () => {
    const g = google(() => Response.json({ results: [{ gclid: "g" }] }));
    const outcomes = await googleAdsDestination.send(
      [item({}, "send", "evt_1"), item({}, "send", "evt_2")],
      sendContext(g.fetch, ADS_SETTINGS, ADS_CREDENTIALS, NOW),
    );
    expect(outcomes).toEqual([{ status: "delivered" }, { status: "retry", code: "order_id_repeated_in_batch", perRow: true }]);
    expect(g.apiCalls()[0]!.json.conversions).toHaveLength(1);
  });
});

describe("Data Manager fast fail", () => {
  it("fails the events Google names and resends the others at once", async () => {
    const g = google((i) =>
      i === 0
        ? Response.json(
            {
              error: {
                code: 400,
                message: "Request contains an invalid argument.",
                status: "INVALID_ARGUMENT",
                details: [
                  {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    fieldViolations: [{ field: "events[1].currency", description: "…", reason: "INVALID_CURRENCY_CODE" }],
                  },
                ],
              },
            },
            { status: 400 },
          )
        : Response.json({ requestId: "r2" }),
    );
    const rows = [item({ orderId: "a" }), item({ orderId: "b", currency: "XXQ" }), item({ orderId: "c" })];
    const outcomes = await googleDataManagerDestination.send(rows, sendContext(g.fetch, DM_SETTINGS, OAUTH_CREDENTIALS, NOW));
    expect(outcomes).toEqual([
      { status: "processing", requestId: "r2" },
      { status: "failed", code: "INVALID_CURRENCY_CODE" },
      { status: "processing", requestId: "r2" },
    ]);
    expect(g.apiCalls().map((c) => c.json.events.map((e: any) => e.transactionId))).toEqual([
      ["a", "b", "c"],
      ["a", "c"],
    ]);
  });
});

describe("declarations", () => {
  it("batches up to 2,000 conversions and reads the google identity family", () => {
    for (const adapter of [googleAdsDestination, googleDataManagerDestination]) {
      expect(adapter.maxBatchSize).toBe(2000);
      expect(adapter.family).toBe("google");
    }
  });
});
