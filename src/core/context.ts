// What the engine derives once from a run's workflow: the task graph, each task's spec by index, who
// listens on which channel, its orchestration pattern set up, and caches of compiled CEL. Never
// snapshotted: rebuilt from the workflow.

import { buildGraph, type TaskGraph } from '../plan/graph.js';
import type { TaskSpec, WorkflowSpec } from '../spec/schema.js';
import { compileCel, type CelCompiled, type CelError, type CelScope } from '../spec/cel.js';
import type { PatternBinding, RunError } from './entries.js';
import { hosted, hostPattern, patternFor, type HostedPattern } from './patterns/index.js';

export interface RunContext {
  readonly spec: WorkflowSpec;
  readonly graph: TaskGraph;
  /** Task specs by graph index. */
  readonly specs: readonly TaskSpec[];
  /** Channel -> indices of tasks whose `on` or `wait_for` names it. */
  readonly listeners: ReadonlyMap<string, readonly number[]>;
  /** The run's declared channels (coordination.event_driven). */
  readonly channels: ReadonlySet<string>;
  /**
   * Compiled expressions by scope place and text (compileCel caches the parse; this the scope check);
   * shared by runs of the same task list.
   */
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

/**
 * What a workflow's task list derives, shared by every run of the same list: graph, specs by index,
 * listeners and compiled CEL are functions of the tasks alone and never change once built (a live
 * modification brings a new task list). Keyed by the list itself, so a list nobody holds is let go.
 */
interface TaskShape {
  readonly graph: TaskGraph;
  readonly specs: readonly TaskSpec[];
  readonly listeners: ReadonlyMap<string, readonly number[]>;
  readonly compiled: Map<string, CelCompiled | CelError>;
  /** The native pattern set up for these tasks, when it can be shared (see hostedFor). */
  hosted?: { readonly spec: WorkflowSpec; readonly pattern: HostedPattern };
}

const shapes = new WeakMap<WorkflowSpec['tasks'], TaskShape>();

function shapeOf(tasks: WorkflowSpec['tasks']): TaskShape {
  let shape = shapes.get(tasks);
  if (shape !== undefined) return shape;
  const graph = buildGraph({ tasks });
  const specs = new Array<TaskSpec>(graph.ids.length);
  for (const t of tasks) {
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
  shape = { graph, specs, listeners, compiled: new Map() };
  shapes.set(tasks, shape);
  return shape;
}

/**
 * The run's pattern set up. A native pattern whose setup keeps no state is shared by runs of the same
 * workflow object, while the registry still has that pattern under its name (its init is deterministic
 * and a setup without state holds nothing a run could change); a plugin's setup, or one with state, is
 * made per run.
 */
function hostedFor(shape: TaskShape, spec: WorkflowSpec, plugin: PatternBinding | undefined) {
  const cached = shape.hosted;
  if (
    plugin === undefined &&
    cached !== undefined &&
    cached.spec === spec &&
    patternFor(spec.orchestration_pattern) === cached.pattern.pattern
  )
    return cached.pattern;
  const pattern = hostPattern(spec, shape.graph, plugin);
  const h = hosted(pattern);
  if (plugin === undefined && h !== null && h.initial === null) shape.hosted = { spec, pattern: h };
  return pattern;
}

const NO_CHANNELS: ReadonlySet<string> = new Set();

export function buildContext(spec: WorkflowSpec, plugin?: PatternBinding): RunContext {
  const shape = shapeOf(spec.tasks);
  const channels = spec.coordination?.event_driven;
  return {
    spec,
    graph: shape.graph,
    specs: shape.specs,
    listeners: shape.listeners,
    channels: channels === undefined || channels.length === 0 ? NO_CHANNELS : new Set(channels),
    compiled: shape.compiled,
    fanItems: new Map(),
    pattern: hostedFor(shape, spec, plugin),
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
