import { describe, expect, it } from 'vitest';
import {
  apply,
  decide,
  fold,
  initialState,
  restore,
  snapshot,
  type JournalEntry,
  type RunSnapshot,
} from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

/** A run that touches most of the state: fan-out, retry, repeat, events, skip, saga. */
function busyRun(): Sim {
  const wf = workflow(
    [
      { id: 'src', agent: 'a', compensate: { agent: 'b' } },
      { id: 'fan', agent: 'a', depends_on: ['src'], parallel: 2, timeout: '1m' },
      { id: 'loop', agent: 'b', depends_on: ['fan'], repeat: { until: 'iteration >= 2', max_iterations: 3 } },
      { id: 'gate', agent: 'a', depends_on: ['src'], wait_for: { channel: 'ok', timeout: '1h' } },
      { id: 'never', agent: 'a', depends_on: ['src'], when: 'false' },
      { id: 'last', agent: 'a', depends_on: ['loop', 'gate'], retry: { max_attempts: 1 } },
    ],
    { coordination: { event_driven: ['ok', 'agent_status', 'data_updates'] } },
  );
  const sim = new Sim().start(wf, { topic: 'x' });
  let failedOnce = false;
  sim.complete('src', [1, 2, 3]);
  sim.event('ev1', 'ok');
  sim.drive((d) => {
    if (d.key === 'fan[1]' && !failedOnce) {
      failedOnce = true;
      return { error: { code: 'E_FLAKY' } };
    }
    if (d.task === 'last') return { error: { code: 'E_FATAL', retryable: false } };
    return { output: d.key };
  });
  return sim;
}

describe('fold and snapshots', () => {
  const sim = busyRun();
  const journal = sim.journal;

  it('the busy run covers the ground it claims to', () => {
    const types = new Set(journal.map((e) => e.type));
    for (const t of [
      'FanOutExpanded',
      'RetryScheduled',
      'RepeatDecided',
      'EventMatched',
      'TaskSkipped',
      'CompensationStarted',
      'RunFailed',
    ]) {
      expect(types).toContain(t);
    }
    expect(sim.state.status).toBe('failed');
  });

  it('fold(journal) reproduces the live state', () => {
    expect(snapshot(fold(journal))).toEqual(snapshot(sim.state));
  });

  it('restore(snapshot(fold(prefix))) + the rest equals fold(all), at every prefix, through JSON', () => {
    const whole = snapshot(fold(journal));
    for (let k = 0; k <= journal.length; k++) {
      const json = JSON.parse(JSON.stringify(snapshot(fold(journal.slice(0, k))))) as RunSnapshot;
      const state = restore(json);
      for (const e of journal.slice(k)) apply(state, e);
      expect(snapshot(state)).toEqual(whole);
    }
  });

  it('restore(snapshot(s)) equals s exactly, context aside', () => {
    const s = fold(journal.slice(0, 20));
    const r = restore(snapshot(s));
    const { ctx: a, ...x } = s;
    const { ctx: b, ...y } = r;
    expect(y).toStrictEqual(x);
    expect(b!.graph).toEqual(a!.graph);
  });

  it('a snapshot does not change when the live state moves on', () => {
    const s = fold(journal.slice(0, 10));
    const snap = snapshot(s);
    const before = JSON.stringify(snap);
    for (const e of journal.slice(10)) apply(s, e);
    expect(JSON.stringify(snap)).toBe(before);
  });

  it('snapshots an unstarted run and refuses an unknown snapshot version', () => {
    expect(restore(snapshot(initialState()))).toEqual(initialState());
    expect(() =>
      restore({ ...snapshot(initialState()), snapshotVersion: 2 } as unknown as RunSnapshot),
    ).toThrow(/unknown snapshot version 2/);
  });
});

describe('journal guards', () => {
  const started = new Sim().start(workflow([{ id: 'x', agent: 'a' }])).journal[0]!;
  const at = (seq: number, e: Partial<JournalEntry>) => ({ ...e, seq, at: 0, v: 1 }) as JournalEntry;

  it('refuses an entry before RunStarted, a second RunStarted, a seq out of order, and an unknown version', () => {
    expect(() => apply(initialState(), at(1, { type: 'RunPaused', by: 'x' }))).toThrow(
      /comes before RunStarted/,
    );
    const s = fold([started]);
    expect(() => apply(s, { ...started, seq: 2 })).toThrow(/a second RunStarted/);
    expect(() => apply(s, at(1, { type: 'RunPaused', by: 'x' }))).toThrow(/seq 1 follows seq 1/);
    expect(() =>
      apply(s, { ...at(2, { type: 'RunPaused', by: 'x' }), v: 2 } as unknown as JournalEntry),
    ).toThrow(/version 2/);
  });

  it('refuses to decide an entry other than the one applied last', () => {
    const s = fold([started]);
    expect(() => decide(s, at(5, { type: 'RunPaused', by: 'x' }))).toThrow(
      /decide\(seq 5\) after apply\(seq 1\)/,
    );
  });

  it('ignores entries that name unknown tasks, keys or timers', () => {
    const s = fold([started]);
    const ignored: Array<Partial<JournalEntry>> = [
      { type: 'TaskDispatched', key: 'nope', task: 'nope', attempt: 1, agent: 'a', instance: 'a', idem: 'i' },
      { type: 'TaskDispatched', key: 'x#2', task: 'x', attempt: 1, agent: 'a', instance: 'a', idem: 'i' },
      {
        type: 'TaskDispatched',
        key: 'bad key!',
        task: 'x',
        attempt: 1,
        agent: 'a',
        instance: 'a',
        idem: 'i',
      },
      { type: 'TimerFired', timerId: 'bogus' },
      { type: 'TimerFired', timerId: 'wait:nope' },
      { type: 'TimerFired', timerId: 'retry:x:2' },
      { type: 'TaskSkipped', key: 'nope', reason: 'condition' },
      { type: 'FanOutExpanded', task: 'x', count: 2 },
      { type: 'RetryScheduled', key: 'x', attempt: 2, fireAt: 0 },
      { type: 'RepeatDecided', key: 'x', iteration: 1, again: true },
      { type: 'CompensationDone', key: 'x', ok: true },
      { type: 'RunResumed', by: 'x' },
    ];
    ignored.forEach((e, n) => {
      apply(s, at(n + 2, e));
      expect(s.lastChanged, e.type).toBe(false);
      expect(decide(s, at(n + 2, e))).toEqual([]);
    });
  });

  it('records a pattern plugin state', () => {
    const s = fold([started, at(2, { type: 'PatternStep', pattern: 'acme/x@1', state: { round: 2 } })]);
    expect(s.pattern).toEqual({ name: 'acme/x@1', state: { round: 2 } });
    expect(decide(s, at(2, { type: 'PatternStep', pattern: 'acme/x@1', state: { round: 2 } }))).toEqual([]);
  });
});
