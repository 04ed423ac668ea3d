// @ts-check
// The head office in the ledger reconciliation (a network peer, the entry). First it sends every branch
// the list of transfers it made ("all"). Then, for each branch that reports differences, it answers
// with corrections from its own record, which is authoritative; a branch that reports balanced is
// confirmed and written to no more. When nothing is left to correct it says nothing, and once no
// message is in flight the network is quiescent: the run ends.
//
// Output: { to, message } (the network plugin's peer shape).

import { SENT, turnOf } from './books.js';

/** @param {{ input: unknown }} ctx */
export default function hq(ctx) {
  const { run, inbox } = turnOf(ctx.input);
  const sent = run.transfers ?? SENT;
  if (inbox.length === 0) return { to: 'all', message: { transfers: sent } };
  /** @type {Record<string, Array<{ id: string, amount: number }>>} */
  const corrections = {};
  /** @type {Record<string, number>} */
  const confirmed = {};
  for (const mail of inbox) {
    const m = mail.message;
    if (m.status === 'balanced') confirmed[mail.from] = m.total ?? 0;
    else if (m.status === 'differences') {
      corrections[mail.from] = (m.differences ?? []).map((d) => ({ id: d.id, amount: d.sent ?? 0 }));
    }
  }
  const to = Object.keys(corrections);
  if (to.length > 0) return { to, message: { corrections } };
  return { to: [], message: { confirmed } };
}
