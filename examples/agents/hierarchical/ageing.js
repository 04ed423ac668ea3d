// @ts-check
// Worker (tech team): years until the battery fades to 80% of its capacity (its usual end of life).
// Input: { cycles_per_year, fade_per_cycle }. Output: { lifetime_years }.
import { assignment } from './model.js';

/** @param {{ input: unknown }} ctx */
export default function ageing(ctx) {
  const a = assignment(ctx.input, ['cycles_per_year', 'fade_per_cycle']);
  return { lifetime_years: Math.round((0.2 / (a.fade_per_cycle * a.cycles_per_year)) * 10) / 10 };
}
