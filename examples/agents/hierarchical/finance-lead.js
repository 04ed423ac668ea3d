// @ts-check
// Lead of the finance team: has the capex and revenue workers price the planned battery and reports
// the simple payback.
// Input: { input: project, assignment: { hours }, results? }.
// Output: { assign } | { result: { hours, capex_eur, annual_revenue_eur, payback_years } }.
import { projectOf, reported, resultsOf } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function financeLead(ctx) {
  const p = projectOf(ctx.input);
  const { hours } = /** @type {{ assignment: { hours: number } }} */ (ctx.input).assignment;
  const results = resultsOf(ctx.input);
  const { peak_kw, depth_of_discharge } = p;
  if (results === undefined) {
    return {
      assign: {
        capex: {
          peak_kw,
          hours,
          depth_of_discharge,
          cost_per_kwh: p.cost_per_kwh,
          cost_per_kw: p.cost_per_kw,
        },
        revenue: {
          peak_kw,
          hours,
          depth_of_discharge,
          efficiency: p.efficiency,
          cycles_per_year: p.cycles_per_year,
          spread_eur_per_kwh: p.spread_eur_per_kwh,
        },
      },
    };
  }
  const capex = reported(results, 'capex', 'capex_eur');
  const annual = reported(results, 'revenue', 'annual_revenue_eur');
  return {
    result: {
      hours,
      capex_eur: capex,
      annual_revenue_eur: annual,
      payback_years: Math.round((capex / annual) * 10) / 10,
    },
  };
}
