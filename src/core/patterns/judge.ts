// decide()'s side of a hosted pattern: show it what it judges (a task's output; ABI 1.1: a failure
// for good under judges_failures, a finished delegation under judges_delegations) and journal its
// verdict (with its new state) as a PatternDecided entry, so apply() only carries verdicts out.

import type { PatternDecision } from '../entries.js';
import { roundKey } from '../keys.js';
import { append, type Outbox } from '../outbox.js';
import { contextOf, type UnitState } from '../state.js';
import type { RunContext } from '../context.js';
import { failure } from './outputs.js';
import { hosted, type PatternTrigger } from './registry.js';
import { delegationResults } from './rounds.js';

/** The engine's bound on a run's pattern steps when the run options set none. */
export const DEFAULT_MAX_PATTERN_STEPS = 10_000;

/**
 * Asks the run's pattern about task i: its output awaits the verdict (trigger `output`), or its
 * delegation is done (`delegated`), or, with `failed`, that unit of it (or a subtask it delegated)
 * failed for good (`failed`).
 */
export function judge(out: Outbox, i: number, failed?: UnitState): void {
  const s = out.state;
  const ctx = contextOf(s);
  const { name, pattern, initial } = hosted(ctx.pattern)!;
  const t = s.tasks[i]!;
  const spec = ctx.specs[i]!;
  const round = roundKey(spec.id, t.round);
  const key = failed?.key ?? round;
  const state = s.pattern?.state ?? initial;
  const max = s.options.maxPatternSteps ?? DEFAULT_MAX_PATTERN_STEPS;
  const steps = s.metrics.patternSteps ?? 0;
  if (steps >= max) {
    const message = `the ${name} pattern took ${max} steps without ending the run (max_pattern_steps)`;
    const decision = failure('BATON_E_PATTERN_STEPS', key, message);
    return append(out, { type: 'PatternDecided', key, pattern: name, state, decision });
  }
  const base = { task: spec.id, key, round: t.round, agent: spec.agent ?? null };
  let trigger: PatternTrigger;
  if (failed !== undefined) {
    trigger = {
      kind: 'failed',
      ...base,
      agent: failed.subtask?.agent ?? base.agent,
      output: null,
      error: { code: failed.error!.code, message: failed.error!.message },
      attempts: failed.attempts,
    };
  } else if (t.delegated !== null && t.delegated.done === t.delegated.count) {
    trigger = { kind: 'delegated', ...base, output: t.output, results: delegationResults(s, i) };
  } else {
    trigger = { kind: 'output', ...base, output: t.output };
  }
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
    decision: checkVerdict(ctx, key, verdict.decision, name),
  });
}

/**
 * A verdict naming a task the workflow does not have, publishing an event on a channel it does not
 * declare, or giving per-task inputs to a task it does not rerun fails the run instead (the pattern's
 * bug, named). The runtime applies it to a plugin's answer before journaling it, as judge() does for
 * a native one.
 */
export function checkVerdict(
  ctx: RunContext,
  key: string,
  d: PatternDecision,
  pattern = 'name' in ctx.pattern ? ctx.pattern.name : 'pattern',
): PatternDecision {
  const named = d.op === 'rerun' ? d.also : d.op === 'handoff' ? [d.to, ...(d.also ?? [])] : [];
  const unknown = named.find((id) => !ctx.graph.index.has(id));
  if (unknown !== undefined) {
    return failure(
      'BATON_E_UNKNOWN_TASK',
      key,
      `the ${d.op} verdict names task "${unknown}", which does not exist`,
    );
  }
  if ((d.op === 'rerun' || d.op === 'handoff') && d.inputs !== undefined) {
    const runs = new Set(d.op === 'rerun' ? [key.split(/[@/[#]/)[0]!, ...d.also] : named);
    const stray = Object.keys(d.inputs).find((id) => !runs.has(id));
    if (stray !== undefined) {
      return failure(
        'BATON_E_UNKNOWN_TASK',
        key,
        `the ${d.op} verdict gives inputs to task "${stray}", which it does not run next (${[...runs].join(', ')})`,
      );
    }
  }
  const offChannel = (d.events ?? []).find((ev) => !ctx.channels.has(ev.channel));
  if (offChannel !== undefined) {
    const declared = [...ctx.channels].join(', ') || 'none';
    return failure(
      'BATON_E_PATTERN_EVENT',
      key,
      `pattern ${pattern} publishes event "${offChannel.type}" on channel "${offChannel.channel}" for task ${key.split(/[@/[#]/)[0]!}, which is not one of the workflow's coordination.event_driven channels (${declared})`,
    );
  }
  return d;
}
