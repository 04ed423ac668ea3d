// What the engine derives once from a run's workflow: the task graph, each task's spec by index, who
// listens on which channel, its orchestration pattern set up, and caches of compiled CEL. Never
// snapshotted: rebuilt from the workflow.

import { buildGraph, type TaskGraph } from '../plan/graph.js';
import type { TaskSpec, WorkflowSpec } from '../spec/schema.js';
import { compileCel, type CelCompiled, type CelError, type CelScope } from '../spec/cel.js';
import type { PatternBinding, RunError } from './entries.js';
import { hostPattern, type HostedPattern } from './patterns/index.js';

export interface RunContext {
  readonly spec: WorkflowSpec;
  readonly graph: TaskGraph;
  /** Task specs by graph index. */
  readonly specs: readonly TaskSpec[];
  /** Channel -> indices of tasks whose `on` or `wait_for` names it. */
  readonly listeners: ReadonlyMap<string, readonly number[]>;
  /** The run's declared channels (coordination.event_driven). */
  readonly channels: ReadonlySet<string>;
  /** Compiled expressions by scope place and text (compileCel caches the parse; this the scope check). */
  readonly compiled: Map<string, CelCompiled | CelError>;
  /**
   * Fan-out lists by task index: evaluated once per round, re-evaluated after a restore (they are
   * deterministic).
   */
  readonly fanItems: Map<number, readonly unknown[]>;
  /** The workflow's orchestration pattern, set up; or why the run cannot start with it. */
  readonly pattern: HostedPattern | RunError;
  /** The plugin the pattern runs on, as RunStarted journaled it (a modification keeps it). */
  readonly binding: PatternBinding | undefined;
}

export function buildContext(spec: WorkflowSpec, plugin?: PatternBinding): RunContext {
  const graph = buildGraph(spec);
  const specs = new Array<TaskSpec>(graph.ids.length);
  for (const t of spec.tasks) {
    const i = graph.index.get(t.id)!;
    specs[i] ??= t;
  }
  const listeners = new Map<string, number[]>();
  const listen = (channel: string, i: number) => {
    const list = listeners.get(channel);
    if (list === undefined) listeners.set(channel, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  };
  specs.forEach((t, i) => {
    if (t.on !== undefined) listen(typeof t.on === 'string' ? t.on : t.on.channel, i);
    if (t.wait_for !== undefined) listen(t.wait_for.channel, i);
  });
  return {
    spec,
    graph,
    specs,
    listeners,
    channels: new Set(spec.coordination?.event_driven ?? []),
    compiled: new Map(),
    fanItems: new Map(),
    pattern: hostPattern(spec, graph, plugin),
    binding: plugin,
  };
}

/** A task fans out when it has a `for_each` or a `parallel` setting. */
export const fansOut = (spec: TaskSpec): boolean =>
  spec.for_each !== undefined || (spec.parallel !== undefined && spec.parallel !== false);

/** The compiled form of `expr` for `scope`, cached on the context. */
export function compiled(ctx: RunContext, expr: string, scope: CelScope): CelCompiled | CelError {
  const cacheKey = `${scope.place}\u0000${expr}`;
  let c = ctx.compiled.get(cacheKey);
  if (c === undefined) {
    c = compileCel(expr, scope);
    ctx.compiled.set(cacheKey, c);
  }
  return c;
}
