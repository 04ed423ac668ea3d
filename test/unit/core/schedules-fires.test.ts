// The scheduler's pure decision: which due fires start, wait, are skipped or missed, per overlap policy
// and catch-up window; properties over random intervals, times and policies, then worked examples.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideFires,
  firesAfter,
  MISSED_COUNT_LIMIT,
  SCAN_LIMIT,
  type DecideInput,
  type OverlapPolicy,
  type Timing,
} from '../../../src/core/schedules/index.js';

const T0 = Date.UTC(2026, 0, 1);
const SEC = 1000;

const input = (over: Partial<DecideInput> & Pick<DecideInput, 'now'>): DecideInput => ({
  timing: { kind: 'interval', everyMs: SEC },
  overlap: 'skip',
  catchupWindowMs: 10 * SEC,
  nextFireAt: T0,
  running: false,
  maxStarts: 100,
  recheckMs: SEC,
  ...over,
});

/** Fires of `timing` in [from, to), counted. */
function firesIn(timing: Timing, from: number, to: number | null): number {
  if (to === null) throw new Error('unbounded');
  let n = 0;
  const next = firesAfter(timing, from - 1);
  for (let t = next(); t !== null && t < to; t = next()) n++;
  return n;
}

interface Case {
  everyS: number;
  offsetS: number;
  windowS: number;
  overlap: OverlapPolicy;
  running: boolean;
  buffered: boolean;
  maxStarts: number;
}

const arbCase: fc.Arbitrary<Case> = fc.record({
  everyS: fc.integer({ min: 1, max: 120 }),
  offsetS: fc.integer({ min: 0, max: 5000 }),
  windowS: fc.integer({ min: 1, max: 3000 }),
  overlap: fc.constantFrom<OverlapPolicy>('skip', 'buffer_one', 'allow_all'),
  running: fc.boolean(),
  buffered: fc.boolean(),
  maxStarts: fc.integer({ min: 1, max: 50 }),
});

function caseInput(c: Case): DecideInput {
  const timing: Timing = { kind: 'interval', everyMs: c.everyS * SEC };
  // The schedule's next fire is one of its own fire times (the first at or after T0).
  const first = firesAfter(timing, T0 - 1)()!;
  return input({
    timing,
    overlap: c.overlap,
    catchupWindowMs: c.windowS * SEC,
    nextFireAt: first,
    now: first + c.offsetS * SEC,
    running: c.running,
    maxStarts: c.maxStarts,
    ...(c.buffered && c.overlap === 'buffer_one' && { buffered: first - c.everyS * SEC }),
  });
}

describe('decideFires properties', () => {
  it('accounts for every fire it moves past exactly once: started, buffered, skipped or missed', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = caseInput(c);
        const r = decideFires(d);
        const consumed = firesIn(d.timing, d.nextFireAt!, r.nextFireAt);
        const fromBuffer = d.buffered !== undefined && r.start[0] === d.buffered ? 1 : 0;
        const newlyBuffered = r.buffered !== undefined && r.buffered !== d.buffered ? 1 : 0;
        expect(r.start.length - fromBuffer + newlyBuffered + r.skipped + r.missed).toBe(consumed);
      }),
    );
  });

  it('starts only fires inside the catch-up window, never one in the future, oldest first', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = caseInput(c);
        const r = decideFires(d);
        const fresh = r.start.filter((t) => t !== d.buffered);
        for (const t of fresh) {
          expect(t).toBeLessThanOrEqual(d.now);
          expect(t).toBeGreaterThanOrEqual(d.now - d.catchupWindowMs);
        }
        expect([...r.start].sort((a, b) => a - b)).toEqual(r.start);
      }),
    );
  });

  it('never overlaps under skip or buffer_one; allow_all starts up to maxStarts and skips nothing', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = caseInput(c);
        const r = decideFires(d);
        if (d.overlap === 'allow_all') {
          expect(r.start.length).toBeLessThanOrEqual(d.maxStarts);
          expect(r.skipped).toBe(0);
        } else {
          expect(r.start.length).toBeLessThanOrEqual(d.running ? 0 : 1);
        }
        if (d.overlap !== 'buffer_one') expect(r.buffered).toBeUndefined();
      }),
    );
  });

  it('leaves the next fire in the future unless it stopped early, and then wakes at once', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = caseInput(c);
        const r = decideFires(d);
        if (r.wakeAt === d.now) return; // capped: the next decision goes on
        expect(r.nextFireAt).toBeGreaterThan(d.now);
        if (r.buffered === undefined) expect(r.wakeAt).toBe(r.nextFireAt);
        else expect(r.wakeAt).toBe(Math.min(r.nextFireAt!, d.now + d.recheckMs));
      }),
    );
  });

  it('converges: deciding again at the same time, fed its own answer, does nothing more', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        let d = caseInput(c);
        let r = decideFires(d);
        for (let i = 0; i < 10_000 && r.wakeAt === d.now; i++) {
          d = {
            ...d,
            nextFireAt: r.nextFireAt,
            running: d.running || r.start.length > 0,
            ...(r.buffered !== undefined ? { buffered: r.buffered } : {}),
          };
          r = decideFires(d);
        }
        const again = decideFires({
          ...d,
          nextFireAt: r.nextFireAt,
          running: true,
          ...(r.buffered !== undefined ? { buffered: r.buffered } : {}),
        });
        expect(again.start).toEqual([]);
        expect(again.skipped + again.missed).toBe(0);
      }),
    );
  });

  it('allow_all with a wide window starts the same fires whether it ticks often or once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
        (everyS, offsets) => {
          const base = input({
            timing: { kind: 'interval', everyMs: everyS * SEC },
            overlap: 'allow_all',
            catchupWindowMs: 10_000 * SEC,
            maxStarts: 10_000,
            now: 0,
          });
          const ticks = [...offsets].sort((a, b) => a - b).map((o) => T0 + o * SEC);
          const last = ticks.at(-1)!;
          const once = decideFires({ ...base, now: last }).start;
          let next: number | null = T0;
          const often: number[] = [];
          for (const now of ticks) {
            const r = decideFires({ ...base, nextFireAt: next, now });
            often.push(...r.start);
            next = r.nextFireAt;
          }
          expect(often).toEqual(once);
        },
      ),
    );
  });
});

describe('decideFires examples', () => {
  it('starts the one due fire and moves on to the next', () => {
    const r = decideFires(input({ now: T0 + 200 }));
    expect(r).toEqual({ start: [T0], nextFireAt: T0 + SEC, skipped: 0, missed: 0, wakeAt: T0 + SEC });
  });

  it('does nothing before the next fire', () => {
    const r = decideFires(input({ now: T0 - 1 }));
    expect(r).toEqual({ start: [], nextFireAt: T0, skipped: 0, missed: 0, wakeAt: T0 });
  });

  it('skip: a due fire while the previous run goes on is skipped and counted', () => {
    const r = decideFires(input({ now: T0 + 2500, running: true }));
    expect(r.start).toEqual([]);
    expect(r.skipped).toBe(3);
    expect(r.nextFireAt).toBe(T0 + 3 * SEC);
  });

  it('buffer_one: keeps the first fire that came while the run went on, starts it once the run ended', () => {
    const busy = decideFires(input({ overlap: 'buffer_one', now: T0 + 2500, running: true }));
    expect(busy).toMatchObject({ start: [], buffered: T0, skipped: 2, wakeAt: T0 + 3 * SEC });
    const ended = decideFires(
      input({
        overlap: 'buffer_one',
        now: T0 + 2700,
        nextFireAt: busy.nextFireAt,
        buffered: busy.buffered!,
        running: false,
      }),
    );
    expect(ended).toMatchObject({ start: [T0], skipped: 0, nextFireAt: T0 + 3 * SEC });
    expect(ended.buffered).toBeUndefined();
  });

  it('buffer_one: while a fire waits, the scheduler looks again within recheckMs', () => {
    const r = decideFires(
      input({
        overlap: 'buffer_one',
        timing: { kind: 'interval', everyMs: 3600 * SEC },
        now: T0 + 5,
        running: true,
        recheckMs: 250,
      }),
    );
    expect(r.buffered).toBe(T0);
    expect(r.wakeAt).toBe(T0 + 5 + 250);
  });

  it('catch-up: after downtime, fires inside the window start (per policy), older ones are missed', () => {
    // Down from T0 for 60 s; window 10 s: fires T0..T0+49s are missed, T0+50s..T0+60s are due.
    const allow = decideFires(input({ overlap: 'allow_all', now: T0 + 60 * SEC }));
    expect(allow.missed).toBe(50);
    expect(allow.start).toEqual(Array.from({ length: 11 }, (_, i) => T0 + (50 + i) * SEC));
    const skip = decideFires(input({ overlap: 'skip', now: T0 + 60 * SEC }));
    expect(skip).toMatchObject({ start: [T0 + 50 * SEC], skipped: 10, missed: 50 });
    const buffer = decideFires(input({ overlap: 'buffer_one', now: T0 + 60 * SEC }));
    expect(buffer).toMatchObject({ start: [T0 + 50 * SEC], buffered: T0 + 51 * SEC, skipped: 9, missed: 50 });
  });

  it('counts a cron schedule’s missed fires up to the limit, then jumps into the window', () => {
    const timing: Timing = { kind: 'cron', cron: '* * * * * *', timezone: 'UTC' };
    const now = T0 + 5000 * SEC;
    const r = decideFires(input({ timing, now, overlap: 'skip' }));
    expect(r.missed).toBe(MISSED_COUNT_LIMIT);
    expect(r.start).toEqual([now - 10 * SEC]);
    expect(r.nextFireAt).toBe(now + SEC);
  });

  it('looks at no more than SCAN_LIMIT due fires per decision and asks to be called again', () => {
    const r = decideFires(input({ now: T0 + 5000 * SEC, catchupWindowMs: 10_000 * SEC, running: true }));
    expect(r.skipped).toBe(SCAN_LIMIT);
    expect(r.wakeAt).toBe(T0 + 5000 * SEC);
    expect(r.nextFireAt).toBe(T0 + SCAN_LIMIT * SEC);
  });

  it('allow_all stops at maxStarts and picks up from the first fire it did not start', () => {
    const r = decideFires(input({ overlap: 'allow_all', now: T0 + 9 * SEC, maxStarts: 4 }));
    expect(r.start).toEqual([T0, T0 + SEC, T0 + 2 * SEC, T0 + 3 * SEC]);
    expect(r.nextFireAt).toBe(T0 + 4 * SEC);
    expect(r.wakeAt).toBe(T0 + 9 * SEC);
  });

  it('a schedule with no fire left stays asleep', () => {
    expect(decideFires(input({ now: T0, nextFireAt: null }))).toEqual({
      start: [],
      nextFireAt: null,
      skipped: 0,
      missed: 0,
      wakeAt: null,
    });
  });
});
