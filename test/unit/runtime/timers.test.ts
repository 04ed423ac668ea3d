import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerSet } from '../../../src/runtime/timers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('timers', () => {
  it('fires at its time; re-arming an id replaces it; clearing stops it', () => {
    const timers = new TimerSet(() => Date.now());
    const fired: string[] = [];
    const t0 = Date.now();
    timers.arm('retry:a:2', t0 + 100, () => fired.push('first'));
    timers.arm('retry:a:2', t0 + 300, () => fired.push('replaced'));
    timers.arm('timeout:b:1', t0 + 200, () => fired.push('b'));
    timers.arm('wait:c', t0 + 50, () => fired.push('c'));
    timers.clear('wait:c');
    vi.advanceTimersByTime(250);
    expect(fired).toEqual(['b']);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['b', 'replaced']);
    expect(timers.size).toBe(0);
  });

  it('fires a timer that is already due at once, and one beyond setTimeout range in steps', () => {
    const timers = new TimerSet(() => Date.now());
    const fired: string[] = [];
    timers.arm('late', Date.now() - 1000, () => fired.push('late'));
    timers.arm('far', Date.now() + 30 * 86_400_000, () => fired.push('far')); // 30 days > 2^31-1 ms
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['late']);
    vi.advanceTimersByTime(29 * 86_400_000);
    expect(fired).toEqual(['late']);
    vi.advanceTimersByTime(86_400_000);
    expect(fired).toEqual(['late', 'far']);
  });

  it('clearAll stops every timer of a run', () => {
    const timers = new TimerSet(() => Date.now());
    const fired: string[] = [];
    for (const id of ['a', 'b', 'c']) timers.arm(id, Date.now() + 10, () => fired.push(id));
    timers.clearAll();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });
});
