// Semantic validation of a parsed workflow: every rule runs over the same context, so one pass
// reports every problem, each located in the file. Rules live in validate-*.ts, one family a file;
// quota problems come from the planner's allocation (allocation.ts).

import type { Diagnostic, DocPath, SourceLocator } from '../spec/diagnostic.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import type { AgentRegistry } from './agent-registry.js';
import { createContext, type Unreadable, type ValidationContext } from './context.js';
import { planLayered, type ExecutionPlan } from './planner.js';
import { agentReferences, agentTypes, patternNames, requiredCapabilities } from './validate-agents.js';
import { celExpressions } from './validate-cel.js';
import { dependencyCycles, dependencyReferences } from './validate-deps.js';
import { declaredChannels, unreachableByEvent } from './validate-events.js';
import { remoteAgentCards, type AgentCardCheck } from './validate-remote.js';
import { duplicateTaskIds, fanOutSources, hookTasks, runModes } from './validate-tasks.js';
import { hookRules } from './validate-hooks.js';

export type Rule = (ctx: ValidationContext) => void;

/** In the order a reader fixes things: ids and shape first, then references, then meaning. */
export const RULES: readonly Rule[] = [
  duplicateTaskIds,
  runModes,
  fanOutSources,
  dependencyReferences,
  dependencyCycles,
  agentReferences,
  requiredCapabilities,
  agentTypes,
  patternNames,
  declaredChannels,
  unreachableByEvent,
  celExpressions,
  hookTasks,
  hookRules,
];

export interface ValidateOptions {
  /** Agent types and their capabilities (see parseAgentRegistry); without it types are not checked. */
  readonly registry?: AgentRegistry;
  /** Override the workflow's resource_constraints, key by key (e.g. from an execution request). */
  readonly constraints?: ResourceConstraintsSpec;
  /** The cards of remote A2A agents, by agent id, fetched by the caller (`validate --resolve-agents`). */
  readonly agentCards?: ReadonlyMap<string, AgentCardCheck>;
  /** Names declared where the file could not be read (see checkReadablePart): not unknown, just unread. */
  readonly unreadable?: Unreadable;
}

/**
 * Every problem of `spec`, located with `locator`, in file order: the rules above, then (when the
 * dependencies form no cycle) what the allocation cannot fit under the resource constraints.
 */
export function validateWorkflow(
  spec: WorkflowSpec,
  locator: SourceLocator,
  opts: ValidateOptions = {},
): Diagnostic[] {
  return validateAndPlan(spec, locator, opts).diagnostics;
}

/** validateWorkflow, also returning the plan it computed (absent when there is a cycle). */
export function validateAndPlan(
  spec: WorkflowSpec,
  locator: SourceLocator,
  opts: ValidateOptions = {},
): { diagnostics: Diagnostic[]; plan: ExecutionPlan | undefined; warnings: Diagnostic[] } {
  const ctx = createContext(spec, locator, opts.registry, opts.unreadable);
  for (const rule of RULES) rule(ctx);
  const warnings = opts.agentCards === undefined ? [] : remoteAgentCards(ctx, opts.agentCards);
  // The planner reuses the graph and levels the rules computed.
  const plan = ctx.topo.complete
    ? planLayered(spec, ctx.graph, ctx.layering, { constraints: opts.constraints, locator })
    : undefined;
  const diagnostics = [...ctx.diagnostics, ...(plan?.diagnostics ?? [])].sort(byPlace);
  return { diagnostics, plan, warnings };
}

/** File order, then document order of paths (all that orders problems without a place, line 0). */
export const byPlace = (a: Diagnostic, b: Diagnostic): number =>
  a.line - b.line || a.col - b.col || comparePaths(a.path, b.path);

function comparePaths(a: DocPath, b: DocPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
