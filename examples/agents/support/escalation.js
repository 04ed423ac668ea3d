// @ts-check
// Escalation agent (type escalation_agent): takes a billing claim above the refund limit, opens a case
// with the approver the amount needs and a priority from the amount and the customer's history, and
// closes the conversation with the report.
//
// Input: { request, context, handoff: { input: { claim, order_id, customer_id, amount, currency,
//   explanation } } } (what billing hands over).
// Output: { summary, case_id, approver, priority, respond_within, history, resolution, report }.

import { reject, requireText } from '../input.js';
import { readConversation, resolve } from './conversation.js';
import { customerHistory, loadOrders, money } from './orders.js';

const AGENT = 'escalation';

/** Who signs off a refund, by its size: the first row whose ceiling the amount does not exceed. */
const APPROVERS = /** @type {Array<[number, string]>} */ ([
  [2_000, 'team lead'],
  [10_000, 'finance manager'],
  [Infinity, 'finance director'],
]);
/** A claim this large, or from a business customer, is answered first. */
const HIGH_PRIORITY_AMOUNT = 5_000;
const RESPONSE_TIME = { high: '4 business hours', normal: '1 business day' };

/**
 * @param {{ input: unknown }} ctx
 */
export default async function escalation(ctx) {
  const conversation = readConversation(AGENT, ctx.input);
  const claim = conversation.handed;
  const orderId = requireText(AGENT, 'handoff.input.order_id', claim.order_id);
  const customerId = requireText(AGENT, 'handoff.input.customer_id', claim.customer_id);
  const currency = requireText(AGENT, 'handoff.input.currency', claim.currency);
  const explanation = requireText(AGENT, 'handoff.input.explanation', claim.explanation);
  const kind = requireText(AGENT, 'handoff.input.claim', claim.claim).replace('_', ' ');
  const amount =
    typeof claim.amount === 'number' && claim.amount > 0
      ? claim.amount
      : reject(AGENT, 'handoff.input.amount', 'an amount above 0', claim.amount);

  const book = await loadOrders();
  const order =
    book.orders.find((o) => o.id === orderId) ??
    reject(AGENT, 'handoff.input.order_id', 'an order in the orders table', orderId);
  const history = customerHistory(book, customerId);
  const approver = APPROVERS.find(([ceiling]) => amount <= ceiling)?.[1] ?? 'finance director';
  const priority = amount >= HIGH_PRIORITY_AMOUNT || order.customer.tier === 'business' ? 'high' : 'normal';
  const $ = (/** @type {number} */ n) => money(n, currency);
  const caseId = `ESC-${orderId}`;
  const earlier =
    history.refunds === 0
      ? 'no earlier refunds'
      : `${history.refunds} earlier refund${history.refunds === 1 ? '' : 's'} (${$(history.refunded)})`;
  return resolve(
    conversation,
    {
      agent: AGENT,
      summary: `Opened case ${caseId} (${priority} priority) for ${approver} approval of ${$(amount)}.`,
      resolution: [
        `Case ${caseId} is open with ${priority} priority: a ${approver} must approve the refund of ${$(amount)} for the ${kind} on order ${orderId}.`,
        '',
        `Billing's assessment: ${explanation}.`,
        '',
        `Customer history: ${history.orders} order${history.orders === 1 ? '' : 's'} worth ${$(history.spent)}, ${earlier}.`,
        '',
        `We will reply within ${RESPONSE_TIME[priority]}.`,
      ],
    },
    {
      case_id: caseId,
      approver,
      priority,
      respond_within: RESPONSE_TIME[priority],
      amount,
      currency,
      history,
    },
  );
}
