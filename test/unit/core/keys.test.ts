import { describe, expect, it } from 'vitest';
import {
  attemptKey,
  parseKey,
  parseTimerId,
  timerId,
  unitKey,
  type TimerRef,
} from '../../../src/core/index.js';

describe('instance keys and timer ids', () => {
  it('round-trips keys of tasks, fan-out instances and repeat iterations', () => {
    expect(parseKey('research')).toEqual({ task: 'research', index: -1, iteration: 1, unit: 'research' });
    expect(parseKey('research[12]')).toEqual({
      task: 'research',
      index: 12,
      iteration: 1,
      unit: 'research[12]',
    });
    expect(parseKey('refine#3')).toEqual({ task: 'refine', index: -1, iteration: 3, unit: 'refine' });
    expect(parseKey('r-1[0]#2')).toEqual({ task: 'r-1', index: 0, iteration: 2, unit: 'r-1[0]' });
    expect(attemptKey(unitKey('r', 4), 2)).toBe('r[4]#2');
    expect(attemptKey('r', 1)).toBe('r');
    for (const bad of ['', 'a[', 'a[x]', 'a#', 'a:b', 'a[1][2]']) expect(parseKey(bad)).toBeNull();
  });

  it('round-trips timer ids and rejects others', () => {
    const refs: TimerRef[] = [
      { kind: 'run' },
      { kind: 'wait', task: 'approve' },
      { kind: 'retry', key: 'x[2]#3', attempt: 2 },
      { kind: 'timeout', key: 'x', attempt: 1 },
    ];
    for (const r of refs) expect(parseTimerId(timerId(r))).toEqual(r);
    for (const bad of ['', 'runs', 'retry:x', 'retry:x:y', 'wait:', 'other:x:1'])
      expect(parseTimerId(bad)).toBeNull();
  });
});
