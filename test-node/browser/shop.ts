import { createHmac } from "node:crypto";
import { type relayClient, signedPurchase } from "../client";

type Call = ReturnType<typeof relayClient>["call"];

/**
 * What a shop's checkout server sends and mints, for the browser suite: a signed purchase webhook
 * from a browser checkout (its client context) and a join token for the snippet's beacons.
 */
export function shopCheckout(call: Call, tenant: string, secret: string) {
  return {
    /** A purchase of 42 EUR from the shop's thank-you page; `fields` add to or replace its body. */
    webhook(orderId: string, customer: Record<string, string>, fields: Record<string, unknown>) {
      const { body, headers } = signedPurchase(secret, {
        orderId,
        value: 42,
        currency: "EUR",
        customer,
        client: { ip: "198.51.100.7", userAgent: "Mozilla/5.0 browser-test", pageUrl: "https://shop.example/thanks" },
        ...fields,
      });
      return call("POST", `/v1/hooks/${tenant}/shop`, body, headers);
    },

    /** A join token for one join key, valid for an hour (README "Signed beacons"). */
    joinToken(beaconKey: string, joinKey: string): string {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      return `v1.${exp}.${createHmac("sha256", beaconKey).update(`${tenant}.${joinKey}.${exp}`).digest("base64url")}`;
    },
  };
}
