// @ts-check
// The judge of the battery debate: reads this round's arguments (its dependencies' outputs) and gives a
// verdict once every debater's payback is within the case's tolerance of the others', or in the final
// round whatever the spread (then with consensus: false). Its report lists every round.
//
// Input: { input: case, <debater task>: Argument, ..., debate? }.
// Output: { spread_years, verdict: { payback_years, within_warranty, consensus } | null, report }.

import { caseOf, debateOf, HORIZON_YEARS } from './payback.js';

/** @typedef {import('./payback.js').Argument} Argument */

/** @param {{ input: unknown }} ctx */
export default function judge(ctx) {
  const c = caseOf(ctx.input);
  const debate = debateOf(ctx.input);
  const fields = /** @type {Record<string, unknown>} */ (ctx.input);
  const round = debate?.round ?? 1;
  const current = Object.entries(fields).flatMap(([debater, v]) =>
    v && typeof v === 'object' && 'payback_years' in v
      ? [{ round, debater, argument: /** @type {Argument} */ (v) }]
      : [],
  );
  // A payback beyond the horizon counts as the horizon: the spread stays finite and honest.
  const years = current.map((a) => a.argument.payback_years ?? HORIZON_YEARS);
  const spread = Math.round((Math.max(...years) - Math.min(...years)) * 10) / 10;
  const mean = Math.round((years.reduce((s, y) => s + y, 0) / years.length) * 10) / 10;
  const consensus = spread <= c.tolerance_years;
  const verdict =
    consensus || debate?.final
      ? { payback_years: mean, within_warranty: mean <= c.warranty_years, consensus }
      : null;
  const rows = [...(debate?.transcript ?? []), ...current].map(
    (a) =>
      `| ${a.round} | ${a.debater} | ${a.argument?.payback_years ?? `> ${HORIZON_YEARS}`} | ${a.argument?.claim ?? 'no argument'} |`,
  );
  const headline =
    verdict === null
      ? `No verdict after round ${round}: the paybacks are ${spread} years apart (tolerance ${c.tolerance_years}).`
      : `Verdict after round ${round}${consensus ? '' : ' (no consensus; the mean of the positions)'}: the battery pays back in ${mean} years, ${verdict.within_warranty ? 'inside' : 'outside'} its ${c.warranty_years}-year warranty.`;
  return {
    spread_years: spread,
    verdict,
    report: [
      `# Debate: does a ${c.battery_kwh} kWh battery costing ${c.system_cost_eur} EUR pay back within ${c.warranty_years} years?`,
      '',
      headline,
      '',
      '| round | debater | payback (years) | claim |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  };
}
