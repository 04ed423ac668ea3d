// @ts-check
// The engineer in the storage-choice chat: proposes the cheapest technology built for the required
// discharge duration that the chat has not rejected yet. With nothing left, it says so and ends the chat.
//
// Input: { input: brief, transcript }. Output: { message, proposal? , done? }.

import { briefOf, TECHNOLOGIES, transcriptOf } from './technologies.js';

/** @param {{ input: unknown }} ctx */
export default function proposer(ctx) {
  const brief = briefOf(ctx.input);
  const transcript = transcriptOf(ctx.input);
  const proposed = new Set(transcript.flatMap((t) => (t.output.proposal ? [t.output.proposal] : [])));
  const fits = TECHNOLOGIES.filter(
    (t) => t.hours[0] <= brief.duration_hours && brief.duration_hours <= t.hours[1] && !proposed.has(t.id),
  ).sort((a, b) => a.cost_per_kwh - b.cost_per_kwh);
  const pick = fits[0];
  if (pick === undefined) {
    return {
      message: `No technology left for ${brief.duration_hours} h of storage: every candidate was rejected.`,
      done: true,
    };
  }
  const capex = (pick.cost_per_kwh * brief.capacity_mwh) / 1000;
  return {
    message:
      `I propose ${pick.name}: built for ${pick.hours[0]}-${pick.hours[1]} h, ` +
      `${pick.cost_per_kwh} EUR/kWh (${capex.toFixed(1)} M EUR for ${brief.capacity_mwh} MWh), ` +
      `${Math.round(pick.efficiency * 100)}% round trip.`,
    proposal: pick.id,
  };
}
