// @ts-check
// The chair of the storage-choice chat (the group_chat selector): gives the floor by what was said last.
// A proposal goes to the critic; an objection back to the proposer; an approval to the secretary.
//
// Input: { input: brief, transcript, participants }. Output: { next: <participant agent id> }.

import { transcriptOf } from './technologies.js';

/** @param {{ input: unknown }} ctx */
export default function chair(ctx) {
  const last = transcriptOf(ctx.input).at(-1);
  if (last === undefined || last.output.verdict === 'object') return { next: 'proposer' };
  if (last.output.verdict === 'approve') return { next: 'secretary' };
  if (last.output.proposal !== undefined) return { next: 'critic' };
  return { next: 'proposer' };
}
