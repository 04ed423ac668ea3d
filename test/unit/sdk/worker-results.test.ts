// The SDK worker's memory of finished results (sdk/src/worker-results.ts): bounded LRU, confirmation,
// and the result file a restarted worker reads back, cut-short last line included.

import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ResultCache } from '../../../sdk/src/worker-results.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('forgets the least recently used beyond max, and lists only unconfirmed results', () => {
  const cache = new ResultCache({ max: 2 });
  cache.put('a', 'l1', { outputs: { n: 1 } });
  cache.put('b', 'l2', { outputs: { n: 2 } });
  cache.rebind('a', 'l3'); // a re-delivery touches it
  cache.put('c', 'l4', { outputs: { n: 3 } });
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toMatchObject({ leaseId: 'l3', result: { outputs: { n: 1 } } });
  cache.confirm('a');
  expect(cache.unconfirmed(10).map((r) => r.messageId)).toEqual(['c']);
  expect(() => new ResultCache({ max: 0 })).toThrow(/results\.max/);
});

it('keeps results in a file that a restarted worker reads back, skipping a line cut short by a crash', () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-results-'));
  const file = join(dir, 'results.jsonl');
  const first = new ResultCache({ file, max: 100 });
  first.put('a', 'l1', { outputs: { n: 1 } });
  first.put('b', 'l2', { failure: { code: 'X', message: 'no', retryable: false, retryAfter: undefined } });
  first.confirm('a');
  first.close();
  appendFileSync(file, '{"m":"c","l":"l3","r":{"outp'); // the process died mid-write
  const again = new ResultCache({ file, max: 100 });
  expect(again.get('a')).toMatchObject({ confirmed: true });
  expect(again.get('b')).toMatchObject({ confirmed: false, result: { failure: { code: 'X' } } });
  expect(again.get('c')).toBeUndefined();
  expect(again.unconfirmed(10).map((r) => r.messageId)).toEqual(['b']);
  // Reading it back rewrote the file to what is remembered (the torn line is gone).
  expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  again.close();
});

it('compacts the file once it holds far more lines than are remembered', () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-results-'));
  const file = join(dir, 'results.jsonl');
  const cache = new ResultCache({ file, max: 1 });
  for (let i = 0; i < 1100; i++) cache.put(`k${i}`, `l${i}`, { outputs: { i } });
  cache.close();
  expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeLessThan(1100);
  expect(new ResultCache({ file, max: 1 }).get('k1099')).toMatchObject({ result: { outputs: { i: 1099 } } });
});
