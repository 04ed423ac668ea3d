// Recovery of runs under the built-in pattern plugins (supervisor review rounds and delegation, handoff,
// magentic through a re-plan):
// at every prefix of the journal, what a runtime taking over re-issues (the attempts in flight with their
// idempotency keys, a pattern question without its verdict), and that the recovered run ends the same.
// Replay folds journaled verdicts and never asks the plugin.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  attemptKey,
  fold,
  restore,
  resumeCommands,
  snapshot,
  type Dispatch,
  type JournalEntry,
  type RunSnapshot,
} from '../../../src/core/index.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { workflow, type Answer } from '../../unit/core/sim.js';
import {
  delegationWorkflow,
  deskWorkflow,
  researchAgents,
  researchWorkflow,
  verdicts,
} from '../../unit/core/patterns/fixtures.js';
import { builtinHarness, type PluginHarness, type PluginSim } from './plugin-sim.js';

let h: PluginHarness;
beforeAll(async () => {
  h = await builtinHarness('supervisor', 'handoff', 'magentic', 'network');
}, 60_000);
afterAll(() => h.close());

type Script = (d: Dispatch) => Answer;

/** The reference workflow, revised once, with one flaky research instance in round 2. */
const research: Script = (d) =>
  d.key === 'research@2[1]' && d.attempt === 1 ? { error: { code: 'E_FLAKY' } } : researchAgents([1])(d);

/** A planner that delegates two subtasks (one flaky) and then reports. */
const delegating: Script = (d) => {
  if (d.key === 'plan')
    return {
      output: {
        delegate: [
          { requires: ['sql'], input: 1 },
          { agent: 'web', input: 2 },
        ],
      },
    };
  if (d.key === 'plan/delegate[1]' && d.attempt === 1) return { error: { code: 'E_FLAKY' } };
  return { output: { by: d.key } };
};

/** triage -> billing (whose first attempt times out) -> tech. */
const desk: Script = (d) => {
  if (d.key === 'triage') return { output: { handoff: 'billing' } };
  if (d.key === 'billing')
    return d.attempt === 1 ? 'hang' : { output: { handoff: { to: 'tech', reason: 'x' } } };
  return { output: { answer: d.key } };
};

/**
 * planner -> reader answers { error } twice (with the planner's no-progress turn between: 3 stalls) ->
 * re-plan -> writer (whose first attempt fails, retried) -> satisfied.
 */
const lab = workflow(
  [
    { id: 'planner', agent: 'planner' },
    { id: 'reader', agent: 'reader' },
    { id: 'writer', agent: 'writer' },
  ],
  {
    orchestration_pattern: 'magentic',
    agents: { planner: { type: 't' }, reader: { type: 't' }, writer: { type: 't' } },
  },
);
const ledger = (next: string, progress = true) => ({
  satisfied: false,
  progress,
  in_loop: false,
  next,
  instruction: `go ${next}`,
});
const planning: Script = (d) => {
  if (d.key === 'planner') return { output: { facts: [], plan: ['read'], ...ledger('reader') } };
  if (d.key === 'planner@2') return { output: ledger('reader', false) };
  if (d.key === 'planner@3')
    return { output: { facts: ['reader down'], plan: ['write'], ...ledger('writer') } };
  if (d.key === 'planner@4')
    return { output: { satisfied: true, progress: true, in_loop: false, answer: 42 } };
  if (d.task === 'reader') return { output: { error: 'offline' } };
  return d.attempt === 1 ? { error: { code: 'E_FLAKY' } } : { output: { text: 'written' } };
};

/** network (ABI 1.1): hq asks both branches at once (events on `ledger`); north's first answer fails. */
const ledgers = Workflow.parse({
  name: 'ledgers',
  version: '1',
  orchestration_pattern: 'network',
  pattern_config: { channel: 'ledger' },
  coordination: { event_driven: ['ledger'] },
  agents: { hq: { type: 't' }, north: { type: 't' }, south: { type: 't' } },
  tasks: [
    { id: 'hq', agent: 'hq' },
    { id: 'north', agent: 'north' },
    { id: 'south', agent: 'south' },
  ],
});
const branches: Script = (d) => {
  const inbox = (d.input as { inbox?: Array<{ from: string }> }).inbox ?? [];
  if (d.task === 'hq') {
    return inbox.length === 0
      ? { output: { to: 'all', message: { ask: 'balance' } } }
      : { output: { to: [], message: { received: inbox.map((m) => m.from) } } };
  }
  if (d.key === 'north' && d.attempt === 1) return { error: { code: 'E_FLAKY' } };
  return { output: { to: 'hq', message: { balance: d.task === 'north' ? 120 : 80 } } };
};

const scenarios: Array<[string, WorkflowSpec, Script]> = [
  ['network', ledgers, branches],
  ['supervisor review rounds', researchWorkflow(), research],
  ['supervisor delegation', delegationWorkflow(), delegating],
  ['handoff', deskWorkflow(), desk],
  ['magentic re-plan', lab, planning],
];

describe.each(scenarios)('recovery of a %s run', (_name, wf, script) => {
  let live: PluginSim;
  let journal: JournalEntry[];
  beforeAll(async () => {
    live = await h.drive(await h.start(wf, { q: 1 }), script);
    journal = live.journal;
  });
  const work = (s: PluginSim) => s.entries('TaskDispatched').map((e) => [e.key, e.attempt]);

  it('the live run completes, through retries, after verdicts', () => {
    expect(live.state.status).toBe('completed');
    expect(live.entries('PatternDecided').length).toBeGreaterThan(1);
    expect(live.state.metrics.retries).toBe(1);
  });

  it('at every prefix, re-issues exactly the attempts in flight with their journaled idem, and nothing journaled anew', () => {
    for (let k = 1; k <= journal.length; k++) {
      const state = fold(journal.slice(0, k));
      const inFlight = [...state.units.values()]
        .filter((u) => u.status === 'dispatched')
        .map((u) => [attemptKey(u.key, u.iteration), u.idem]);
      const commands = resumeCommands(state);
      const again = commands.flatMap((c) => (c.type === 'Dispatch' && c.redispatch ? [[c.key, c.idem]] : []));
      expect(again, `prefix ${k}`).toEqual(inFlight);
      const journaled = new Set(
        journal.slice(0, k).flatMap((e) => (e.type === 'TaskDispatched' ? [e.idem] : [])),
      );
      for (const c of commands) {
        if (c.type === 'Dispatch' && !c.redispatch) expect(journaled.has(c.idem), `prefix ${k}`).toBe(false);
      }
    }
  });

  it('from every prefix, a recovered run does the same work once and ends the same', async () => {
    for (let k = 1; k <= journal.length; k++) {
      const sim = await h.drive(await h.recover(journal.slice(0, k), journal[k - 1]!.at), script);
      expect(sim.state.status, `prefix ${k}`).toBe('completed');
      expect(sim.state.output, `prefix ${k}`).toEqual(live.state.output);
      expect(work(sim), `prefix ${k}`).toEqual(work(live));
      expect(sim.state.pattern, `prefix ${k}`).toEqual(live.state.pattern);
    }
  });

  it('fold(journal) is the live state, and a snapshot at any prefix restores through JSON', () => {
    const whole = snapshot(fold(journal));
    expect(whole).toEqual(snapshot(live.state));
    for (let k = 0; k <= journal.length; k++) {
      const json = JSON.parse(JSON.stringify(snapshot(fold(journal.slice(0, k))))) as RunSnapshot;
      const state = restore(json);
      for (const e of journal.slice(k)) apply(state, e);
      expect(snapshot(state), `prefix ${k}`).toEqual(whole);
    }
  });
});

it('the magentic scenario recovered above re-plans after three stalls and answers', async () => {
  const live = await h.drive(await h.start(lab, {}), planning);
  expect(verdicts(live.journal)).toEqual([
    ['planner', 'handoff'],
    ['reader', 'handoff', 'specialist_error'],
    ['planner@2', 'handoff', 'stalled'],
    ['reader@2', 'handoff', 'replan: 3 stalls in a row'],
    ['planner@3', 'handoff'],
    ['writer', 'handoff'],
    ['planner@4', 'complete', 'satisfied'],
  ]);
  expect(live.state.output).toMatchObject({ magentic: { answer: 42, rounds: 4, stalls: 3, replans: 1 } });
});
