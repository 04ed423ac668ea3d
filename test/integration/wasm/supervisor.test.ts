// The supervisor pattern as it ships: the built-in plugin (plugins/supervisor) answering the engine
// core's questions through the host (harness: plugin-sim.ts): review rounds and delegation.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, decide, fold, statusOf } from '../../../src/core/index.js';
import type { Answer } from '../../unit/core/sim.js';
import {
  delegationWorkflow,
  researchAgents,
  researchWorkflow,
  verdicts,
} from '../../unit/core/patterns/fixtures.js';
import { builtinHarness, type PluginHarness } from './plugin-sim.js';

let h: PluginHarness;
beforeAll(async () => {
  h = await builtinHarness('supervisor');
}, 60_000);
afterAll(() => h.close());

describe('supervisor: review rounds', () => {
  it('runs a second round of research, analyze and the review when the review says revise, then accepts', async () => {
    const sim = await h.drive(await h.start(researchWorkflow(), { topic: 'tides' }), researchAgents([1]));
    expect(sim.dispatches.map((d) => d.key)).toEqual([
      'decompose',
      'research[0]',
      'research[1]',
      'analyze',
      'synthesize',
      'research@2[0]',
      'research@2[1]',
      'analyze@2',
      'synthesize@2',
    ]);
    expect(verdicts(sim.journal)).toEqual([
      ['decompose', 'continue'],
      ['synthesize', 'rerun'],
      ['synthesize@2', 'continue'],
    ]);
    const feedback = { round: 2, revise: ['q2'], reason: 'thin in round 1' };
    const byKey = new Map(sim.dispatches.map((d) => [d.key, d.input]));
    expect(byKey.get('research@2[1]')).toEqual({
      input: { topic: 'tides' },
      decompose: ['q1', 'q2'],
      item: 'q2',
      index: 1,
      feedback,
    });
    expect(byKey.get('analyze@2')).toEqual({
      input: { topic: 'tides' },
      research: ['research@2[0] done', 'research@2[1] done'],
      feedback,
    });
    expect(byKey.get('research[1]')).not.toHaveProperty('feedback');
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ synthesize: { decision: 'accept', report: 'report of round 2' } });
  });

  it('keeps the results of completed rounds in the state and the status', async () => {
    const sim = await h.drive(await h.start(researchWorkflow()), researchAgents([1]));
    expect(sim.state.units.get('research[1]')!.output).toBe('research[1] done');
    expect(sim.state.units.get('research@2[1]')!.output).toBe('research@2[1] done');
    const status = statusOf(sim.state, sim.now);
    expect(status.baton.tasks).toEqual({ completed: 9 });
    expect(status.performance_metrics.tasks_completed).toBe(4);
    expect(status.agents.every((a) => a.status === 'completed')).toBe(true);
  });

  it('shows the round in progress: earlier instances completed, the current one running', async () => {
    const sim = await h.start(researchWorkflow());
    const agents = researchAgents([1]);
    for (const key of ['decompose', 'research[0]', 'research[1]', 'analyze', 'synthesize']) {
      const a = agents(sim.calls.get(key)!) as { output: unknown };
      await h.complete(sim, key, a.output);
    }
    expect(sim.state.tasks.map((t) => [t.status, t.round])).toEqual([
      ['completed', 1],
      ['running', 2],
      ['pending', 2],
      ['pending', 2],
    ]);
    const status = statusOf(sim.state, sim.now);
    expect(status.baton.tasks).toEqual({ completed: 5, dispatched: 2, pending: 2 });
    expect(status.agents.find((a) => a.agent_id === 'researcher')).toMatchObject({
      status: 'running',
      current_task: 'research@2[1]',
    });
  });

  it('stops after max_rounds, journals that the rounds ran out, and completes with the last review', async () => {
    const sim = await h.drive(await h.start(researchWorkflow({ max_rounds: 2 })), researchAgents([1, 2, 3]));
    expect(sim.dispatches.filter((d) => d.task === 'synthesize').map((d) => d.key)).toEqual([
      'synthesize',
      'synthesize@2',
    ]);
    expect(verdicts(sim.journal).at(-1)).toEqual(['synthesize@2', 'continue', 'rounds_exhausted']);
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({
      synthesize: { decision: 'revise', revise: ['q2'], reason: 'thin in round 2' },
    });
  });

  it('defaults to 3 rounds, and treats any decision but revise as accept', async () => {
    const three = await h.drive(await h.start(researchWorkflow()), researchAgents([1, 2, 3, 4]));
    expect(three.dispatches.filter((d) => d.task === 'synthesize')).toHaveLength(3);
    const odd = await h.drive(await h.start(researchWorkflow()), (d) =>
      d.task === 'synthesize' ? { output: { decision: 'maybe' } } : researchAgents([])(d),
    );
    expect(odd.dispatches).toHaveLength(5);
    expect(odd.state.status).toBe('completed');
  });

  it('names the supervisor in pattern_config, and judges only that agent’s tasks', async () => {
    // With the analyzer as supervisor, `analyze` is both its first task and the review.
    const sim = await h.drive(await h.start(researchWorkflow({ supervisor: 'analyzer' })), (d) =>
      d.key === 'analyze' ? { output: { decision: 'revise' } } : researchAgents([])(d),
    );
    expect(sim.dispatches.map((d) => d.key)).toContain('analyze@2');
    expect(sim.dispatches.find((d) => d.key === 'analyze@2')!.input).toMatchObject({
      feedback: { round: 2, revise: [], reason: null },
    });
    expect(verdicts(sim.journal).map((v) => v[0])).toEqual(['analyze', 'analyze@2']);
  });

  it('makes a task outside the round that waits on a member wait for the member’s new round', async () => {
    const wf = researchWorkflow();
    const extra = [
      { ...wf.tasks[2]!, id: 'brief', depends_on: ['research', 'synthesize'] },
      { ...wf.tasks[2]!, id: 'archive', depends_on: ['research'] },
    ];
    const sim = await h.drive(await h.start({ ...wf, tasks: [...wf.tasks, ...extra] }), researchAgents([1]));
    const keys = sim.dispatches.map((d) => d.key);
    expect(keys.filter((k) => k === 'archive' || k === 'brief')).toEqual(['archive', 'brief']);
    expect(keys.indexOf('brief')).toBeGreaterThan(keys.indexOf('synthesize@2'));
    expect(sim.dispatches.find((d) => d.key === 'brief')!.input).toMatchObject({
      research: ['research@2[0] done', 'research@2[1] done'],
      synthesize: { decision: 'accept' },
    });
    expect(sim.state.status).toBe('completed');
  });

  it('ignores a verdict for a round that awaits none (a duplicate, or another round)', async () => {
    const sim = await h.drive(await h.start(researchWorkflow()), researchAgents([1]));
    const verdict = sim.entries('PatternDecided')[1]!;
    const state = fold(sim.journal.slice(0, verdict.seq));
    let seq = verdict.seq;
    for (const key of ['synthesize', 'synthesize@2', 'synthesize[0]', 'synthesize/delegate[0]', 'nope']) {
      const stale = { ...verdict, key, seq: ++seq };
      apply(state, stale);
      expect(state.lastChanged, key).toBe(false);
      expect(decide(state, stale), key).toEqual([]);
    }
    expect(state.tasks.map((t) => t.round)).toEqual([1, 2, 2, 2]);
  });

  it('fails the run at its start when pattern_config does not fit', async () => {
    for (const [config, message] of [
      [{ max_rounds: 0 }, /pattern_config\.max_rounds/],
      [{ rounds: 2 }, /pattern_config: Unrecognized key: "rounds"/],
      [{ supervisor: 'nobody' }, /"nobody", which is not a declared agent/],
      [{ supervisor: 'orphan' }, /the supervisor agent "orphan" has no task/],
    ] as const) {
      const sim = await h.start(researchWorkflow(config));
      expect(sim.state.status).toBe('failed');
      expect(sim.state.error).toMatchObject({ code: 'BATON_E_PATTERN_CONFIG', message });
      expect(sim.dispatches).toEqual([]);
    }
    const agentless = delegationWorkflow([{ id: 'sub', workflow: 'other@1' }]);
    expect((await h.start(agentless)).state.error).toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: /the first task has no agent/,
    });
  });
});

describe('supervisor: delegation', () => {
  const plan = (d: { key: string }): Answer =>
    d.key === 'plan'
      ? {
          output: {
            delegate: [
              { requires: ['sql', 'data'], input: { q: 'sales' } },
              { agent: 'web', input: { q: 'news' } },
            ],
          },
        }
      : { output: { by: d.key } };

  it('routes subtasks by name or capability, runs them at once, then runs the same task again with their results', async () => {
    const sim = await h.start(delegationWorkflow(), { topic: 'q3' });
    await h.complete(sim, 'plan', (plan({ key: 'plan' }) as { output: unknown }).output);
    expect([...sim.calls.values()].map((d) => [d.key, d.agent, d.input])).toEqual([
      ['plan/delegate[0]', 'db', { q: 'sales' }],
      ['plan/delegate[1]', 'web', { q: 'news' }],
    ]);
    await h.drive(sim, plan);
    expect(sim.dispatches.map((d) => d.key)).toEqual([
      'plan',
      'plan/delegate[0]',
      'plan/delegate[1]',
      'plan@2',
      'report',
    ]);
    expect(sim.dispatches[3]!.input).toEqual({
      input: { topic: 'q3' },
      results: [
        { key: 'plan/delegate[0]', agent: 'db', input: { q: 'sales' }, output: { by: 'plan/delegate[0]' } },
        { key: 'plan/delegate[1]', agent: 'web', input: { q: 'news' }, output: { by: 'plan/delegate[1]' } },
      ],
    });
    expect(sim.dispatches[4]!.input).toEqual({ input: { topic: 'q3' }, plan: { by: 'plan@2' } });
    expect(verdicts(sim.journal)).toEqual([
      ['plan', 'delegate'],
      ['plan@2', 'continue'],
      ['report', 'continue'],
    ]);
    expect(sim.state.output).toEqual({ report: { by: 'report' } });
  });

  it('retries a failed subtask by the task’s policy and arms its timeout; the status shows it on its agent', async () => {
    let failed = false;
    const sim = await h.start(delegationWorkflow());
    await h.complete(sim, 'plan', (plan({ key: 'plan' }) as { output: unknown }).output);
    expect(sim.timers.has('timeout:plan/delegate[0]:1')).toBe(true);
    const status = statusOf(sim.state, sim.now);
    expect(status.agents.find((a) => a.agent_id === 'db')).toEqual({
      agent_id: 'db',
      status: 'running',
      current_task: 'plan/delegate[0]',
      progress: 0,
    });
    expect(status.baton.tasks).toMatchObject({ completed: 1, dispatched: 2 });
    await h.drive(sim, (d) => {
      if (d.key === 'plan/delegate[0]' && !failed) {
        failed = true;
        return { error: { code: 'E_FLAKY' } };
      }
      return plan(d);
    });
    expect(sim.dispatches.filter((d) => d.key === 'plan/delegate[0]').map((d) => d.attempt)).toEqual([1, 2]);
    expect(sim.state.status).toBe('completed');
  });

  it('delegates again in later rounds until the task answers without delegate, bounded by max_rounds', async () => {
    const always = (d: { key: string }): Answer =>
      d.key.includes('delegate') ? { output: 1 } : { output: { delegate: [{ agent: 'web', input: d.key }] } };
    const sim = await h.drive(await h.start(delegationWorkflow(undefined, { max_rounds: 2 })), always);
    expect(sim.dispatches.map((d) => d.key)).toEqual([
      'plan',
      'plan/delegate[0]',
      'plan@2',
      'report',
      'report/delegate[0]',
      'report@2',
    ]);
    expect(verdicts(sim.journal)).toEqual([
      ['plan', 'delegate'],
      ['plan@2', 'continue', 'rounds_exhausted'],
      ['report', 'delegate'],
      ['report@2', 'continue', 'rounds_exhausted'],
    ]);
    expect(sim.state.status).toBe('completed');
  });

  it('fails the task, and so the run, when no agent fits a subtask or its entry is malformed', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ agent: 'ghost' }, 'BATON_E_UNKNOWN_AGENT', /plan: delegate\[0\] names agent "ghost"/],
      [{ requires: ['telepathy'] }, 'BATON_E_CAPABILITY_MISMATCH', /no declared agent has every capability/],
      [{ agent: 'web', requires: ['sql'] }, 'BATON_E_CAPABILITY_MISMATCH', /agent "web" work requiring/],
      [{ input: 1 }, 'BATON_E_PATTERN_OUTPUT', /names neither an agent nor the capabilities/],
      ['x', 'BATON_E_PATTERN_OUTPUT', /delegate\[0\] must be/],
      [{ agent: 3 }, 'BATON_E_PATTERN_OUTPUT', /delegate\[0\] must be/],
    ];
    for (const [ask, code, message] of cases) {
      const sim = await h.drive(await h.start(delegationWorkflow()), () => ({ output: { delegate: [ask] } }));
      expect(sim.state.status, code).toBe('failed');
      expect(sim.state.error).toMatchObject({ code, message, key: 'plan' });
      expect(sim.state.tasks[0]!.status).toBe('failed');
    }
    const notList = await h.drive(await h.start(delegationWorkflow()), () => ({
      output: { delegate: 'web' },
    }));
    expect(notList.state.error).toMatchObject({ code: 'BATON_E_PATTERN_OUTPUT' });
  });

  it('routes by requires to the first declared agent that has them all', async () => {
    const sim = await h.drive(await h.start(delegationWorkflow()), (d) =>
      d.key === 'plan'
        ? {
            output: {
              delegate: [{ requires: ['bulk'] }, { requires: ['data'] }, { requires: [], agent: 'boss' }],
            },
          }
        : { output: 0 },
    );
    expect(sim.dispatches.slice(1, 4).map((d) => [d.agent, d.input])).toEqual([
      ['lake', null],
      ['db', null],
      ['boss', null],
    ]);
  });

  it('compensates a task that ran in several rounds once, for its latest output', async () => {
    const wf = delegationWorkflow([
      { id: 'plan', agent: 'boss', compensate: { agent: 'db' } },
      { id: 'report', agent: 'web', depends_on: ['plan'], retry: { max_attempts: 1 } },
    ]);
    const sim = await h.drive(await h.start(wf), (d) => {
      if (d.key === 'plan') return { output: { delegate: [{ agent: 'web' }] } };
      if (d.task === 'report') return { error: { code: 'E_FATAL', retryable: false } };
      return { output: d.key };
    });
    expect(sim.state.status).toBe('failed');
    expect(sim.compensations.map((c) => [c.key, c.input])).toEqual([
      ['plan', { input: {}, output: 'plan@2' }],
    ]);
  });
});
