// @ts-check
// The top supervisor of the community-battery assessment: gives both teams the plan (how many hours
// of storage), re-plans with the hours the tech team says fit when it escalates, and decides once both
// teams report: build if the battery pays back before it wears out. Its report is the run's report.
// Input: { input: project, reports? }. Output: { assign } | { result, report }.
import { projectOf } from './model.js';

/**
 * @typedef {object} Report
 * @property {string} team
 * @property {'result' | 'escalated'} status
 * @property {{ result?: Record<string, number>, escalate?: string, max_hours?: number }} output
 */

/** @param {{ input: unknown }} ctx */
export default function director(ctx) {
  const p = projectOf(ctx.input);
  const { reports } = /** @type {{ reports?: Report[] }} */ (ctx.input);
  const plan = (/** @type {number} */ hours) => ({
    assign: { tech_lead: { hours }, finance_lead: { hours } },
  });
  if (reports === undefined) return plan(p.hours);
  const escalated = reports.find((r) => r.status === 'escalated');
  if (escalated) {
    if (escalated.output.max_hours === undefined || escalated.output.max_hours < 1) {
      return {
        escalate: `${escalated.team}: ${escalated.output.escalate ?? 'gave up'}; no smaller plan left`,
      };
    }
    return { ...plan(escalated.output.max_hours), replanned: escalated.output.escalate };
  }
  const tech = /** @type {{ hours: number, capacity_kwh: number, lifetime_years: number } | undefined} */ (
    reports.find((r) => r.team === 'tech_lead')?.output.result
  );
  const finance =
    /** @type {{ capex_eur: number, annual_revenue_eur: number, payback_years: number } | undefined} */ (
      reports.find((r) => r.team === 'finance_lead')?.output.result
    );
  if (!tech || !finance) return { escalate: 'a team did not report' };
  const build = finance.payback_years < tech.lifetime_years;
  const decision = build ? 'build' : 'do not build';
  return {
    result: {
      decision,
      hours: tech.hours,
      capacity_kwh: tech.capacity_kwh,
      payback_years: finance.payback_years,
    },
    report: [
      `# Community battery: ${decision}`,
      '',
      `${p.peak_kw} kW for ${tech.hours} h: ${tech.capacity_kwh} kWh (site limit ${p.site_limit_kwh} kWh).`,
      `Costs ${finance.capex_eur} EUR and earns ${finance.annual_revenue_eur} EUR a year: payback in ${finance.payback_years} years,`,
      `${build ? 'before' : 'after'} it fades to 80% in ${tech.lifetime_years} years.`,
    ].join('\n'),
  };
}
