// ABI 1.1 in the pure core, through native patterns (the same verdicts a plugin's answers become):
// events on any decision, per-task rerun inputs, and the `failed` and `delegated` triggers. Each run
// is also replayed (fold of the journal == the live state) and resumed from a cut journal.

import { describe, expect, it } from 'vitest';
import {
  fold,
  registerPattern,
  snapshot,
  type OrchestrationPattern,
  type PatternDecision,
  type PatternTrigger,
} from '../../../../src/core/index.js';
import { Sim, workflow, type Answer } from '../sim.js';

/** A pattern whose every verdict comes from `rule`, recording the triggers it was shown. */
function scripted(
  name: string,
  setup: { judges: string[]; holds?: string[]; failures?: boolean; delegations?: boolean },
  rule: (t: PatternTrigger, step: number) => PatternDecision,
): PatternTrigger[] {
  const seen: PatternTrigger[] = [];
  const pattern: OrchestrationPattern<{ steps: number }> = {
    name,
    init: () => ({
      state: { steps: 0 },
      judges: setup.judges,
      holds: setup.holds ?? [],
      serial: false,
      judgesFailures: setup.failures === true,
      judgesDelegations: setup.delegations === true,
    }),
    step: (state, t) => {
      seen.push(t);
      return { state: { steps: state.steps + 1 }, decision: rule(t, state.steps) };
    },
  };
  registerPattern(pattern);
  return seen;
}

/** The live state equals the fold of its journal, and every cut between turns resumes to the same end. */
function replays(
  live: Sim,
  agents: (d: Parameters<Parameters<Sim['drive']>[0]>[0]) => Answer,
  then: (resumed: Sim) => void = () => undefined,
): void {
  expect(snapshot(fold(live.journal))).toEqual(snapshot(live.state));
  for (let cut = 2; cut < live.journal.length; cut++) {
    // A verdict's events are derived in the verdict's own turn, one group commit: never cut apart.
    const next = live.journal[cut]!;
    if (next.type === 'EventReceived' && next.source.startsWith('pattern:')) continue;
    const resumed = Sim.recover(live.journal.slice(0, cut), live.now).drive(agents);
    then(resumed);
    expect(resumed.state.status).toBe(live.state.status);
    expect(resumed.state.output).toEqual(live.state.output);
  }
}

const coordination = { event_driven: ['bus'] };
const echo = (d: { key: string; input: unknown }): Answer => ({ output: { key: d.key, input: d.input } });

describe('ABI 1.1 events on a decision', () => {
  const wf = workflow(
    [
      { id: 'talk', agent: 'a' },
      { id: 'hear', agent: 'b', on: { channel: 'bus', event: 'ping' } },
      { id: 'overhear', agent: 'b', on: 'bus' },
    ],
    { orchestration_pattern: 'acme-events', coordination },
  );

  it('journals each event with a step-derived id and starts only the addressed listener', () => {
    scripted('acme-events', { judges: ['talk'] }, () => ({
      op: 'continue',
      events: [{ channel: 'bus', type: 'ping', data: { n: 1 }, to: 'hear' }],
    }));
    const sim = new Sim().start(wf).drive(echo);
    const received = sim.journal.filter((e) => e.type === 'EventReceived');
    expect(received).toMatchObject([
      { eventId: 'r1/talk/step1/event0', channel: 'bus', name: 'ping', data: { n: 1 }, to: 'hear' },
    ]);
    expect(sim.published.map((p) => [p.channel, p.name, p.eventId])).toEqual([
      ['bus', 'ping', 'r1/talk/step1/event0'],
    ]);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['talk', 'hear']);
    expect(sim.dispatches[1]!.input).toMatchObject({
      event: { data: { n: 1 }, source: 'pattern:acme-events' },
    });
    // `overhear` listens on the channel too, but the event was addressed to `hear`: an outside signal
    // is what starts it.
    expect(sim.state.status).toBe('executing');
    sim.event('outside-1', 'bus', 'other');
    sim.drive(echo);
    expect(sim.state.status).toBe('completed');
    // A cut before the outside signal gets it again once the resumed run waits for it.
    replays(sim, echo, (resumed) => {
      if (!resumed.state.events.has('outside-1')) resumed.event('outside-1', 'bus', 'other');
      resumed.drive(echo);
    });
  });

  it('fails the run, naming the pattern, channel and task, for a channel the workflow does not declare', () => {
    scripted('acme-events', { judges: ['talk'] }, () => ({
      op: 'continue',
      events: [{ channel: 'elsewhere', type: 'ping', data: null }],
    }));
    const sim = new Sim().start(wf).drive(echo);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_PATTERN_EVENT', key: 'talk' });
    expect(sim.state.error!.message).toMatch(/pattern acme-events .*channel "elsewhere" for task talk/);
    expect(sim.journal.some((e) => e.type === 'EventReceived')).toBe(false);
  });
});

describe('ABI 1.1 per-task rerun inputs', () => {
  const wf = workflow(
    [
      { id: 'p', agent: 'a' },
      { id: 'q', agent: 'b' },
    ],
    { orchestration_pattern: 'acme-inputs' },
  );

  it('gives each rerun task its own fields on top of the shared input', () => {
    scripted('acme-inputs', { judges: ['p'], holds: ['q'] }, (t) =>
      t.round === 1
        ? {
            op: 'rerun',
            also: ['q'],
            input: { shared: true },
            inputs: { p: { inbox: ['x'] }, q: { inbox: ['y'] } },
          }
        : { op: 'continue' },
    );
    const sim = new Sim().start(wf).drive(echo);
    expect(sim.dispatches.map((d) => [d.key, d.input])).toEqual([
      ['p', { input: {} }],
      ['p@2', { input: {}, shared: true, inbox: ['x'] }],
      ['q', { input: {}, shared: true, inbox: ['y'] }],
    ]);
    expect(sim.state.status).toBe('completed');
    replays(sim, echo);
  });

  it('hands off to several tasks at once, each with its own fields', () => {
    const wf3 = workflow(
      [
        { id: 'p', agent: 'a' },
        { id: 'q', agent: 'b' },
        { id: 'r', agent: 'b' },
      ],
      { orchestration_pattern: 'acme-inputs' },
    );
    scripted('acme-inputs', { judges: ['p', 'q', 'r'], holds: ['q', 'r'] }, (t) =>
      t.task === 'p'
        ? { op: 'handoff', to: 'q', also: ['r'], input: { from: 'p' }, inputs: { r: { only: 'r' } } }
        : { op: 'continue' },
    );
    const sim = new Sim().start(wf3).drive(echo);
    expect(sim.dispatches.map((d) => [d.key, d.input])).toEqual([
      ['p', { input: {} }],
      ['q', { input: {}, from: 'p' }],
      ['r', { input: {}, from: 'p', only: 'r' }],
    ]);
    expect(sim.state.status).toBe('completed');
    replays(sim, echo);
  });

  it('fails the run when inputs name a task the verdict does not rerun', () => {
    scripted('acme-inputs', { judges: ['p'], holds: ['q'] }, () => ({
      op: 'rerun',
      also: [],
      input: {},
      inputs: { q: { inbox: [] } },
    }));
    const sim = new Sim().start(wf).drive(echo);
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_UNKNOWN_TASK' });
    expect(sim.state.error!.message).toMatch(/inputs to task "q", which it does not run next/);
  });
});

describe('ABI 1.1 failed trigger', () => {
  const wf = workflow(
    [
      { id: 'flaky', agent: 'a', retry: { max_attempts: 2, initial_interval: '10ms' } },
      { id: 'after', agent: 'b', depends_on: ['flaky'] },
    ],
    { orchestration_pattern: 'acme-failures' },
  );
  const broken = (d: { task: string; key: string; input: unknown }): Answer =>
    d.task === 'flaky' && !d.key.includes('@') ? { error: { code: 'E_DOWN', message: 'down' } } : echo(d);

  it('asks the pattern once the retries are spent; continue records the failure as the result', () => {
    const seen = scripted('acme-failures', { judges: ['flaky'], failures: true }, () => ({ op: 'continue' }));
    const sim = new Sim().start(wf).drive(broken);
    expect(seen).toEqual([
      {
        kind: 'failed',
        task: 'flaky',
        key: 'flaky',
        round: 1,
        agent: 'a',
        output: null,
        error: { code: 'E_DOWN', message: 'down' },
        attempts: 2,
      },
    ]);
    expect(sim.state.status).toBe('completed');
    expect(sim.dispatches.find((d) => d.task === 'after')!.input).toMatchObject({
      flaky: { error: { code: 'E_DOWN', message: 'down' }, attempts: 2 },
    });
    replays(sim, broken);
  });

  it('rerun runs the task again in its next round', () => {
    scripted('acme-failures', { judges: ['flaky'], failures: true }, (t) =>
      t.kind === 'failed' ? { op: 'rerun', also: [], input: { hint: 'again' } } : { op: 'continue' },
    );
    const sim = new Sim().start(wf).drive(broken);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['flaky', 'flaky', 'flaky@2', 'after']);
    expect(sim.state.status).toBe('completed');
    replays(sim, broken);
  });

  it('fails the run as before when the pattern does not judge failures', () => {
    const seen = scripted('acme-failures', { judges: ['flaky'] }, () => ({ op: 'continue' }));
    const sim = new Sim().start(wf).drive(broken);
    expect(seen).toEqual([]);
    expect(sim.state.error).toMatchObject({ code: 'E_DOWN', key: 'flaky' });
  });
});

describe('ABI 1.1 delegated trigger', () => {
  const wf = workflow([{ id: 'boss', agent: 'a' }], { orchestration_pattern: 'acme-delegations' });
  const subAgents = (d: { task: string; key: string; agent: string | null; input: unknown }): Answer => {
    if (!d.key.includes('delegate')) return { output: { plan: 'split' } };
    if ((d.input as { n: number }).n === 2 && d.agent === 'b')
      return { error: { code: 'E_SUB', retryable: false } };
    return { output: (d.input as { n: number }).n * 10 };
  };

  it('judges the results instead of re-running the delegating task', () => {
    const seen = scripted('acme-delegations', { judges: ['boss'], delegations: true }, (t) =>
      t.kind === 'output'
        ? {
            op: 'delegate',
            subtasks: [
              { agent: 'a', input: { n: 1 } },
              { agent: 'a', input: { n: 3 } },
            ],
          }
        : {
            op: 'continue',
            output: { sum: (t.results ?? []).reduce((a, r) => a + (r.output as number), 0) },
          },
    );
    const sim = new Sim().start(wf).drive(subAgents);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['boss', 'boss/delegate[0]', 'boss/delegate[1]']);
    expect(seen[1]).toMatchObject({
      kind: 'delegated',
      key: 'boss',
      results: [
        { key: 'boss/delegate[0]', agent: 'a', input: { n: 1 }, output: 10 },
        { key: 'boss/delegate[1]', agent: 'a', input: { n: 3 }, output: 30 },
      ],
    });
    expect(sim.state.output).toEqual({ boss: { sum: 40 } });
    replays(sim, subAgents);
  });

  it('judges a failed subtask: delegate retries it elsewhere, and a second delegation numbers on', () => {
    const seen = scripted(
      'acme-delegations',
      { judges: ['boss'], failures: true, delegations: true },
      (t, step) => {
        if (t.kind === 'output') return { op: 'delegate', subtasks: [{ agent: 'b', input: { n: 2 } }] };
        if (t.kind === 'failed') return { op: 'delegate', subtasks: [{ agent: 'a', input: { n: 2 } }] };
        if (step < 3) return { op: 'delegate', subtasks: [{ agent: 'a', input: { n: 5 } }] };
        return { op: 'complete', output: { results: t.results!.map((r) => r.output) } };
      },
    );
    const sim = new Sim().start(wf).drive(subAgents);
    expect(seen.map((t) => [t.kind, t.key])).toEqual([
      ['output', 'boss'],
      ['failed', 'boss/delegate[0]'],
      ['delegated', 'boss'],
      ['delegated', 'boss'],
    ]);
    expect(seen[1]).toMatchObject({ agent: 'b', error: { code: 'E_SUB' }, attempts: 1 });
    expect(seen[2]!.results!.map((r) => r.key)).toEqual(['boss/delegate[1]']);
    expect(seen[3]!.results!.map((r) => r.key)).toEqual(['boss/delegate[2]']);
    expect(sim.state.output).toEqual({ results: [50] });
    replays(sim, subAgents);
  });

  it('a failed subtask skipped with continue counts its failure as its result', () => {
    const seen = scripted('acme-delegations', { judges: ['boss'], failures: true, delegations: true }, (t) =>
      t.kind === 'output'
        ? {
            op: 'delegate',
            subtasks: [
              { agent: 'b', input: { n: 2 } },
              { agent: 'a', input: { n: 1 } },
            ],
          }
        : t.kind === 'failed'
          ? { op: 'continue' }
          : { op: 'complete', output: { results: t.results!.map((r) => r.output) } },
    );
    const sim = new Sim().start(wf).drive(subAgents);
    expect(seen.map((t) => t.kind)).toEqual(['output', 'failed', 'delegated']);
    expect(sim.state.output).toEqual({
      results: [{ error: { code: 'E_SUB', message: 'E_SUB' }, attempts: 1 }, 10],
    });
    replays(sim, subAgents);
  });

  it('a failed subtask failed by the verdict drops the subtasks still running and fails the run', () => {
    scripted('acme-delegations', { judges: ['boss'], failures: true }, (t) =>
      t.kind === 'output'
        ? {
            op: 'delegate',
            subtasks: [
              { agent: 'a', input: { n: 9 } },
              { agent: 'b', input: { n: 2 } },
            ],
          }
        : { op: 'fail', error: { code: 'E_GAVE_UP', message: 'no fallback' } },
    );
    const hangs = (d: { key: string; agent: string | null; input: unknown }): Answer =>
      d.key === 'boss/delegate[0]' ? 'hang' : subAgents({ task: 'boss', ...d });
    const sim = new Sim().start(wf).drive(hangs);
    expect(sim.cancels.map((c) => c.key)).toContain('boss/delegate[0]');
    expect(sim.state.error).toMatchObject({ code: 'E_GAVE_UP', key: 'boss/delegate[1]' });
    expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
  });
});
