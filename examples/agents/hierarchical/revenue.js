// @ts-check
// Worker (finance team): what a year of price arbitrage earns: usable energy shifted each cycle, less
// the round-trip loss, times the price spread.
// Input: { peak_kw, hours, depth_of_discharge, efficiency, cycles_per_year, spread_eur_per_kwh }.
// Output: { annual_revenue_eur }.
import { assignment, capacityKwh } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function revenue(ctx) {
  const a = assignment(ctx.input, [
    'peak_kw',
    'hours',
    'depth_of_discharge',
    'efficiency',
    'cycles_per_year',
    'spread_eur_per_kwh',
  ]);
  const capacity = capacityKwh({
    peak_kw: a.peak_kw,
    hours: a.hours,
    depth_of_discharge: a.depth_of_discharge,
  });
  const shifted = capacity * a.depth_of_discharge * a.cycles_per_year * a.efficiency;
  return { annual_revenue_eur: Math.round(shifted * a.spread_eur_per_kwh) };
}
