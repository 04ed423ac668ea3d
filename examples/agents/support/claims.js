// @ts-check
// Billing claims and the shop's policy for each: what a customer is owed for a duplicate charge, a
// damaged item, a late delivery or a cancellation, computed from the order. Pure: no I/O.

import { tokenize } from '../../corpus/text.js';
import { TerminalError } from '../input.js';
import { weighted } from './keywords.js';
import { cents, goodsValue, money, orderTotal, paid, refunded } from './orders.js';

/** The words that say which claim a request makes (see keywords.js). */
export const CLAIMS = {
  duplicate_charge: weighted({ 3: 'twice double duplicate', 1: 'charged again two' }),
  damaged_item: weighted({ 3: 'damaged broken defective faulty cracked', 2: 'dead', 1: 'arrived' }),
  late_delivery: weighted({ 3: 'late delayed delay', 2: 'waited waiting', 1: 'weeks days' }),
  cancellation: weighted({ 3: 'cancel cancellation return returning', 2: 'unwanted' }),
};

/** A late delivery earns back its shipping plus this share of the goods per day late, up to MAX. */
const LATE_RATE_PER_DAY = 0.01;
const LATE_RATE_MAX = 0.1;
/** Delivered goods sent back are refunded less this restocking fee; shipping is not refunded. */
const RESTOCKING_FEE = 0.15;
const DAY_MS = 86_400_000;

/**
 * @typedef {object} Assessment
 * @property {number} amount what the customer is owed (0 when nothing is)
 * @property {string} explanation how it was computed, for the customer and the trail
 */

/**
 * @param {keyof typeof CLAIMS} claim
 * @param {import('./orders.js').Order} order
 * @param {string} request the customer's words (to find which item a damage claim is about)
 * @param {string} currency
 * @returns {Assessment}
 */
export function assess(claim, order, request, currency) {
  const $ = (/** @type {number} */ n) => money(n, currency);
  switch (claim) {
    case 'duplicate_charge': {
      const over = cents(paid(order) - refunded(order) - orderTotal(order));
      const refs = order.payments.map((p) => p.ref).join(', ');
      return over > 0
        ? {
            amount: over,
            explanation: `paid ${$(paid(order))} in ${order.payments.length} payments (${refs}) for an order total of ${$(orderTotal(order))}`,
          }
        : {
            amount: 0,
            explanation: `the payments (${refs}) match the order total of ${$(orderTotal(order))}`,
          };
    }
    case 'damaged_item': {
      const item = namedItem(order, request);
      return {
        amount: item.unit_price,
        explanation: `one ${item.name} (${item.sku}) at ${$(item.unit_price)}`,
      };
    }
    case 'late_delivery': {
      if (order.delivered === null)
        return { amount: 0, explanation: `still in transit, promised for ${order.promised}` };
      const days = Math.round((Date.parse(order.delivered) - Date.parse(order.promised)) / DAY_MS);
      if (days <= 0)
        return { amount: 0, explanation: `delivered on ${order.delivered}, on time for ${order.promised}` };
      const rate = Math.min(days * LATE_RATE_PER_DAY, LATE_RATE_MAX);
      return {
        amount: cents(order.shipping + goodsValue(order) * rate),
        explanation: `delivered ${days} days late: shipping ${$(order.shipping)} plus ${Math.round(rate * 100)}% of the goods`,
      };
    }
    case 'cancellation': {
      if (order.delivered === null)
        return {
          amount: cents(paid(order) - refunded(order)),
          explanation: 'not yet delivered: everything paid is refunded',
        };
      const net = goodsValue(order) - order.discount;
      return {
        amount: cents(net * (1 - RESTOCKING_FEE)),
        explanation: `goods ${$(net)} less the ${RESTOCKING_FEE * 100}% restocking fee; shipping is not refunded`,
      };
    }
  }
}

/**
 * The item whose name shares most words with the request; the dearest one when none is named.
 * @param {import('./orders.js').Order} order
 * @param {string} request
 */
function namedItem(order, request) {
  const words = new Set(tokenize(request));
  const overlap = (/** @type {string} */ name) => tokenize(name).filter((w) => words.has(w)).length;
  const best = [...order.items].sort(
    (a, b) => overlap(b.name) - overlap(a.name) || b.unit_price - a.unit_price,
  )[0];
  if (!best) throw new TerminalError(`order ${order.id} has no items to refund`);
  return best;
}
