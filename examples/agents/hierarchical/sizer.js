// @ts-check
// Worker (tech team): the capacity a battery needs to deliver the peak for the planned hours.
// Input: { peak_kw, hours, depth_of_discharge }. Output: { capacity_kwh }.
import { assignment, capacityKwh } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function sizer(ctx) {
  const a = assignment(ctx.input, ['peak_kw', 'hours', 'depth_of_discharge']);
  return {
    capacity_kwh: capacityKwh({
      peak_kw: a.peak_kw,
      hours: a.hours,
      depth_of_discharge: a.depth_of_discharge,
    }),
  };
}
