// @ts-check
// The shop's orders (examples/data/orders.json, a small bundled table): lookup by the order number a
// customer writes, order totals, a customer's history, and money formatting.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminalError, isRecord } from '../input.js';

export const ORDERS_FILE = join(import.meta.dirname, '../../data/orders.json');

/**
 * @typedef {object} Order
 * @property {string} id "A-1042"
 * @property {{ id: string, name: string, tier: 'standard' | 'business' }} customer
 * @property {string} placed ISO date
 * @property {string} promised ISO date the delivery was promised for
 * @property {string | null} delivered ISO date, null while in transit
 * @property {Array<{ sku: string, name: string, qty: number, unit_price: number }>} items
 * @property {number} shipping
 * @property {number} discount
 * @property {Array<{ ref: string, amount: number }>} payments
 * @property {Array<{ ref: string, amount: number, reason: string }>} refunds
 */
/** @typedef {{ currency: string, orders: Order[] }} OrderBook */

/**
 * @param {string} [file]
 * @returns {Promise<OrderBook>}
 */
export async function loadOrders(file = ORDERS_FILE) {
  /** @type {unknown} */
  const data = JSON.parse(await readFile(file, 'utf8'));
  if (!isRecord(data) || typeof data.currency !== 'string' || !Array.isArray(data.orders))
    throw new TerminalError(`${file} must hold { currency, orders: [...] }`);
  return /** @type {OrderBook} */ (data);
}

/**
 * The first order number in a text: "A-1042", "a-1042" and "A1042" are all A-1042.
 * @param {string} text
 * @returns {string | null}
 */
export function findOrderId(text) {
  const m = /\b([a-z])-?(\d{4})\b/i.exec(text);
  return m ? `${(m[1] ?? '').toUpperCase()}-${m[2]}` : null;
}

/** @param {number} n */
export const cents = (n) => Math.round(n * 100) / 100;

/** @param {Order} order the value of the goods, before discount and shipping */
export const goodsValue = (order) => cents(order.items.reduce((s, i) => s + i.qty * i.unit_price, 0));

/** @param {Order} order what the customer owes: goods less discount, plus shipping */
export const orderTotal = (order) => cents(goodsValue(order) - order.discount + order.shipping);

/** @param {Order} order */
export const paid = (order) => cents(order.payments.reduce((s, p) => s + p.amount, 0));

/** @param {Order} order */
export const refunded = (order) => cents(order.refunds.reduce((s, r) => s + r.amount, 0));

/**
 * @param {OrderBook} book
 * @param {string} customerId
 */
export function customerHistory(book, customerId) {
  const orders = book.orders.filter((o) => o.customer.id === customerId);
  const refunds = orders.flatMap((o) => o.refunds);
  return {
    orders: orders.length,
    spent: cents(orders.reduce((s, o) => s + orderTotal(o), 0)),
    refunds: refunds.length,
    refunded: cents(refunds.reduce((s, r) => s + r.amount, 0)),
  };
}

/**
 * @param {number} amount
 * @param {string} currency ISO 4217
 */
export function money(amount, currency) {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
}
