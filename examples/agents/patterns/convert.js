// @ts-check
// Energy unit converter (router example's "conversion" specialist).
//
// Input: { question, category, classification }. Output: { answer, from, to, value, factor, text }.

import { JOULES, parseConversion, questionOf } from './energy-units.js';

/**
 * @param {{ input: unknown }} ctx
 */
export default function convert(ctx) {
  const question = questionOf(ctx.input);
  const c = parseConversion(question);
  if (c === null) throw new Error(`convert: "${question}" is not "<number> <unit> in <unit>"`);
  const factor = JOULES[c.from] / JOULES[c.to];
  const answer = Number((c.value * factor).toPrecision(12));
  return {
    answer,
    from: c.from,
    to: c.to,
    value: c.value,
    factor,
    text: `${c.value} ${c.from} = ${answer} ${c.to}`,
  };
}
