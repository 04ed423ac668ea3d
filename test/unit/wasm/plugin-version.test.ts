// Version ranges of plugin references: `@1.2` is the highest 1.2.x, in semver order (not string order),
// pre-releases only when named exactly.

import { describe, expect, it } from 'vitest';
import { compareVersions, parsePluginRef, resolveVersion } from '../../../src/wasm/index.js';

const stored = ['1.2.0', '1.10.0', '1.2.10', '1.2.9', '1.3.0-rc.1', '1.2.11-beta', '2.0.0'];

describe('resolveVersion', () => {
  it('resolves major.minor to its highest release (1.2.10 above 1.2.9, pre-releases skipped)', () => {
    expect(resolveVersion(stored, '1.2')).toBe('1.2.10');
    expect(resolveVersion(stored, '1.10')).toBe('1.10.0');
    expect(resolveVersion(stored, '1.3')).toBeUndefined();
    expect(resolveVersion(stored, '1.4')).toBeUndefined();
  });
  it('resolves a major to its highest release, an exact version only to itself, none to the highest', () => {
    expect(resolveVersion(stored, '1')).toBe('1.10.0');
    expect(resolveVersion(stored, '1.2.9')).toBe('1.2.9');
    expect(resolveVersion(stored, '1.3.0-rc.1')).toBe('1.3.0-rc.1');
    expect(resolveVersion(stored, '1.2.8')).toBeUndefined();
    expect(resolveVersion(stored, undefined)).toBe('2.0.0');
    expect(resolveVersion(['0.1.0-alpha'], undefined)).toBe('0.1.0-alpha');
    expect(resolveVersion(stored, 'latest')).toBeUndefined();
  });
});

describe('compareVersions', () => {
  it('orders by semver precedence', () => {
    const sorted = [
      '1.0.0',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '0.9.9',
      '1.0.0-1',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      '0.9.9',
      '1.0.0-1',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0',
    ]);
  });
});

describe('parsePluginRef', () => {
  it('splits owner/name@range; a bare name has no version', () => {
    expect(parsePluginRef('acme/auction@1.2')).toEqual({ name: 'acme/auction', version: '1.2' });
    expect(parsePluginRef('swarm')).toEqual({ name: 'swarm', version: undefined });
  });
});
