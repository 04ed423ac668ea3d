// @ts-check
// Lead of the tech team: has the sizer and the ageing worker check the planned battery; escalates a
// battery too large for the site, with the most hours that would fit.
// Input: { input: project, assignment: { hours }, results? }.
// Output: { assign } | { result: { capacity_kwh, lifetime_years } } | { escalate, max_hours }.
import { projectOf, reported, resultsOf } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function techLead(ctx) {
  const p = projectOf(ctx.input);
  const { hours } = /** @type {{ assignment: { hours: number } }} */ (ctx.input).assignment;
  const results = resultsOf(ctx.input);
  if (results === undefined) {
    return {
      assign: {
        sizer: { peak_kw: p.peak_kw, hours, depth_of_discharge: p.depth_of_discharge },
        ageing: { cycles_per_year: p.cycles_per_year, fade_per_cycle: p.fade_per_cycle },
      },
    };
  }
  const capacity = reported(results, 'sizer', 'capacity_kwh');
  if (capacity > p.site_limit_kwh) {
    const maxHours = Math.floor((p.site_limit_kwh * p.depth_of_discharge) / p.peak_kw);
    return {
      escalate: `${hours} h at ${p.peak_kw} kW needs ${capacity} kWh; the site holds ${p.site_limit_kwh} kWh`,
      max_hours: maxHours,
    };
  }
  return {
    result: { hours, capacity_kwh: capacity, lifetime_years: reported(results, 'ageing', 'lifetime_years') },
  };
}
