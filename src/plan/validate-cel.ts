// Rules about CEL expressions: each one compiles, uses only the variables of its place, and reads
// only tasks that exist and are upstream of the task it belongs to (so their output exists when it
// runs). A `when` that is always false makes its task unreachable.
//
// A task may read its own output only where it has finished: emits data, compensate input and
// repeat.until. Upstream checks are batched into one pass (see upstream.ts).

import {
  CEL_SCOPES,
  compileCel,
  evaluateCel,
  isCelError,
  type CelCompiled,
  type CelScope,
} from '../spec/cel.js';
import type { DocPath } from '../spec/diagnostic.js';
import type { TaskSpec } from '../spec/schema.js';
import { isUnread, quoteList, taskPath, type ValidationContext } from './context.js';
import { areUpstream, type UpstreamQuery } from './upstream.js';
import { isFanOut } from './validate-tasks.js';

interface Expression {
  readonly path: DocPath;
  readonly source: string;
  readonly scope: CelScope;
  /** Evaluated after the task finished, so it may read the task's own output. */
  readonly afterRun: boolean;
}

/** Where the variables missing from a scope do exist, for hints. */
const HOME: Readonly<Record<string, string>> = {
  item: 'the input of a fan-out task (parallel)',
  index: 'the input of a fan-out task (parallel)',
  event: 'on and wait_for filters',
  output: 'repeat.until, emits data and compensate input',
  iteration: 'repeat.until',
  round: "a block's until",
  messages: "a block's until",
};

function expressionsOf(t: TaskSpec, p: number): Expression[] {
  const list: Expression[] = [];
  const add = (
    source: string | undefined,
    scope: CelScope,
    afterRun: boolean,
    ...at: Array<string | number>
  ) => {
    if (source !== undefined) list.push({ path: taskPath(p, ...at), source, scope, afterRun });
  };
  add(t.when, CEL_SCOPES.task, false, 'when');
  add(t.for_each, CEL_SCOPES.task, false, 'for_each');
  const inputScope = isFanOut(t) ? CEL_SCOPES.fanOut : CEL_SCOPES.task;
  if (typeof t.input === 'string') add(t.input, inputScope, false, 'input');
  else for (const [k, v] of Object.entries(t.input ?? {})) add(v, inputScope, false, 'input', k);
  add(t.repeat?.until, CEL_SCOPES.repeatUntil, true, 'repeat', 'until');
  if (t.on !== undefined && typeof t.on !== 'string')
    add(t.on.filter, CEL_SCOPES.eventFilter, false, 'on', 'filter');
  add(t.wait_for?.filter, CEL_SCOPES.eventFilter, false, 'wait_for', 'filter');
  t.emits?.forEach(
    (e, k) => typeof e !== 'string' && add(e.data, CEL_SCOPES.completion, true, 'emits', k, 'data'),
  );
  add(t.block?.until, CEL_SCOPES.blockUntil, false, 'block', 'until');
  for (const [k, v] of Object.entries(t.compensate?.input ?? {}))
    add(v, CEL_SCOPES.completion, true, 'compensate', 'input', k);
  return list;
}

export function celExpressions(ctx: ValidationContext): void {
  const { graph } = ctx;
  const queries: UpstreamQuery[] = [];
  const asked: Array<{ path: DocPath; task: string; ref: string }> = [];
  ctx.spec.tasks.forEach((t, p) => {
    const i = graph.indexAt[p]!;
    // A duplicate id's second task is not in the graph: its order questions have no answer.
    const inGraph = graph.position[i] === p;
    for (const e of expressionsOf(t, p)) {
      const c = compileCel(e.source, e.scope);
      if (isCelError(c)) {
        ctx.report(
          'BATON_E_CEL_SYNTAX',
          e.path,
          `CEL error at column ${c.offset + 1} of the expression: ${c.message}`,
          {
            found: e.source,
          },
        );
        continue;
      }
      outOfScope(ctx, t, e, c);
      for (const ref of c.taskRefs) {
        const j = graph.index.get(ref.name);
        if (j === undefined) {
          if (isUnread(ctx, 'tasks', ref.name)) continue;
          ctx.report(
            'BATON_E_CEL_UNKNOWN_TASK',
            e.path,
            `the expression reads task "${ref.name}", which does not exist`,
            {
              found: e.source,
              hint: ctx.suggest(ref.name, graph.ids),
            },
          );
        } else if (j === i && !e.afterRun) {
          ctx.report(
            'BATON_E_CEL_NOT_UPSTREAM',
            e.path,
            `task "${t.id}" reads its own output before it runs`,
            {
              found: e.source,
              hint: 'its output exists only in repeat.until, emits data and compensate input',
            },
          );
        } else if (j !== i && inGraph) {
          queries.push({ task: i, candidate: j });
          asked.push({ path: e.path, task: t.id, ref: ref.name });
        }
      }
      if (e.path[e.path.length - 1] === 'when') constantFalse(ctx, t, e, c);
    }
  });
  if (queries.length === 0) return;
  areUpstream(graph, ctx.layering, queries).forEach((upstream, k) => {
    if (upstream) return;
    const { path, task, ref } = asked[k]!;
    ctx.report(
      'BATON_E_CEL_NOT_UPSTREAM',
      path,
      `task "${task}" reads task "${ref}", which is not upstream of it`,
      {
        expected: `a task "${task}" depends on, directly or through others`,
        hint: `"${ref}" may not have run yet: add it to depends_on of "${task}"`,
      },
    );
  });
}

function outOfScope(ctx: ValidationContext, t: TaskSpec, e: Expression, c: CelCompiled): void {
  if (c.outOfScope.length === 0) return;
  const names = c.outOfScope.map((v) => v.name);
  const homes = names.filter((n) => HOME[n]).map((n) => `${n} exists in ${HOME[n]}`);
  const first = names[0]!;
  ctx.report(
    'BATON_E_CEL_UNKNOWN_VARIABLE',
    e.path,
    `the expression of task "${t.id}" uses ${quoteList(names)}, not available in ${e.scope.place}`,
    {
      expected: `variables here: ${e.scope.variables.join(', ')}`,
      found: e.source,
      hint: homes.length > 0 ? homes.join('; ') : ctx.suggest(first, e.scope.variables),
    },
  );
}

/** `when: false` (or any condition without variables that evaluates to false). */
function constantFalse(ctx: ValidationContext, t: TaskSpec, e: Expression, c: CelCompiled): void {
  if (c.variables.length > 0) return;
  let value: unknown;
  try {
    value = evaluateCel(c, {});
  } catch {
    return; // fails at run time too, as an evaluation error: not this rule's concern
  }
  if (value !== false) return;
  ctx.report(
    'BATON_E_UNREACHABLE_TASK',
    e.path,
    `task "${t.id}" never runs: its when condition is always false`,
    {
      found: e.source,
      hint: 'remove the task, or make the condition depend on input or upstream outputs',
    },
  );
}
