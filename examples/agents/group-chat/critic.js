// @ts-check
// The reviewer in the storage-choice chat: checks the last proposal against the brief's budget and
// minimum round-trip efficiency, and approves it or objects, naming each limit it breaks.
//
// Input: { input: brief, transcript }. Output: { message, verdict: "approve" | "object", proposal }.

import { briefOf, TECHNOLOGIES, transcriptOf } from './technologies.js';

/** @param {{ input: unknown }} ctx */
export default function critic(ctx) {
  const brief = briefOf(ctx.input);
  const last = [...transcriptOf(ctx.input)].reverse().find((t) => t.output.proposal !== undefined);
  const tech = TECHNOLOGIES.find((t) => t.id === last?.output.proposal);
  if (tech === undefined) return { message: 'There is no proposal to review yet.', verdict: 'object' };
  const problems = [];
  if (tech.cost_per_kwh > brief.budget_per_kwh) {
    problems.push(`${tech.cost_per_kwh} EUR/kWh is over the budget of ${brief.budget_per_kwh}`);
  }
  if (tech.efficiency < brief.min_efficiency) {
    const lost = Math.round((1 - tech.efficiency) * 100);
    problems.push(
      `${Math.round(tech.efficiency * 100)}% round trip is under the ${Math.round(brief.min_efficiency * 100)}% minimum (${lost}% of every MWh lost)`,
    );
  }
  return problems.length > 0
    ? { message: `I object to ${tech.name}: ${problems.join('; ')}.`, verdict: 'object', proposal: tech.id }
    : {
        message: `${tech.name} is within budget and efficiency: I approve.`,
        verdict: 'approve',
        proposal: tech.id,
      };
}
