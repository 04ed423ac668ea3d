// The execution plan of a valid workflow: levels (longest-path layering), the critical path, the
// widest level, and the agent allocation under resource constraints (see allocation.ts).

import { BatonError } from '../errors/registry.js';
import { NO_SOURCE, type Diagnostic, type SourceLocator } from '../spec/diagnostic.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import { allocate, type Allocation } from './allocation.js';
import { buildGraph, topoOrder, type TaskGraph } from './graph.js';
import { criticalPath, groupByLevel, layer, type Layering } from './levels.js';

export interface PlanOptions {
  /** Override the workflow's resource_constraints, key by key (e.g. from an execution request). */
  readonly constraints?: ResourceConstraintsSpec;
  /** Locates quota diagnostics in the workflow file. */
  readonly locator?: SourceLocator;
}

export interface ExecutionPlan {
  readonly taskCount: number;
  /** Task ids by level: level 0 has no dependencies; a task sits one below its deepest dependency. */
  readonly levels: ReadonlyArray<readonly string[]>;
  /** Tasks on the widest level. */
  readonly maxWidth: number;
  /** The longest dependency chain, each task weighing 1 (so its length is the number of levels). */
  readonly criticalPath: readonly string[];
  readonly allocation: Allocation;
  /** Hard requirements that cannot fit the constraints (BATON_E_QUOTA_*, BATON_E_AGENT_TOO_LARGE). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Plans a workflow whose dependencies form no cycle (validate it first).
 * @throws BatonError BATON_E_CYCLE when they do.
 */
export function planWorkflow(spec: WorkflowSpec, opts: PlanOptions = {}): ExecutionPlan {
  const graph = buildGraph(spec);
  const topo = topoOrder(graph);
  if (!topo.complete) {
    throw new BatonError('BATON_E_CYCLE', 'the workflow has a dependency cycle: validate it before planning');
  }
  return planLayered(spec, graph, layer(graph, topo.order), opts);
}

/** The plan from a graph and layering already computed (validation computes both). O(V + E). */
export function planLayered(
  spec: WorkflowSpec,
  graph: TaskGraph,
  layering: Layering,
  opts: PlanOptions = {},
): ExecutionPlan {
  const groups = groupByLevel(layering);
  const levels = groups.map((g) => Array.from(g, (t) => graph.ids[t]!));
  let maxWidth = 0;
  for (const g of groups) maxWidth = Math.max(maxWidth, g.length);
  const { allocation, diagnostics } = allocate({
    spec,
    levels: groups.map((g) => g.map((t) => graph.position[t]!)),
    constraints: { ...spec.resource_constraints, ...definedOnly(opts.constraints) },
    locator: opts.locator ?? NO_SOURCE,
  });
  return {
    taskCount: graph.ids.length,
    levels,
    maxWidth,
    criticalPath: criticalPath(layering).map((t) => graph.ids[t]!),
    allocation,
    diagnostics,
  };
}

/** `{ max_agents: undefined }` must not erase the workflow's own max_agents. */
function definedOnly(c: ResourceConstraintsSpec | undefined): ResourceConstraintsSpec {
  return Object.fromEntries(Object.entries(c ?? {}).filter(([, v]) => v !== undefined));
}
