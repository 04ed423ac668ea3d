// decide()'s side of a hosted pattern: show it the output of a task it judges and journal its verdict
// (with its new state) as a PatternDecided entry, so apply() only carries verdicts out.

import type { PatternDecision } from '../entries.js';
import { roundKey } from '../keys.js';
import { append, type Outbox } from '../outbox.js';
import { contextOf } from '../state.js';
import type { RunContext } from '../context.js';
import { failure } from './outputs.js';
import { hosted } from './registry.js';

/** The engine's bound on a run's pattern steps when the run options set none. */
export const DEFAULT_MAX_PATTERN_STEPS = 10_000;

/** Asks the run's pattern about task i, whose output awaits its verdict. */
export function judge(out: Outbox, i: number): void {
  const s = out.state;
  const ctx = contextOf(s);
  const { name, pattern, initial } = hosted(ctx.pattern)!;
  const t = s.tasks[i]!;
  const spec = ctx.specs[i]!;
  const key = roundKey(spec.id, t.round);
  const state = s.pattern?.state ?? initial;
  const max = s.options.maxPatternSteps ?? DEFAULT_MAX_PATTERN_STEPS;
  const steps = s.metrics.patternSteps ?? 0;
  if (steps >= max) {
    const message = `the ${name} pattern took ${max} steps without ending the run (max_pattern_steps)`;
    const decision = failure('BATON_E_PATTERN_STEPS', key, message);
    return append(out, { type: 'PatternDecided', key, pattern: name, state, decision });
  }
  const trigger = { task: spec.id, key, round: t.round, agent: spec.agent ?? null, output: t.output };
  if (pattern === null) {
    // A plugin: the runtime asks it (asynchronously, sandboxed) and appends its verdict.
    out.commands.push({ type: 'AskPattern', key, pattern: name, state, trigger, step: steps, at: out.now });
    return;
  }
  const verdict = pattern.step(state, trigger);
  append(out, {
    type: 'PatternDecided',
    key,
    pattern: name,
    state: verdict.state,
    decision: checkVerdict(ctx, key, verdict.decision),
  });
}

/**
 * A verdict naming a task the workflow does not have fails the run instead (the pattern's bug, named).
 * The runtime applies it to a plugin's answer before journaling it, as judge() does for a native one.
 */
export function checkVerdict(ctx: RunContext, key: string, d: PatternDecision): PatternDecision {
  const named = d.op === 'rerun' ? d.also : d.op === 'handoff' ? [d.to] : [];
  const unknown = named.find((id) => !ctx.graph.index.has(id));
  if (unknown === undefined) return d;
  return failure(
    'BATON_E_UNKNOWN_TASK',
    key,
    `the ${d.op} verdict names task "${unknown}", which does not exist`,
  );
}
