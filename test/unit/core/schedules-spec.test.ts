// Schedules' timing (cron in a timezone, epoch-aligned intervals), the spec check every edge shares,
// and the claim/confirm state transitions that keep a fire from starting twice.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  claimFires,
  claimTrigger,
  confirmFires,
  cronProblem,
  emptyScheduleState,
  fireRequestId,
  firesAfter,
  mayStartPending,
  nextFireAfter,
  parseScheduleSpec,
  pauseState,
  readScheduleState,
  RECENT_KEPT,
  scheduleIdProblem,
  timezoneProblem,
  type ScheduleState,
} from '../../../src/core/schedules/index.js';

const T0 = Date.UTC(2026, 0, 1);

describe('timing', () => {
  it('reads a cron expression in its timezone', () => {
    const nineInNewYork = { kind: 'cron', cron: '0 9 * * *', timezone: 'America/New_York' } as const;
    expect(new Date(nextFireAfter(nineInNewYork, T0)!).toISOString()).toBe('2026-01-01T14:00:00.000Z');
    const paris = { kind: 'cron', cron: '0 9 * * *', timezone: 'Europe/Paris' } as const;
    expect(new Date(nextFireAfter(paris, T0)!).toISOString()).toBe('2026-01-01T08:00:00.000Z');
  });

  it('fires once on the day a timezone skips or repeats the hour (DST)', () => {
    const t = { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Paris' } as const;
    const next = firesAfter(t, Date.UTC(2026, 2, 28, 12));
    const spring = [next(), next()].map((x) => new Date(x!).toISOString());
    expect(spring).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    const after = firesAfter(t, Date.UTC(2026, 9, 24, 12));
    const autumn = [after(), after()].map((x) => new Date(x!).toISOString());
    expect(autumn).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('takes seconds as a sixth field and @aliases', () => {
    expect(nextFireAfter({ kind: 'cron', cron: '*/10 * * * * *', timezone: 'UTC' }, T0 + 1)).toBe(
      T0 + 10_000,
    );
    expect(nextFireAfter({ kind: 'cron', cron: '@hourly', timezone: 'UTC' }, T0)).toBe(T0 + 3_600_000);
  });

  it('gives fires strictly after the time asked, in increasing order (cron and interval)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        fc.constantFrom('*/7 * * * *', '0 */3 * * *', '15 4 * * 1-5', '*/5 * * * * *'),
        fc.integer({ min: 1, max: 7200 }),
        (offset, cron, everyS) => {
          const after = T0 + offset;
          for (const t of [
            { kind: 'cron', cron, timezone: 'Asia/Kolkata' } as const,
            { kind: 'interval', everyMs: everyS * 1000 } as const,
          ]) {
            const next = firesAfter(t, after);
            const a = next()!;
            const b = next()!;
            expect(a).toBeGreaterThan(after);
            expect(b).toBeGreaterThan(a);
            expect(nextFireAfter(t, a)).toBe(b);
          }
        },
      ),
    );
  });

  it('aligns intervals to the Unix epoch', () => {
    expect(nextFireAfter({ kind: 'interval', everyMs: 3_600_000 }, T0 + 1)).toBe(T0 + 3_600_000);
    expect(nextFireAfter({ kind: 'interval', everyMs: 1000 }, T0 + 1000)).toBe(T0 + 2000);
  });

  it('explains bad cron expressions and timezones', () => {
    expect(cronProblem('* * *', 'UTC')).toMatch(/has 3 field\(s\); a cron expression has 5/);
    expect(cronProblem('', 'UTC')).toMatch(/has 0 field/);
    expect(cronProblem('61 * * * *', 'UTC')).toMatch(/not a valid cron expression: .*61/);
    expect(cronProblem('0 0 30 2 *', 'UTC')).toMatch(/not a valid cron expression/);
    expect(cronProblem('@daily', 'UTC')).toBeUndefined();
    expect(timezoneProblem('Mars/Olympus')).toMatch(/not an IANA timezone name/);
    expect(timezoneProblem('Europe/Paris')).toBeUndefined();
  });
});

describe('parseScheduleSpec', () => {
  it('fills defaults: skip, a one-hour catch-up window, UTC', () => {
    const r = parseScheduleSpec({ cron: '0 2 * * *', workflow: 'nightly' });
    expect(r).toEqual({
      ok: true,
      spec: {
        timing: { kind: 'cron', cron: '0 2 * * *', timezone: 'UTC' },
        overlap: 'skip',
        catchupWindowMs: 3_600_000,
        action: { workflow: 'nightly', input: {} },
      },
    });
  });

  it('reports every problem at once, each on its field', () => {
    const r = parseScheduleSpec({
      cron: '* * *',
      timezone: 'Nowhere/Land',
      overlap: 'sometimes',
      catchupWindowMs: 0,
      workflow: 'a@b@c',
      input: [1],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual([
      'timezone',
      'cron',
      'overlap',
      'catchup_window',
      'workflow',
      'input',
    ]);
  });

  it('wants exactly one of cron and interval, a whole-second interval, and no timezone with it', () => {
    const fields = (x: Parameters<typeof parseScheduleSpec>[0]) => {
      const r = parseScheduleSpec({ workflow: 'w', ...x });
      return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.message}`);
    };
    expect(fields({})).toEqual(['cron: is required: a cron expression, or else an interval']);
    expect(fields({ cron: '* * * * *', everyMs: 1000 })).toEqual([
      'cron: give a cron expression or an interval, not both',
    ]);
    expect(fields({ everyMs: 1500 })[0]).toMatch(/^interval: must be a whole number of seconds/);
    expect(fields({ everyMs: 500 })[0]).toMatch(/^interval: /);
    expect(fields({ everyMs: 60_000, timezone: 'UTC' })).toEqual([
      'timezone: applies to cron expressions only: an interval counts from the Unix epoch',
    ]);
    expect(fields({ everyMs: 60_000, workflow: '' })[0]).toMatch(/^workflow: is required/);
    expect(fields({ everyMs: 60_000, workflow: '', source: 'name: x' })).toEqual([]);
  });

  it('checks schedule ids', () => {
    expect(scheduleIdProblem('nightly-report.v2')).toBeUndefined();
    expect(scheduleIdProblem('')?.message).toBe('is required');
    expect(scheduleIdProblem('has space')?.message).toMatch(/not a schedule id/);
    expect(scheduleIdProblem('-x')?.message).toMatch(/starting with a letter or digit/);
  });

  it('derives one request id per schedule and nominal time, apart from manual triggers', () => {
    expect(fireRequestId('s', T0)).toBe('schedule:s:2026-01-01T00:00:00.000Z');
    expect(fireRequestId('s', T0, true)).toBe('schedule:s:manual:2026-01-01T00:00:00.000Z');
  });
});

describe('claim and confirm', () => {
  const decision = {
    start: [T0, T0 + 1000],
    nextFireAt: T0 + 2000,
    skipped: 1,
    missed: 2,
    wakeAt: T0 + 2000,
  };

  it('a claim makes the starts pending and adds the counts; confirming records the runs once', () => {
    const claimed = claimFires(emptyScheduleState(), decision, 'me', T0 + 5);
    expect(claimed).toMatchObject({
      pending: [{ fireAt: T0 }, { fireAt: T0 + 1000 }],
      claimedBy: 'me',
      counts: { skipped: 1, missed: 2, started: 0 },
    });
    const outcomes = [
      { fire: { fireAt: T0 }, runId: 'r1' },
      { fire: { fireAt: T0 + 1000 }, error: { code: 'BATON_E_WORKFLOW_NOT_FOUND', message: 'gone' } },
    ];
    const done = confirmFires(claimed, outcomes, T0 + 9);
    expect(done.pending).toEqual([]);
    expect(done.claimedBy).toBeUndefined();
    expect(done.lastRunId).toBe('r1');
    expect(done.recent).toEqual([{ runId: 'r1', fireAt: T0, startedAt: T0 + 9 }]);
    expect(done.counts).toEqual({ started: 1, skipped: 1, missed: 2, failed: 1 });
    expect(done.lastError).toEqual({
      code: 'BATON_E_WORKFLOW_NOT_FOUND',
      message: 'gone',
      fireAt: T0 + 1000,
      at: T0 + 9,
    });
    // Confirmed again (a second process got there too): nothing changes.
    expect(confirmFires(done, outcomes, T0 + 10)).toBe(done);
  });

  it('keeps the newest runs, newest first, and a manual trigger apart from a timed fire', () => {
    let s: ScheduleState = emptyScheduleState();
    for (let i = 0; i < RECENT_KEPT + 3; i++) {
      s = claimFires(s, { ...decision, start: [T0 + i * 1000] }, 'me', T0);
      s = confirmFires(s, [{ fire: { fireAt: T0 + i * 1000 }, runId: `r${i}` }], T0 + i);
    }
    expect(s.recent).toHaveLength(RECENT_KEPT);
    expect(s.recent[0]!.runId).toBe(`r${RECENT_KEPT + 2}`);
    const twice = claimTrigger(claimTrigger(s, 'me', T0), 'me', T0);
    expect(twice.pending.slice(-2)).toEqual([
      { fireAt: T0, manual: true },
      { fireAt: T0 + 1, manual: true },
    ]);
    const triggered = claimTrigger(s, 'me', T0);
    expect(confirmFires(triggered, [{ fire: { fireAt: T0 }, runId: 'x' }], T0)).toBe(triggered);
    const m = confirmFires(triggered, [{ fire: { fireAt: T0, manual: true }, runId: 'm' }], T0);
    expect(m.recent[0]).toEqual({ runId: 'm', fireAt: T0, manual: true, startedAt: T0 });
  });

  it('lets another process start pending fires only once their claimer is dead or stale', () => {
    const claimed = claimFires(emptyScheduleState(), decision, 'a', T0);
    expect(mayStartPending(claimed, 'a', T0, 30_000, false)).toBe(true);
    expect(mayStartPending(claimed, 'b', T0 + 1000, 30_000, false)).toBe(false);
    expect(mayStartPending(claimed, 'b', T0 + 1000, 30_000, true)).toBe(true);
    expect(mayStartPending(claimed, 'b', T0 + 30_000, 30_000, false)).toBe(true);
    expect(mayStartPending(emptyScheduleState(), 'a', T0, 30_000, true)).toBe(false);
  });

  it('pausing drops a buffered fire and counts it skipped; old states read back with defaults', () => {
    const s = { ...emptyScheduleState(), buffered: T0 };
    expect(pauseState(s)).toEqual({ ...emptyScheduleState(), counts: { ...s.counts, skipped: 1 } });
    expect(pauseState(emptyScheduleState())).toEqual(emptyScheduleState());
    expect(readScheduleState({ counts: { started: 4 } })).toEqual({
      ...emptyScheduleState(),
      counts: { started: 4, skipped: 0, missed: 0, failed: 0 },
    });
  });
});
