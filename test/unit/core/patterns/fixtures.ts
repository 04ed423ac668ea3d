// Workflows and scripted agents the pattern tests share: the reference supervisor workflow
// (test/fixtures/valid/research_and_analysis.yaml), a delegating supervisor, and a handoff desk.

import { readFileSync } from 'node:fs';
import type { Dispatch, JournalEntry } from '../../../../src/core/index.js';
import { parseWorkflow } from '../../../../src/spec/load.js';
import type { WorkflowSpec } from '../../../../src/spec/schema.js';
import { workflow, type Answer } from '../sim.js';

const REFERENCE = new URL('../../../fixtures/valid/research_and_analysis.yaml', import.meta.url);

/** decompose -> research (fan-out) -> analyze -> synthesize, supervised by `supervisor`. */
export function researchWorkflow(config?: Record<string, unknown>): WorkflowSpec {
  const r = parseWorkflow(readFileSync(REFERENCE, 'utf8'));
  if (!r.ok) throw new Error('the reference workflow does not parse');
  // An agent without a task, for the config checks.
  const agents = { ...r.spec.agents, orphan: { type: 'spare', capabilities: [] } };
  return { ...r.spec, agents, ...(config === undefined ? {} : { pattern_config: config }) };
}

/**
 * The reference workflow's agents: two questions, researched and analysed; the review asks for a
 * revision of q2 in every round listed in `revise`, and accepts otherwise.
 */
export const researchAgents =
  (revise: readonly number[]) =>
  (d: Dispatch): Answer => {
    const round = Number(/@(\d+)/.exec(d.key)?.[1] ?? 1);
    switch (d.task) {
      case 'decompose':
        return { output: ['q1', 'q2'] };
      case 'synthesize':
        return revise.includes(round)
          ? { output: { decision: 'revise', revise: ['q2'], reason: `thin in round ${round}` } }
          : { output: { decision: 'accept', report: `report of round ${round}` } };
      default:
        return { output: `${d.key} done` };
    }
  };

/** A planner (boss) that delegates by capability, and the agents it can route to. */
export function delegationWorkflow(
  tasks: unknown[] = [
    { id: 'plan', agent: 'boss', timeout: '1m' },
    { id: 'report', agent: 'boss', depends_on: ['plan'] },
  ],
  config?: Record<string, unknown>,
): WorkflowSpec {
  return workflow(tasks, {
    orchestration_pattern: 'supervisor',
    ...(config === undefined ? {} : { pattern_config: config }),
    agents: {
      boss: { type: 'planner', capabilities: ['planning'] },
      web: { type: 'search', capabilities: ['web_search'] },
      db: { type: 'sql', capabilities: ['sql', 'data'] },
      lake: { type: 'sql', capabilities: ['sql', 'data', 'bulk'] },
    },
  });
}

/** A help desk: triage may hand off to billing or tech, each may hand on. */
export function deskWorkflow(config?: Record<string, unknown>, extraTasks: unknown[] = []): WorkflowSpec {
  return workflow(
    [
      { id: 'triage', agent: 'triage' },
      { id: 'billing', agent: 'billing', timeout: '30s' },
      { id: 'tech', agent: 'tech' },
      ...extraTasks,
    ],
    {
      orchestration_pattern: 'handoff',
      ...(config === undefined ? {} : { pattern_config: config }),
      agents: { triage: { type: 't' }, billing: { type: 't' }, tech: { type: 't' } },
    },
  );
}

/** The verdicts a run journaled, as [key, op, reason?] for terse assertions. */
export const verdicts = (journal: readonly JournalEntry[]) =>
  journal.flatMap((e) =>
    e.type === 'PatternDecided'
      ? [[e.key, e.decision.op, ...(e.decision.reason === undefined ? [] : [e.decision.reason])]]
      : [],
  );
