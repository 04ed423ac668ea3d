// @ts-check
// Calculator (router example's "arithmetic" specialist): evaluates + - * / ^ and parentheses with a
// recursive-descent parser (no eval), and shows the steps it took.
//
// Input: { question, category, classification }. Output: { answer, expression, steps }.

import { questionOf } from './energy-units.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default function calculate(ctx) {
  const expression = questionOf(ctx.input);
  const tokens = expression.match(/\d+(?:\.\d+)?|[+\-*/^()]/g) ?? [];
  /** @type {string[]} */
  const steps = [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];

  /** @returns {number} */
  function primary() {
    const t = next();
    if (t === '(') {
      const v = sum();
      if (next() !== ')') throw new Error(`calculate: missing ")" in ${expression}`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === undefined || !/^\d/.test(t))
      throw new Error(`calculate: expected a number at token ${at} of ${expression}`);
    return Number(t);
  }
  /** @returns {number} */
  function power() {
    const base = primary();
    if (peek() !== '^') return base;
    next();
    const exponent = power();
    const v = base ** exponent;
    steps.push(`${base} ^ ${exponent} = ${v}`);
    return v;
  }
  /** @returns {number} */
  function product() {
    let v = power();
    while (peek() === '*' || peek() === '/') {
      const op = next();
      const r = power();
      if (op === '/' && r === 0) throw new Error(`calculate: division by zero in ${expression}`);
      const w = op === '*' ? v * r : v / r;
      steps.push(`${v} ${op} ${r} = ${w}`);
      v = w;
    }
    return v;
  }
  /** @returns {number} */
  function sum() {
    let v = product();
    while (peek() === '+' || peek() === '-') {
      const op = next();
      const r = product();
      const w = op === '+' ? v + r : v - r;
      steps.push(`${v} ${op} ${r} = ${w}`);
      v = w;
    }
    return v;
  }

  const answer = sum();
  if (at !== tokens.length) throw new Error(`calculate: unexpected "${peek()}" in ${expression}`);
  return { answer, expression, steps };
}
