// The graph of a run: one node per workflow task (fan-out instances grouped on it), its state from the
// folded run, edges from depends_on; nested blocks and sub-workflows are marked so they can be opened.

import type { RunState } from './journal.ts';

export interface TaskNode {
  readonly id: string;
  readonly agent: string;
  readonly status: string;
  /** "done/count" of a fan-out task's instances; undefined for a single instance. */
  readonly fan?: string;
  /** "block" (nested coordination block) or "workflow" (child run) for nested tasks. */
  readonly nested?: 'block' | 'workflow';
  /** Keys of the task's instances (fan-out positions, rounds) with their unit status. */
  readonly units: ReadonlyArray<{ key: string; status: string; question?: string }>;
  readonly deps: readonly string[];
}

export function taskNodes(state: RunState): TaskNode[] {
  const wf = state.workflow;
  if (wf === null) return [];
  const unitsOf = new Map<number, Array<{ key: string; status: string; question?: string }>>();
  for (const u of state.units.values()) {
    const list = unitsOf.get(u.task) ?? [];
    list.push({
      key: u.key,
      status: u.status,
      ...(u.inputRequired && { question: u.inputRequired.question || '(the agent asks for input)' }),
    });
    unitsOf.set(u.task, list);
  }
  return wf.tasks.map((t, i) => {
    const ts = state.tasks[i];
    const fan = ts?.fan;
    return {
      id: t.id,
      agent: t.agent ?? '',
      status: ts?.status ?? 'pending',
      ...(fan && { fan: `${fan.done}/${fan.count}` }),
      ...(t.block !== undefined
        ? { nested: 'block' as const }
        : t.workflow !== undefined && { nested: 'workflow' as const }),
      units: unitsOf.get(i) ?? [],
      deps: t.depends_on ?? [],
    };
  });
}
