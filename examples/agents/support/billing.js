// @ts-check
// Billing agent (type billing_agent): finds the order a request names in the orders table, tells which
// claim it makes, and computes what the customer is owed. Up to the refund limit it settles the case
// itself; above it, it hands off to escalation for approval.
//
// Input: { request, refund_limit } plus { context, handoff } from the handoff that brought the case.
// Output: { summary, order_id, claim, amount, currency } and either `handoff` (to escalation, with
//   { claim, order_id, customer_id, amount, currency, explanation }) or { resolution, report }.

import { reject } from '../input.js';
import { CLAIMS, assess } from './claims.js';
import { handOff, readConversation, resolve } from './conversation.js';
import { scoreCategories } from './keywords.js';
import { findOrderId, loadOrders, money } from './orders.js';

const AGENT = 'billing';

/**
 * @param {{ input: unknown }} ctx
 */
export default async function billing(ctx) {
  const conversation = readConversation(AGENT, ctx.input);
  const limit = conversation.input.refund_limit;
  if (typeof limit !== 'number' || !(limit >= 0))
    reject(AGENT, 'refund_limit', 'an amount of 0 or more', limit);
  const book = await loadOrders();
  /** @type {(summary: string, resolution: string[], details?: Record<string, unknown>) => object} */
  const answer = (summary, resolution, details = {}) =>
    resolve(conversation, { agent: AGENT, summary, resolution }, details);

  const orderId = findOrderId(conversation.request);
  if (orderId === null)
    return answer('No order number in the request.', [
      'Please reply with your order number (it looks like A-1042) so we can look into the charge.',
    ]);
  const order = book.orders.find((o) => o.id === orderId);
  if (order === undefined)
    return answer(`Order ${orderId} is not in our records.`, [
      `We could not find order ${orderId}. Please check the number on your confirmation email.`,
    ]);
  const [best] = scoreCategories(conversation.request, CLAIMS);
  if (!best || best.score === 0)
    return answer(`Found order ${orderId} but not what the claim is.`, [
      `We found order ${orderId}. Was it charged twice, damaged, late, or do you want to cancel it?`,
    ]);

  const claim = /** @type {keyof typeof CLAIMS} */ (best.category);
  const { amount, explanation } = assess(claim, order, conversation.request, book.currency);
  const $ = (/** @type {number} */ n) => money(n, book.currency);
  const what = `${claim.replace('_', ' ')} on order ${order.id}`;
  const details = { order_id: order.id, claim, amount, currency: book.currency };
  if (amount > limit) {
    return handOff(
      {
        summary: `Assessed a ${what}: ${explanation}; ${$(amount)} is owed.`,
        to: 'escalation',
        reason: `${$(amount)} is above the ${$(limit)} refund limit`,
        input: { ...details, customer_id: order.customer.id, explanation },
      },
      details,
    );
  }
  const settled =
    amount > 0
      ? `A refund of ${$(amount)} for the ${what} is approved (${explanation}); it reaches the original payment method within 5 business days.`
      : `Nothing is owed for the ${what}: ${explanation}.`;
  return answer(`Settled the ${what}: ${$(amount)}.`, [settled], details);
}
