// @ts-check
// The skeptic in the battery debate: opens with fewer useful cycles, a narrow spread and faster wear,
// and concedes 30% of each gap to the others per round.
// Input: the case (`input`) and, from round 2, `debate`. Output: an Argument (payback.js).

import { argue } from './payback.js';

/** @param {{ input: unknown, taskId: string }} ctx */
export default function skeptic(ctx) {
  return argue(ctx, 'skeptic', { cycles_per_year: 220, value_per_kwh: 0.12, degradation: 0.035 }, 0.3);
}
