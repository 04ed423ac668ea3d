// @ts-check
// Worker (finance team): what the battery costs to build: capacity plus inverter.
// Input: { peak_kw, hours, depth_of_discharge, cost_per_kwh, cost_per_kw }. Output: { capacity_kwh, capex_eur }.
import { assignment, capacityKwh } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function capex(ctx) {
  const a = assignment(ctx.input, ['peak_kw', 'hours', 'depth_of_discharge', 'cost_per_kwh', 'cost_per_kw']);
  const capacity = capacityKwh({
    peak_kw: a.peak_kw,
    hours: a.hours,
    depth_of_discharge: a.depth_of_discharge,
  });
  return { capacity_kwh: capacity, capex_eur: capacity * a.cost_per_kwh + a.peak_kw * a.cost_per_kw };
}
