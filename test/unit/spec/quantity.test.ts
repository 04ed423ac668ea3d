// Durations, CPU and memory as people write them, to ms, millicores and bytes, and back.

import { describe, expect, it } from 'vitest';
import {
  formatCpu,
  formatDuration,
  formatMemory,
  parseCpu,
  parseDuration,
  parseMemory,
} from '../../../src/spec/quantity.js';

const value = (r: { ok: boolean; value?: number }) => (r.ok ? r.value : undefined);

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5 s', 1500],
    ['2sec', 2000],
    ['5m', 300_000],
    ['10min', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [90, 90_000],
    [0.25, 250],
    [0, 0],
  ])('%s is %i ms', (input, ms) => {
    expect(value(parseDuration(input))).toBe(ms);
  });

  it.each(['', 'soon', '5 years', '-1s', '1h30m'])('rejects %j with a reason', (input) => {
    expect(parseDuration(input)).toEqual({
      ok: false,
      reason: expect.stringContaining('duration') as string,
    });
  });

  it('rejects negative and non-finite numbers', () => {
    expect(parseDuration(-1).ok).toBe(false);
    expect(parseDuration(Infinity).ok).toBe(false);
  });
});

describe('parseCpu', () => {
  it.each([
    ['4 cores', 4000],
    ['1 core', 1000],
    ['1.5', 1500],
    ['2 CPUs', 2000],
    ['1 vcpu', 1000],
    ['500m', 500],
    [2, 2000],
    [0.5, 500],
  ])('%s is %i millicores', (input, m) => {
    expect(value(parseCpu(input))).toBe(m);
  });

  it.each(['lots', '0', '0m', '-1', '4 gpus'])('rejects %j', (input) => {
    expect(parseCpu(input).ok).toBe(false);
  });

  it('rejects zero, negative and non-finite numbers', () => {
    expect(parseCpu(0).ok).toBe(false);
    expect(parseCpu(-2).ok).toBe(false);
    expect(parseCpu(NaN).ok).toBe(false);
  });
});

describe('parseMemory', () => {
  it.each([
    ['8GB', 8e9],
    ['512MB', 512e6],
    ['512 mb', 512e6],
    ['1Gi', 1024 ** 3],
    ['256 MiB', 256 * 1024 ** 2],
    ['64k', 64_000],
    ['2T', 2e12],
    ['100', 100],
    [1_048_576, 1_048_576],
  ])('%s is %i bytes', (input, bytes) => {
    expect(value(parseMemory(input))).toBe(bytes);
  });

  it.each(['8 gigs', 'GB', '0MB', '-5MB'])('rejects %j', (input) => {
    expect(parseMemory(input).ok).toBe(false);
  });

  it('rejects a fractional, zero or negative byte count', () => {
    expect(parseMemory(1.5).ok).toBe(false);
    expect(parseMemory(0).ok).toBe(false);
    expect(parseMemory(-1).ok).toBe(false);
  });
});

describe('formatters', () => {
  it('write CPU in cores', () => {
    expect(formatCpu(4000)).toBe('4 cores');
    expect(formatCpu(1500)).toBe('1.5 cores');
    expect(formatCpu(250)).toBe('0.25 cores');
    expect(formatCpu(1000)).toBe('1 core');
  });

  it('write memory in the largest decimal unit', () => {
    expect(formatMemory(8e9)).toBe('8GB');
    expect(formatMemory(1024 ** 3)).toBe('1.07GB');
    expect(formatMemory(512e6)).toBe('512MB');
    expect(formatMemory(2048)).toBe('2.05KB');
    expect(formatMemory(999)).toBe('999B');
  });

  it('write durations in the largest exact unit', () => {
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(1500)).toBe('1500ms');
  });

  it('round-trip with the parsers', () => {
    for (const ms of [250, 1000, 90_000, 3_600_000])
      expect(value(parseDuration(formatDuration(ms)))).toBe(ms);
    for (const m of [500, 1000, 2500]) expect(value(parseCpu(formatCpu(m)))).toBe(m);
  });
});
