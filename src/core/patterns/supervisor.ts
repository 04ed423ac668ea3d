// supervisor: one agent decomposes, delegates, reviews and decides to go again or finish, in at most
// pattern_config.max_rounds (default 3) rounds per task. The supervisor is pattern_config.supervisor,
// else the agent of the first task; the pattern judges the output of every task of that agent.
// - Review: the supervisor's last task in file order. An output `{ decision: "revise", revise?, reason? }`
//   runs a new round of the tasks strictly between the supervisor's first task and the review (its
//   descendants that are also the review's ancestors) and of the review itself; their input gains
//   `feedback: { round, revise, reason }`. Any other output (`accept`, ...) lets the graph go on.
// - Delegation: an output `{ delegate: [{ agent?, requires?, input }] }` of any supervisor task runs
//   each subtask, at once, on the named agent or else the first declared agent with every capability in
//   `requires`; then the same task runs again with their `results` (an unknown agent or no capable one
//   fails the run). Delegation is judged first, so a review may delegate before it decides.
// A task in its max_rounds-th round that asks for another is not run again: the verdict (journaled
// with reason `rounds_exhausted`) lets the graph go on, so the run completes with the last review output.

import { z } from 'zod';
import { BatonError } from '../../errors/registry.js';
import { buildGraph, type TaskGraph } from '../../plan/graph.js';
import type { WorkflowSpec } from '../../spec/schema.js';
import type { DelegatedTask, PatternDecision } from '../entries.js';
import { failure, isRecord } from './outputs.js';
import {
  parsePatternConfig,
  type OrchestrationPattern,
  type PatternTrigger,
  type PatternVerdict,
} from './registry.js';

const Config = z.strictObject({
  supervisor: z.string().min(1).optional(),
  max_rounds: z.number().int().min(1).max(1000).default(3),
});

interface AgentCard {
  readonly id: string;
  readonly capabilities: readonly string[];
}

export interface SupervisorState {
  readonly review: string;
  /** Tasks strictly between the supervisor's first task and the review, in file order. */
  readonly members: readonly string[];
  readonly maxRounds: number;
  /** Declared agents in file order: where delegated subtasks are routed. */
  readonly agents: readonly AgentCard[];
}

const configError = (message: string) => new BatonError('BATON_E_PATTERN_CONFIG', `supervisor: ${message}`);

/** Tasks reachable from `from` over dependents (forward) or dependencies, `from` excluded. */
function reach(g: TaskGraph, from: number, forward: boolean): Set<number> {
  const [start, edges] = forward ? [g.outStart, g.outs] : [g.depStart, g.deps];
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (let k = start[i]!; k < start[i + 1]!; k++) {
      const j = edges[k]!;
      if (seen.has(j)) continue;
      seen.add(j);
      stack.push(j);
    }
  }
  return seen;
}

function init(spec: WorkflowSpec, config: Readonly<Record<string, unknown>>) {
  const c = parsePatternConfig('supervisor', Config, config);
  const supervisor = c.supervisor ?? spec.tasks[0]?.agent;
  if (supervisor === undefined) {
    throw configError('the first task has no agent: name the supervisor in pattern_config.supervisor');
  }
  if (!Object.hasOwn(spec.agents, supervisor)) {
    throw configError(`pattern_config.supervisor names "${supervisor}", which is not a declared agent`);
  }
  const g = buildGraph(spec);
  const own = g.ids.flatMap((id, i) => (spec.tasks[g.position[i]!]!.agent === supervisor ? [i] : []));
  if (own.length === 0) throw configError(`the supervisor agent "${supervisor}" has no task`);
  const first = own[0]!;
  const review = own[own.length - 1]!;
  const after = reach(g, first, true);
  const before = reach(g, review, false);
  const members = g.ids.filter((_, i) => i !== review && after.has(i) && before.has(i));
  const state: SupervisorState = {
    review: g.ids[review]!,
    members,
    maxRounds: c.max_rounds,
    agents: Object.entries(spec.agents).map(([id, a]) => ({ id, capabilities: a.capabilities })),
  };
  return { state, judges: own.map((i) => g.ids[i]!), holds: [], serial: false };
}

/** The agent a delegated subtask runs on, or the verdict that fails the run. */
function route(
  state: SupervisorState,
  key: string,
  k: number,
  ask: unknown,
): DelegatedTask | PatternDecision {
  const where = `delegate[${k}]`;
  const requires = isRecord(ask) ? (ask.requires ?? []) : null;
  const agent = isRecord(ask) ? ask.agent : null;
  if (
    !isRecord(ask) ||
    (agent !== undefined && typeof agent !== 'string') ||
    !Array.isArray(requires) ||
    !requires.every((r) => typeof r === 'string')
  ) {
    return failure(
      'BATON_E_PATTERN_OUTPUT',
      key,
      `${where} must be { agent?: string, requires?: string[], input }`,
    );
  }
  const capable = (a: AgentCard) => requires.every((r) => a.capabilities.includes(r));
  const input = ask.input ?? null;
  if (typeof agent === 'string') {
    const a = state.agents.find((x) => x.id === agent);
    if (a === undefined) {
      return failure('BATON_E_UNKNOWN_AGENT', key, `${where} names agent "${agent}", which is not declared`);
    }
    if (!capable(a)) {
      return failure(
        'BATON_E_CAPABILITY_MISMATCH',
        key,
        `${where} sends agent "${agent}" work requiring ${JSON.stringify(requires)}, which it lacks`,
      );
    }
    return { agent, input };
  }
  if (requires.length === 0) {
    return failure(
      'BATON_E_PATTERN_OUTPUT',
      key,
      `${where} names neither an agent nor the capabilities it requires`,
    );
  }
  const a = state.agents.find(capable);
  if (a === undefined) {
    return failure(
      'BATON_E_CAPABILITY_MISMATCH',
      key,
      `${where}: no declared agent has every capability in ${JSON.stringify(requires)}`,
    );
  }
  return { agent: a.id, input };
}

function decide(state: SupervisorState, t: PatternTrigger): PatternDecision {
  const out = isRecord(t.output) ? t.output : {};
  const again = t.round < state.maxRounds;
  if (out.delegate !== undefined && out.delegate !== null) {
    if (!Array.isArray(out.delegate)) {
      return failure('BATON_E_PATTERN_OUTPUT', t.key, 'delegate must be a list of subtasks');
    }
    if (out.delegate.length > 0) {
      if (!again) return { op: 'continue', reason: 'rounds_exhausted' };
      const subtasks: DelegatedTask[] = [];
      for (const [k, ask] of out.delegate.entries()) {
        const r = route(state, t.key, k, ask);
        if ('op' in r) return r;
        subtasks.push(r);
      }
      return { op: 'delegate', subtasks };
    }
  }
  if (t.task !== state.review || out.decision !== 'revise') return { op: 'continue' };
  if (!again) return { op: 'continue', reason: 'rounds_exhausted' };
  const feedback = { round: t.round + 1, revise: out.revise ?? [], reason: out.reason ?? null };
  return { op: 'rerun', also: state.members, input: { feedback } };
}

export const supervisorPattern: OrchestrationPattern<SupervisorState> = {
  name: 'supervisor',
  init,
  step: (state, trigger): PatternVerdict<SupervisorState> => ({ state, decision: decide(state, trigger) }),
};
