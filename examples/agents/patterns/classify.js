// @ts-check
// Question classifier (router example): names the kind of question so the router can pick the one
// specialist that can answer it. An arithmetic expression is "arithmetic"; "<number> <energy unit> in
// <energy unit>" is "conversion"; anything else is "question" (which the example routes to no
// specialist: the router's fallback takes it).
//
// Input: { question }. Output: { category, question, evidence }.

import { parseConversion, questionOf } from './energy-units.js';

const ARITHMETIC = /^[\d\s.+\-*/^()]+$/;

/**
 * @param {{ input: unknown }} ctx
 */
export default function classify(ctx) {
  const question = questionOf(ctx.input).trim();
  if (question === '') throw new Error('classify: the input has no question');
  if (ARITHMETIC.test(question) && /\d/.test(question)) {
    return { category: 'arithmetic', question, evidence: 'only digits, operators and parentheses' };
  }
  const conversion = parseConversion(question);
  if (conversion !== null) {
    return {
      category: 'conversion',
      question,
      evidence: `a quantity in ${conversion.from} asked in ${conversion.to}`,
    };
  }
  return { category: 'question', question, evidence: 'neither an expression nor a unit conversion' };
}
