import { describe, expect, it } from 'vitest';
import { BusInvalidArgumentError, compareMessageIds, parseMessageId } from '../../../src/bus/bus.js';

describe('message ids', () => {
  it('order numerically by both parts, where string order would be wrong', () => {
    const ids = ['10-0', '9-0', '9-10', '9-2', '1700000000000-0', '2'];
    expect([...ids].sort(compareMessageIds)).toEqual(['2', '9-0', '9-2', '9-10', '10-0', '1700000000000-0']);
    expect(compareMessageIds('5', '5-0')).toBe(0);
  });

  it('keep precision beyond 2^53, as Redis sequence parts can', () => {
    expect(compareMessageIds('1-9007199254740993', '1-9007199254740992')).toBe(1);
  });

  it('refuse anything that is not <int> or <int>-<int>', () => {
    for (const bad of ['', '-1', '1-', 'a-1', '1-2-3', ' 1-0', '$']) {
      expect(() => parseMessageId(bad)).toThrow(BusInvalidArgumentError);
    }
  });
});
