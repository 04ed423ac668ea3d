import { describe, expect, it } from 'vitest';
import {
  decide,
  fold,
  pendingTimers,
  resumeCommands,
  snapshot,
  type Dispatch,
  type JournalEntry,
  type RunState,
} from '../../../src/core/index.js';
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

describe('a takeover in the journal (RunTakenOver)', () => {
  const live = fullRun();
  const journal = live.journal;
  const takenOver = (seq: number, at: number, epoch: number): JournalEntry => ({
    type: 'RunTakenOver',
    seq,
    at,
    v: 1,
    ...(epoch > 2 ? { from: `owner-${epoch - 1}` } : {}),
    fromEpoch: epoch > 2 ? epoch - 1 : 0,
    to: `owner-${epoch}`,
    epoch,
  });
  /** The state without the fields every entry moves on (its seq and time). */
  const essence = (s: RunState) => {
    const { lastSeq: _seq, lastAt: _at, lastChanged: _changed, ...rest } = snapshot(s);
    return rest;
  };

  const owed = (s: RunState) =>
    resumeCommands(s).map((c) => (c.type === 'Dispatch' && !c.redispatch ? { ...c, idem: 'fresh' } : c));

  it('at every prefix, changes nothing but the journal position: same status, same owed commands', () => {
    for (let k = 2; k <= journal.length; k++) {
      const before = fold(journal.slice(0, k));
      const entry = takenOver(k + 1, journal[k - 1]!.at, 2);
      const after = fold([...journal.slice(0, k), entry]);
      expect(after.lastChanged, `prefix ${k}`).toBe(true);
      expect(after.lastSeq).toBe(k + 1);
      expect(decide(after, entry), `prefix ${k}`).toEqual([]);
      expect(essence(after), `prefix ${k}`).toEqual(essence(before));
      // Attempts in flight keep their idem; a dispatch decided again (no agent saw it) gets a fresh one.
      expect(owed(after), `prefix ${k}`).toEqual(owed(before));
    }
  });

  it('a run taken over twice mid-way ends as the live one, and its journal replays to the same state', () => {
    const sim = new Sim();
    const cut = Math.floor(journal.length / 3);
    sim.journal.push(...journal.slice(0, cut));
    sim.state = fold(sim.journal);
    sim.now = journal[cut - 1]!.at;
    // What a new owner does: journal the takeover first, then re-issue what is owed.
    sim.input({ type: 'RunTakenOver', fromEpoch: 0, to: 'owner-2', epoch: 2 });
    sim.perform(resumeCommands(sim.state));
    if (sim.calls.has('plan')) sim.complete('plan', [1, 2, 3]);
    sim.input({ type: 'RunTakenOver', from: 'owner-2', fromEpoch: 2, to: 'owner-3', epoch: 3 });
    sim.perform(resumeCommands(sim.state));
    if (!sim.state.events.has('go1')) sim.event('go1', 'go');
    sim.drive(script);
    expect(sim.state.status).toBe(live.state.status);
    expect(sim.state.output).toEqual(live.state.output);
    expect(sim.entries('RunTakenOver').map((e) => e.epoch)).toEqual([2, 3]);
    expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
  });
});
