import { parseJson, validate } from "../../http/body";
import { text } from "../shared/fields";
import { readOptions } from "../shared/schema";
import { platformSigningSecret } from "../shared/secret";
import { defineSource } from "../types";
import { ASYNC_PAYMENT_SUCCEEDED, SESSION_COMPLETED, checkoutSessionSchema, stripeEventSchema } from "./event";
import { stripeConversion } from "./map";
import { stripeOptionsSchema } from "./options";
import { CHARGE_REFUNDED, stripeRefund } from "./refund";
import { verifyStripeSignature } from "./signature";

/**
 * Stripe Checkout (https://docs.stripe.com/checkout/fulfillment): `checkout.session.completed` once paid, or
 * `checkout.session.async_payment_succeeded` for delayed payment methods, whose `completed`
 * arrives `unpaid` and is ignored. `charge.refunded` is an adjustment of the session's order (./refund.ts).
 */
const signingSecretLength = platformSigningSecret("stripe");

export const stripeSource = defineSource({
  type: "stripe",
  // An endpoint's signing secret starts with whsec_ (https://docs.stripe.com/webhooks#verify-events).
  secretProblem: (secret) =>
    signingSecretLength(secret) ??
    (secret.startsWith("whsec_") ? null : "a stripe source's secret is the endpoint's signing secret, which starts with whsec_"),
  bounds: { value: "amount_total", occurredAt: "created", itemPrice: "line_items", outOfRange: "ignore" },
  optionsSchema: stripeOptionsSchema,

  verify: (req, ctx) => verifyStripeSignature(req.headers, req.body, ctx.secret, ctx.now, ctx.key),

  parse(req, ctx) {
    const options = readOptions(stripeOptionsSchema, ctx.options);
    const event = validate(stripeEventSchema, parseJson(req.text));
    if (event.type === CHARGE_REFUNDED) {
      if (event.livemode === false && !options.allowTestEvents) return { kind: "ignored", reason: "test_mode_event" };
      return stripeRefund(event, ctx);
    }
    if (event.type !== SESSION_COMPLETED && event.type !== ASYNC_PAYMENT_SUCCEEDED) {
      return { kind: "ignored", reason: `event_type:${event.type.slice(0, 64)}` };
    }
    if (event.livemode === false && !options.allowTestEvents) return { kind: "ignored", reason: "test_mode_event" };
    // Checked before the session is validated: an unpaid or setup-mode session may lack an amount.
    const paymentStatus = text(event.data.object.payment_status) ?? "missing";
    if (event.type === SESSION_COMPLETED && paymentStatus !== "paid") {
      return { kind: "ignored", reason: `payment_status:${paymentStatus.slice(0, 32)}` };
    }
    const session = validate(checkoutSessionSchema, event.data.object);
    return { kind: "conversion", event: stripeConversion(event, session, ctx) };
  },
});
