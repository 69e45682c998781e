import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/identity/hash";
import { useMsw } from "../helpers/msw";
import { runAlarm, sendWebhook, withdraw } from "../helpers/relay";
import { DM_SETTINGS, createGoogleTenant, googlePurchase, now, useClockAhead, useGoogleEmulators } from "./helpers";

useMsw();
useClockAhead();

/**
 * Google reads an e-mail address its own way: whitespace removed, and for Gmail the dots and
 * `+tag` of the local part dropped (https://developers.google.com/data-manager/api/devguides/concepts/formatting).
 * A withdrawal naming the address as Google read it must reach the events Google was sent it with.
 */

const purchaseBy = (orderId: string, email: string) =>
  googlePurchase(orderId, { customer: { email }, clickIds: {}, consent: { gcm: { ad_user_data: "granted" } } });

describe("withdrawal of an address as Google reads it", () => {
  it("a Gmail address without its dots and +tag reaches the event Google would have got it from", async () => {
    await createGoogleTenant("gw-gmail", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const queued = await sendWebhook("gw-gmail", purchaseBy("order-gw1", " Jane.Doe+Shop@GMail.com"), {
      timestamp: Math.floor(now() / 1000),
    });
    expect(queued.status).toBe(202);

    expect((await withdraw("gw-gmail", { email: "janedoe@gmail.com" })).json).toEqual({
      status: "withdrawn",
      suppressed: 1,
      matchedEvents: 1,
    });

    // A control order of someone else goes out, with the address as Google reads it.
    await sendWebhook("gw-gmail", purchaseBy("order-gw2", "Other.Person@gmail.com"), { timestamp: Math.floor(now() / 1000) });
    await runAlarm("gw-gmail");
    const ingests = google.callsTo("google-dm").filter((c) => c.url.endsWith("/v1/events:ingest"));
    const sent = ingests.flatMap((c) => (c.body as any).events);
    expect(sent.map((e: any) => e.transactionId)).toEqual(["order-gw2"]);
    expect(JSON.stringify(sent)).toContain(await sha256Hex("otherperson@gmail.com"));
  });

  it("an address with a space inside, which Google reads and Meta's rules drop, is matched too", async () => {
    await createGoogleTenant("gw-space", { dm: DM_SETTINGS });
    const google = useGoogleEmulators(now);
    const queued = await sendWebhook("gw-space", purchaseBy("order-gw3", "jane@ example.com"), { timestamp: Math.floor(now() / 1000) });
    expect(queued.status).toBe(202);

    expect((await withdraw("gw-space", { email: "Jane@Example.com" })).json).toEqual({
      status: "withdrawn",
      suppressed: 1,
      matchedEvents: 1,
    });
    await runAlarm("gw-space");
    expect(google.callsTo("google-dm").filter((c) => c.url.endsWith("/v1/events:ingest"))).toHaveLength(0);
  });
});
