// Rules about each task's own keys: unique ids, exactly one way to run, keys that only make sense
// together (fan-out, events, requires), and task names in hooks.
//
// Decisions: `on` and `wait_for` on one task conflict (both hold the start for an event; chain two
// tasks instead), while `on` with depends_on is fine (the event is awaited once the dependencies are
// done). `requires` describes the task's agent, so it needs `agent`. `for_each` without `parallel`
// would be silently ignored by the engine, so it is reported as a missing `parallel`.

import type { TaskSpec } from '../spec/schema.js';
import { isUnread, quoteList, taskPath, type ValidationContext } from './context.js';

const RUN_KEYS = ['agent', 'workflow', 'block'] as const;

export function duplicateTaskIds(ctx: ValidationContext): void {
  const { tasks } = ctx.spec;
  tasks.forEach((t, p) => {
    const first = ctx.graph.position[ctx.graph.indexAt[p]!]!;
    if (first === p) return;
    const line = ctx.locator.locate(taskPath(first, 'id')).line;
    ctx.report(
      'BATON_E_DUPLICATE_TASK',
      taskPath(p, 'id'),
      `task id "${t.id}" is already used by the task on line ${line}`,
      {
        hint: 'task ids must be unique: rename one of them (and the depends_on entries that mean it)',
      },
    );
  });
}

export function runModes(ctx: ValidationContext): void {
  ctx.spec.tasks.forEach((t, p) => {
    const modes = RUN_KEYS.filter((k) => t[k] !== undefined);
    if (modes.length === 0) {
      ctx.report('BATON_E_CONFLICTING_KEYS', taskPath(p), `task "${t.id}" has no way to run`, {
        expected: 'one of agent, workflow (a sub-workflow) or block',
      });
    } else if (modes.length > 1) {
      ctx.report(
        'BATON_E_CONFLICTING_KEYS',
        taskPath(p, modes[1]!),
        `task "${t.id}" sets both ${modes[0]} and ${modes[1]}; a task runs one way`,
        { hint: `keep one of ${quoteList(modes)}, or split the task in two` },
        true,
      );
    } else if (t.requires !== undefined && modes[0] !== 'agent') {
      ctx.report(
        'BATON_E_CONFLICTING_KEYS',
        taskPath(p, 'requires'),
        `task "${t.id}" runs a ${modes[0]}, but requires lists capabilities of an agent`,
        { hint: 'remove requires, or give the task an agent' },
        true,
      );
    }
    if (t.on !== undefined && t.wait_for !== undefined) {
      ctx.report(
        'BATON_E_CONFLICTING_KEYS',
        taskPath(p, 'wait_for'),
        `task "${t.id}" both starts on an event (on) and waits for one (wait_for)`,
        { hint: 'keep one; to wait for two events in turn, chain two tasks' },
        true,
      );
    }
  });
}

/** `parallel: true` or a number: the task runs once per item of a list. */
export const isFanOut = (t: TaskSpec): boolean => t.parallel !== undefined && t.parallel !== false;

export function fanOutSources(ctx: ValidationContext): void {
  ctx.spec.tasks.forEach((t, p) => {
    if (t.for_each !== undefined && !isFanOut(t)) {
      ctx.report(
        'BATON_E_MISSING_KEY',
        taskPath(p, 'for_each'),
        `task "${t.id}" has for_each but does not fan out`,
        {
          expected: 'parallel: true (or the most instances at once, e.g. parallel: 4)',
        },
        true,
      );
    }
    if (!isFanOut(t) || t.for_each !== undefined) return;
    const sources = new Set(t.depends_on).size;
    if (sources === 1) return;
    ctx.report(
      'BATON_E_FAN_OUT_SOURCE',
      taskPath(p, 'parallel'),
      `task "${t.id}" fans out (parallel) but has ${sources === 0 ? 'no dependency' : `${sources} dependencies`} and no for_each`,
      {
        expected: 'for_each (a CEL list), or exactly one dependency whose output is the list',
        hint: 'add for_each: tasks.<id>.output.<list> to say which list to fan out over',
      },
    );
  });
}

export function hookTasks(ctx: ValidationContext): void {
  ctx.spec.hooks?.forEach((h, hi) => {
    h.tasks?.forEach((id, k) => {
      if (ctx.graph.index.has(id) || isUnread(ctx, 'tasks', id)) return;
      ctx.report(
        'BATON_E_UNKNOWN_TASK',
        ['workflow', 'hooks', hi, 'tasks', k],
        `hook "${h.name}" names task "${id}", which does not exist`,
        {
          hint: ctx.suggest(id, ctx.graph.ids),
        },
      );
    });
  });
}
