// @ts-check
// A branch in the ledger reconciliation (a network peer; the task id is the branch's name). Given the
// head office's transfers, it compares those sent to it with what it booked and reports each
// difference (an amount that differs, a transfer it never booked, one the head office never sent), or
// that it is balanced. Given corrections, it books them and reports its corrected total.
//
// Output: { to: "hq", message: { branch, status: "balanced", total, corrected? } |
//                              { branch, status: "differences", differences: [{ id, sent, booked }] } }.

import { RECEIVED, total, turnOf } from './books.js';

/** @param {{ input: unknown, taskId: string }} ctx */
export default function branch(ctx) {
  const name = ctx.taskId;
  const { run, inbox } = turnOf(ctx.input);
  const booked = (run.books ?? RECEIVED)[name] ?? [];
  const corrections = inbox.flatMap((m) => m.message.corrections?.[name] ?? []);
  if (corrections.length > 0) {
    const byId = new Map(booked.map((r) => [r.id, r.amount]));
    for (const c of corrections) byId.set(c.id, c.amount);
    const rows = [...byId].map(([id, amount]) => ({ id, amount }));
    return {
      to: 'hq',
      message: {
        branch: name,
        status: 'balanced',
        total: total(rows),
        corrected: corrections.map((c) => c.id),
      },
    };
  }
  const sent = inbox.flatMap((m) => m.message.transfers ?? []).filter((t) => t.branch === name);
  const ids = [...new Set([...sent.map((t) => t.id), ...booked.map((r) => r.id)])].sort();
  const differences = ids.flatMap((id) => {
    const s = sent.find((t) => t.id === id)?.amount ?? null;
    const b = booked.find((r) => r.id === id)?.amount ?? null;
    return s === b ? [] : [{ id, sent: s, booked: b }];
  });
  if (differences.length === 0)
    return { to: 'hq', message: { branch: name, status: 'balanced', total: total(booked) } };
  return { to: 'hq', message: { branch: name, status: 'differences', differences } };
}
