// @ts-check
// The secretary of the storage-choice chat: once a proposal is approved, records the decision with what
// it costs and what it returns per cycle, and says "AGREED" (the workflow's termination phrase).
//
// Input: { input: brief, transcript }. Output: { message, decision }.

import { briefOf, TECHNOLOGIES, transcriptOf } from './technologies.js';

/** @param {{ input: unknown }} ctx */
export default function secretary(ctx) {
  const brief = briefOf(ctx.input);
  const transcript = transcriptOf(ctx.input);
  const approved = [...transcript].reverse().find((t) => t.output.verdict === 'approve');
  const tech = TECHNOLOGIES.find((t) => t.id === approved?.output.proposal);
  if (tech === undefined) return { message: 'Nothing has been approved yet; the chat goes on.' };
  const rejected = transcript.filter((t) => t.output.verdict === 'object').length;
  const capex = (tech.cost_per_kwh * brief.capacity_mwh) / 1000;
  const delivered = brief.capacity_mwh * tech.efficiency;
  return {
    message:
      `AGREED: ${tech.name} after ${rejected} rejected proposal(s). ${brief.capacity_mwh} MWh cost ` +
      `${capex.toFixed(1)} M EUR and return ${delivered.toFixed(0)} MWh per full cycle.`,
    decision: {
      technology: tech.id,
      capex_meur: Number(capex.toFixed(1)),
      mwh_per_cycle: Math.round(delivered),
    },
  };
}
