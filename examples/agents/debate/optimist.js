// @ts-check
// The optimist in the battery debate: opens with a battery cycled daily against a wide tariff spread,
// and concedes 30% of each gap to the others per round.
// Input: the case (`input`) and, from round 2, `debate`. Output: an Argument (payback.js).

import { argue } from './payback.js';

/** @param {{ input: unknown, taskId: string }} ctx */
export default function optimist(ctx) {
  return argue(ctx, 'optimist', { cycles_per_year: 320, value_per_kwh: 0.22, degradation: 0.02 }, 0.3);
}
