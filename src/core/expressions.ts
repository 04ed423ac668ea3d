// Evaluating a workflow's CEL expressions against a run's state (only decide() does this; apply never
// does, since every verdict is journaled). A failure becomes a TaskError instead of a throw.

import { BatonError } from '../errors/registry.js';
import { evaluateCel, isCelError, type CelScope, type CelVars } from '../spec/cel.js';
import { compiled } from './context.js';
import type { TaskError } from './entries.js';
import { unitKey } from './keys.js';
import { contextOf, type RunState, type TaskState } from './state.js';

export type Evaluation =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: TaskError };

export const evaluationError = (code: string, message: string): Evaluation => ({
  ok: false,
  error: { code, message, retryable: false, kind: 'error' },
});

/**
 * Evaluates `expr` in `scope`. `input` and `tasks` are supplied from the state (`tasks` holds only the
 * tasks the expression names, unless it reads the map as a whole); `vars` supplies the rest.
 */
export function evaluate(state: RunState, expr: string, scope: CelScope, vars: CelVars = {}): Evaluation {
  const c = compiled(contextOf(state), expr, scope);
  if (isCelError(c)) {
    return evaluationError(
      'BATON_E_CEL_SYNTAX',
      `${c.message} (at column ${c.offset + 1} of ${JSON.stringify(expr)})`,
    );
  }
  const usesTasks = c.variables.some((v) => v.name === 'tasks');
  const ids = c.readsAllTasks ? contextOf(state).graph.ids : c.taskRefs.map((r) => r.name);
  try {
    const value = evaluateCel(c, {
      input: state.input,
      ...vars,
      tasks: usesTasks ? tasksVar(state, ids) : {},
    });
    return { ok: true, value };
  } catch (e) {
    if (e instanceof BatonError) return evaluationError(e.code, e.message);
    throw e;
  }
}

/** A verdict that must be a bool (`when`, `repeat.until`, event filters). */
export function evaluateBool(state: RunState, expr: string, scope: CelScope, vars: CelVars = {}): Evaluation {
  const r = evaluate(state, expr, scope, vars);
  if (!r.ok || typeof r.value === 'boolean') return r;
  return evaluationError(
    'BATON_E_CEL_EVALUATION',
    `${JSON.stringify(expr)} must be true or false, not ${JSON.stringify(r.value)}`,
  );
}

/** `tasks.<id>` = { output, status, attempts } for the named ids (unknown ids are left out). */
function tasksVar(state: RunState, ids: readonly string[]): Record<string, unknown> {
  const ctx = contextOf(state);
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const i = ctx.graph.index.get(id);
    if (i === undefined) continue;
    const t = state.tasks[i]!;
    const entry = { output: t.output, status: t.status, attempts: attemptsOf(state, id, t) };
    // A task id may be "__proto__": keep it a plain data key.
    Object.defineProperty(out, id, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Attempts dispatched for a task's round: of its one instance, or summed over its fan-out instances. */
function attemptsOf(state: RunState, id: string, t: TaskState): number {
  if (t.fan === null) return state.units.get(unitKey(id, -1, t.round))?.attempts ?? 0;
  let n = 0;
  for (let k = 0; k < t.fan.started; k++) n += state.units.get(unitKey(id, k, t.round))!.attempts;
  return n;
}
