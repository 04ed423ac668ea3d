// Did-you-mean suggestions: the distance counts swaps as one edit, and only close words are offered.

import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../../src/spec/suggest.js';

const TASK_KEYS = [
  'id',
  'agent',
  'description',
  'depends_on',
  'when',
  'parallel',
  'for_each',
  'on',
  'emits',
  'timeout',
];

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['dependson', 'depends_on', 1],
    ['agnet', 'agent', 1],
    ['ca', 'abc', 3],
    ['timeout', 'timeout', 0],
  ])('%s -> %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch / didYouMean', () => {
  it('corrects the usual slips in a key', () => {
    expect(didYouMean('dependson', TASK_KEYS)).toBe('did you mean "depends_on"?');
    expect(didYouMean('depend_on', TASK_KEYS)).toBe('did you mean "depends_on"?');
    expect(didYouMean('agnet', TASK_KEYS)).toBe('did you mean "agent"?');
    expect(didYouMean('Timeout', TASK_KEYS)).toBe('did you mean "timeout"?');
  });

  it('offers nothing when no candidate is close, and holds short words to one edit', () => {
    expect(didYouMean('colour', TASK_KEYS)).toBeUndefined();
    expect(closestMatch('ix', ['on'])).toBeUndefined();
    expect(closestMatch('od', ['id'])).toBe('id');
    expect(closestMatch('anything', [])).toBeUndefined();
  });

  it('never suggests the word itself, and prefers the closest then the first candidate', () => {
    expect(closestMatch('agent', ['agent'])).toBeUndefined();
    expect(closestMatch('cat', ['bat', 'cut'])).toBe('bat');
    expect(closestMatch('supervsior', ['swarm', 'supervisor', 'superviser'])).toBe('supervisor');
  });
});
