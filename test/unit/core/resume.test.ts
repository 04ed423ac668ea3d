import { describe, expect, it } from 'vitest';
import { fold, pendingTimers, resumeCommands, snapshot, type Dispatch } from '../../../src/core/index.js';
import { Sim, workflow, type Answer } from './sim.js';

const wf = workflow(
  [
    { id: 'plan', agent: 'a', compensate: { agent: 'b' } },
    { id: 'work', agent: 'b', depends_on: ['plan'], parallel: 2, timeout: '30s' },
    { id: 'check', agent: 'a', depends_on: ['work'], when: 'size(tasks.work.output) > 0', emits: ['done'] },
    { id: 'wait', agent: 'a', depends_on: ['plan'], wait_for: { channel: 'go', timeout: '1h' } },
  ],
  { coordination: { event_driven: ['done', 'go'] } },
);

const script = (d: Dispatch): Answer => {
  if (d.key === 'work[1]' && d.attempt === 1) return { error: { code: 'E_FLAKY' } };
  return { output: d.task === 'plan' ? [1, 2, 3] : `${d.key}@${d.attempt}` };
};

function fullRun(): Sim {
  const sim = new Sim().start(wf, { q: 1 });
  sim.complete('plan', [1, 2, 3]);
  sim.event('go1', 'go');
  return sim.drive(script);
}

describe('recovery after a crash', () => {
  const live = fullRun();
  const journal = live.journal;

  it('at every prefix, re-issues exactly the attempts in flight, with their journaled idem', () => {
    for (let k = 1; k <= journal.length; k++) {
      const state = fold(journal.slice(0, k));
      const inFlight = [...state.units.values()]
        .filter((u) => u.status === 'dispatched')
        .map((u) => [u.key, u.idem]);
      const redispatched = resumeCommands(state).flatMap((c) =>
        c.type === 'Dispatch' && c.redispatch ? [[c.key, c.idem]] : [],
      );
      expect(redispatched, `prefix ${k}`).toEqual(inFlight);
      const journaled = new Set(
        journal.slice(0, k).flatMap((e) => (e.type === 'TaskDispatched' ? [e.idem] : [])),
      );
      for (const c of resumeCommands(state)) {
        if (c.type === 'Dispatch' && !c.redispatch) expect(journaled.has(c.idem), `prefix ${k}`).toBe(false);
      }
    }
  });

  it('from every prefix, a recovered run finishes with the same outcome as the live one', () => {
    for (let k = 1; k <= journal.length; k++) {
      const sim = Sim.recover(journal.slice(0, k), journal[k - 1]!.at);
      // Replay the live run's inputs that the prefix does not hold yet, in the same order.
      if (sim.calls.has('plan')) sim.complete('plan', [1, 2, 3]);
      if (!sim.state.events.has('go1')) sim.event('go1', 'go');
      sim.drive(script);
      expect(sim.state.status, `prefix ${k}`).toBe(live.state.status);
      expect(sim.state.output, `prefix ${k}`).toEqual(live.state.output);
    }
  });

  it('re-arms pending timers, and re-publishes emits under their stable ids', () => {
    const k = journal.findIndex((e) => e.type === 'RetryScheduled') + 1;
    const state = fold(journal.slice(0, k));
    const timers = resumeCommands(state).filter((c) => c.type === 'ArmTimer');
    expect(timers.map((t) => t.timerId).sort()).toEqual(
      pendingTimers(state)
        .map((t) => t.timerId)
        .sort(),
    );
    expect(timers.map((t) => t.timerId)).toContain('retry:work[1]:2');
    const done = fold(
      journal.slice(
        0,
        journal.findIndex((e) => e.type === 'RunCompleted'),
      ),
    );
    expect(resumeCommands(done).filter((c) => c.type === 'Publish')).toEqual([
      {
        type: 'Publish',
        channel: 'done',
        name: null,
        data: 'check@1',
        eventId: 'r1/check/emit0',
        loopback: false,
      },
    ]);
  });

  it('makes again a retry decision that was not journaled before the crash', () => {
    const k = journal.findIndex((e) => e.type === 'TaskFailed');
    const state = fold(journal.slice(0, k + 1));
    expect(resumeCommands(state).find((c) => c.type === 'Append')).toMatchObject({
      entry: { type: 'RetryScheduled', key: 'work[1]' },
    });
  });

  it('matches again an event received last whose matching was not journaled, and only that one', () => {
    const k = journal.findIndex((e) => e.type === 'EventReceived') + 1;
    const matches = (n: number) =>
      resumeCommands(fold(journal.slice(0, n))).filter(
        (c) => c.type === 'Append' && c.entry.type === 'EventMatched',
      );
    expect(matches(k)).toHaveLength(1);
    expect(matches(k + 1)).toEqual([]);
  });

  it('issues nothing for an ended or unstarted run', () => {
    expect(resumeCommands(live.state)).toEqual([]);
    expect(resumeCommands(fold([]))).toEqual([]);
    expect(pendingTimers(live.state)).toEqual([]);
  });

  it('re-issues the current compensation with the same idem, and finishes a cancel decided but not journaled', () => {
    const sim = new Sim().start(wf);
    sim.complete('plan', [1]);
    sim.input({ type: 'RunCancelRequested', by: 'ann', reason: 'stop' });
    const compensating = fold(sim.journal);
    expect(resumeCommands(compensating).filter((c) => c.type === 'Compensate')).toEqual([
      sim.compensations[0],
    ]);
    const cancelAt = sim.journal.findIndex((e) => e.type === 'RunCancelRequested') + 1;
    const recovered = Sim.recover(sim.journal.slice(0, cancelAt), sim.now).drive(() => 'hang');
    expect(recovered.state.status).toBe('cancelled');
    expect(snapshot(recovered.state).saga).toEqual(snapshot(sim.drive(() => 'hang').state).saga);
  });

  it('re-derives a fan-out list after restore and a repeat verdict not journaled yet', () => {
    const rep = workflow([{ id: 'r', agent: 'a', repeat: { until: 'output > 1', max_iterations: 5 } }]);
    const sim = new Sim().start(rep);
    sim.complete('r', 0);
    const k = sim.journal.findIndex((e) => e.type === 'TaskCompleted') + 1;
    expect(resumeCommands(fold(sim.journal.slice(0, k)))).toEqual([
      { type: 'Append', entry: { type: 'RepeatDecided', key: 'r', iteration: 1, again: true, v: 1 } },
    ]);
  });
});
