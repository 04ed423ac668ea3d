// handoff: one agent is active at a time and its output may name the next one. The first task in file
// order starts the run; every task is the entry point of its agent (one task per agent, none with
// depends_on or when) and starts only when a handoff names that agent. An output with
// `handoff: "<agent>"` or `handoff: { to, input?, reason? }` completes the turn and runs the named
// agent's task next (again, in a new round, if it ran before) with `context` (every turn so far:
// { agent, output }) and `handoff` ({ from, to, reason, input }) added to its input. An output without
// `handoff` completes the run with `{ <task id>: output }`. After pattern_config.max_handoffs (default
// 8) handoffs, one more fails the run (BATON_E_HANDOFF_LIMIT), as does a handoff to an agent without
// a task (BATON_E_HANDOFF_TARGET).

import { z } from 'zod';
import { BatonError } from '../../errors/registry.js';
import type { WorkflowSpec } from '../../spec/schema.js';
import { failure, isRecord } from './outputs.js';
import { parsePatternConfig, type OrchestrationPattern, type PatternVerdict } from './registry.js';

const Config = z.strictObject({ max_handoffs: z.number().int().min(0).max(10_000).default(8) });

interface Turn {
  readonly agent: string | null;
  readonly output: unknown;
}

export interface HandoffState {
  readonly maxHandoffs: number;
  readonly handoffs: number;
  /** Each agent's task, in file order. */
  readonly entries: ReadonlyArray<{ readonly agent: string; readonly task: string }>;
  /** The turns so far, oldest first. */
  readonly context: readonly Turn[];
}

function init(spec: WorkflowSpec, config: Readonly<Record<string, unknown>>) {
  const c = parsePatternConfig('handoff', Config, config);
  const entries: Array<{ agent: string; task: string }> = [];
  for (const t of spec.tasks) {
    const problem =
      t.agent === undefined
        ? 'has no agent: a handoff turn is an agent answering'
        : t.depends_on.length > 0 || t.when !== undefined
          ? 'declares depends_on or when: handoff turns follow the agents, not the graph'
          : entries.some((e) => e.agent === t.agent)
            ? `is a second task of agent "${t.agent}": a handoff to an agent runs its one task`
            : null;
    if (problem !== null)
      throw new BatonError('BATON_E_PATTERN_CONFIG', `handoff: task "${t.id}" ${problem}`);
    entries.push({ agent: t.agent!, task: t.id });
  }
  const state: HandoffState = { maxHandoffs: c.max_handoffs, handoffs: 0, entries, context: [] };
  const tasks = entries.map((e) => e.task);
  return { state, judges: tasks, holds: tasks.slice(1), serial: false };
}

/** The handoff an output asks for: none, the target and its message, or null when malformed. */
function handoffOf(output: unknown): { to: string; reason: unknown; input: unknown } | 'none' | null {
  const ask = isRecord(output) ? output.handoff : undefined;
  if (ask === undefined || ask === null) return 'none';
  if (typeof ask === 'string') return { to: ask, reason: null, input: null };
  if (!isRecord(ask) || typeof ask.to !== 'string') return null;
  return { to: ask.to, reason: ask.reason ?? null, input: ask.input ?? null };
}

export const handoffPattern: OrchestrationPattern<HandoffState> = {
  name: 'handoff',
  init,
  // A live modification re-derives the entries (and max_handoffs); the turns so far are kept.
  rebase: (state, fresh) => ({ ...fresh, handoffs: state.handoffs, context: state.context }),
  step(state, t): PatternVerdict<HandoffState> {
    const context = [...state.context, { agent: t.agent, output: t.output }];
    const next = { ...state, context };
    const ask = handoffOf(t.output);
    if (ask === 'none') return { state: next, decision: { op: 'complete' } };
    if (ask === null) {
      const message = 'handoff must be an agent id or { to: <agent id>, input?, reason? }';
      return { state: next, decision: failure('BATON_E_PATTERN_OUTPUT', t.key, message) };
    }
    if (state.handoffs >= state.maxHandoffs) {
      const message = `a handoff to "${ask.to}" would exceed pattern_config.max_handoffs (${state.maxHandoffs})`;
      return { state: next, decision: failure('BATON_E_HANDOFF_LIMIT', t.key, message) };
    }
    const entry = state.entries.find((e) => e.agent === ask.to);
    if (entry === undefined) {
      const message = `handoff to "${ask.to}", which is not an agent with a task in this workflow`;
      return { state: next, decision: failure('BATON_E_HANDOFF_TARGET', t.key, message) };
    }
    const handoff = { from: t.agent, to: ask.to, reason: ask.reason, input: ask.input };
    return {
      state: { ...next, handoffs: state.handoffs + 1 },
      decision: { op: 'handoff', to: entry.task, input: { context, handoff } },
    };
  },
};
