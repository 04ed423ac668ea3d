// What a task receives and what it fans out over. Both are recomputed from the state when needed (a
// re-dispatch after a crash gets the same input), so neither is stored in the journal.

import { CEL_SCOPES, type CelVars } from '../spec/cel.js';
import { evaluate, evaluationError, type Evaluation } from './expressions.js';
import { contextOf, type RunState, type UnitState } from './state.js';

/**
 * The input of one attempt. A delegated subtask's is the one its verdict gave. Otherwise, with an
 * `input` mapping: its CEL value(s), with `item` and `index` for a fan-out instance. Without:
 * `{ input, <dependency id>: <its output>, ... }` over the dependencies that completed, plus
 * `item`/`index` (fan-out), `event` (the event that started or released the task), and
 * `iteration`/`previous` (the last iteration's output) from a repeat's second iteration on. Fields a
 * pattern's verdict added for the task's round (feedback, results, handoff context) join an input that
 * is an object; an input mapped to anything else is sent as it is.
 */
export function taskInput(state: RunState, u: UnitState): Evaluation {
  if (u.subtask !== null) return { ok: true, value: u.subtask.input };
  const r = ownInput(state, u);
  const extra = state.tasks[u.task]!.extra;
  if (!r.ok || extra === null || typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
    return r;
  return { ok: true, value: { ...r.value, ...extra } };
}

function ownInput(state: RunState, u: UnitState): Evaluation {
  const ctx = contextOf(state);
  const spec = ctx.specs[u.task]!;
  const fanOut = u.index >= 0;
  let vars: CelVars = {};
  if (fanOut) {
    const items = fanItems(state, u.task);
    if (!items.ok) return items;
    vars = { item: (items.value as unknown[])[u.index], index: u.index };
  }
  const mapping = spec.input;
  if (typeof mapping === 'string')
    return evaluate(state, mapping, fanOut ? CEL_SCOPES.fanOut : CEL_SCOPES.task, vars);
  if (mapping !== undefined) {
    const out: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(mapping)) {
      const r = evaluate(state, expr, fanOut ? CEL_SCOPES.fanOut : CEL_SCOPES.task, vars);
      if (!r.ok) return r;
      out[name] = r.value;
    }
    return { ok: true, value: out };
  }
  const t = state.tasks[u.task]!;
  const out: Record<string, unknown> = { input: state.input };
  const g = ctx.graph;
  for (let k = g.depStart[u.task]!; k < g.depStart[u.task + 1]!; k++) {
    const d = g.deps[k]!;
    if (state.tasks[d]!.status === 'completed') out[g.ids[d]!] = state.tasks[d]!.output;
  }
  Object.assign(out, vars);
  const event = t.waitEvent ?? t.onEvent;
  if (event !== null) out.event = event;
  if (u.iteration > 1) Object.assign(out, { iteration: u.iteration, previous: u.output });
  return { ok: true, value: out };
}

/**
 * The list a fan-out task runs over: its `for_each`, else its single dependency's output when that is
 * a list, else the first list-valued field of that output (`{ sub_questions: [...] }`).
 */
export function fanItems(state: RunState, i: number): Evaluation {
  const ctx = contextOf(state);
  const cached = ctx.fanItems.get(i);
  if (cached !== undefined) return { ok: true, value: cached };
  const spec = ctx.specs[i]!;
  const g = ctx.graph;
  let list: unknown;
  let from: string;
  if (spec.for_each !== undefined) {
    const r = evaluate(state, spec.for_each, CEL_SCOPES.task);
    if (!r.ok) return r;
    list = r.value;
    from = `its for_each ${JSON.stringify(spec.for_each)}`;
  } else if (g.depStart[i + 1]! - g.depStart[i]! === 1) {
    const dep = g.deps[g.depStart[i]!]!;
    const out = state.tasks[dep]!.output;
    list = Array.isArray(out) ? out : firstList(out);
    from = `the output of "${g.ids[dep]}" (neither a list nor an object with a list field)`;
  } else {
    return evaluationError(
      'BATON_E_FAN_OUT_SOURCE',
      `task "${spec.id}" has no for_each and not exactly one dependency`,
    );
  }
  if (!Array.isArray(list)) {
    return evaluationError('BATON_E_FAN_OUT_NOT_LIST', `task "${spec.id}" cannot fan out over ${from}`);
  }
  ctx.fanItems.set(i, list);
  return { ok: true, value: list };
}

function firstList(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.values(value).find((v) => Array.isArray(v));
}
