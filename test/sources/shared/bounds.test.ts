import { describe, expect, it } from "vitest";
import { MAX_AGE_MS, MAX_AHEAD_MS, MAX_AMOUNT, outOfRange } from "../../../src/sources/shared/bounds";
import { clock } from "../../../src/platform/clock";
import { useTestClock } from "../../helpers/clock";
import { useMsw } from "../../helpers/msw";
import { createTenant, purchase, relayRows, sendWebhook } from "../../helpers/relay";
import { SECRETS, createSourceTenant, fixtures, postHook, sign, storedRows } from "../helpers";

useMsw();
useTestClock();

const iso = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
const DAY = 86_400_000;

describe("amounts and times in a sane range", () => {
  it("policy: finite, |value| ≤ 1e9, item prices too, time within [now − 90 d, now + 1 d]", () => {
    const now = clock.now();
    const event = { value: 10, occurredAt: now, items: [{ id: "a", quantity: 1, price: 5 }] } as any;
    expect(outOfRange(event, now)).toBeUndefined();
    expect(outOfRange({ ...event, value: MAX_AMOUNT }, now)).toBeUndefined();
    expect(outOfRange({ ...event, value: MAX_AMOUNT * 1.0001 }, now)).toBe("value");
    expect(outOfRange({ ...event, value: Infinity }, now)).toBe("value");
    expect(outOfRange({ ...event, value: Number.NaN }, now)).toBe("value");
    expect(outOfRange({ ...event, occurredAt: now - MAX_AGE_MS }, now)).toBeUndefined();
    expect(outOfRange({ ...event, occurredAt: now - MAX_AGE_MS - 1 }, now)).toBe("occurredAt");
    expect(outOfRange({ ...event, occurredAt: now + MAX_AHEAD_MS + 1 }, now)).toBe("occurredAt");
    expect(outOfRange({ ...event, items: [{ id: "a", quantity: 1, price: 1e308 }] }, now)).toBe("items");
  });

  it("standard: 400 naming the field, nothing stored", async () => {
    await createTenant("bd-std");
    for (const [over, field] of [
      [{ value: 1e308 }, "value"],
      [{ value: MAX_AMOUNT + 1 }, "value"],
      [{ occurredAt: "9999-01-01T00:00:00Z" }, "occurredAt"],
      [{ occurredAt: iso(-91 * DAY) }, "occurredAt"],
      [{ items: [{ id: "x", quantity: 1, price: 1e300 }] }, "items.price"],
    ] as const) {
      const res = await sendWebhook("bd-std", purchase(`bd-${field}`, over));
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.json.error.message).toMatch(new RegExp(`^${field.replace(".", "\\.")}:`));
    }
    expect((await sendWebhook("bd-std", purchase("bd-ok", { occurredAt: iso(-89 * DAY) }))).status).toBe(202);
    expect((await relayRows("bd-std")).events).toHaveLength(1);
  });

  it("Shopify: a total_price of 400 nines is ignored (200, naming the field), never stored as null", async () => {
    await createSourceTenant({ id: "bd-shopify", type: "shopify", secret: SECRETS.shopify });
    const order = fixtures.shopifyPaid();
    order.created_at = order.processed_at = iso(-60_000);
    order.total_price = "9".repeat(400);
    const raw = JSON.stringify(order);
    const res = await postHook("bd-shopify", raw, await sign.shopify(raw));
    expect(res).toEqual({ status: 200, json: { status: "ignored", reason: "out_of_range:total_price" } });
    const late = { ...fixtures.shopifyPaid(), created_at: "9999-12-31T00:00:00Z", processed_at: "9999-12-31T00:00:00Z" };
    const lateRaw = JSON.stringify(late);
    expect((await postHook("bd-shopify", lateRaw, await sign.shopify(lateRaw))).json).toEqual({
      status: "ignored",
      reason: "out_of_range:processed_at",
    });
    expect((await storedRows("bd-shopify")).events).toEqual([]);
  });

  it("Stripe and WooCommerce: absurd amounts and dates are ignored, nothing stored", async () => {
    await createSourceTenant({ id: "bd-stripe", type: "stripe", secret: SECRETS.stripe, options: { allowTestEvents: true } });
    const event = fixtures.stripeCompleted();
    event.created = Math.floor(clock.now() / 1000) - 60;
    event.data.object.amount_total = 1e15;
    const raw = JSON.stringify(event);
    const res = await postHook("bd-stripe", raw, await sign.stripe(raw, { timestamp: Math.floor(clock.now() / 1000) }));
    expect(res.json).toEqual({ status: "ignored", reason: "out_of_range:amount_total" });
    expect((await storedRows("bd-stripe")).events).toEqual([]);

    await createSourceTenant({ id: "bd-woo", type: "woocommerce", secret: SECRETS.woocommerce });
    const order = { ...fixtures.wooProcessing(), date_created_gmt: "2000-01-01T00:00:00", date_paid_gmt: null };
    const wooRaw = JSON.stringify(order);
    expect((await postHook("bd-woo", wooRaw, await sign.woocommerce(wooRaw))).json).toEqual({
      status: "ignored",
      reason: "out_of_range:date_created_gmt",
    });
    expect((await storedRows("bd-woo")).events).toEqual([]);
  });
});
