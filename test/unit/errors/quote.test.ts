import { describe, expect, it } from 'vitest';
import { quote } from '../../../src/errors/quote.js';

describe('quote', () => {
  it('quotes a short value whole, as a JSON string with control characters escaped', () => {
    expect(quote('run_1')).toBe('"run_1"');
    expect(quote('a\nb\u0007"c"')).toBe('"a\\nb\\u0007\\"c\\""');
  });

  it('cuts a long value to a prefix and says how long it was', () => {
    const q = quote('x'.repeat(100_000));
    expect(q).toBe(`"${'x'.repeat(64)}…" (100000 characters)`);
    expect(quote('abcdef', 3)).toBe('"abc…" (6 characters)');
  });

  it('never cuts a surrogate pair in half', () => {
    const q = quote(`ab${'😀'.repeat(10)}`, 3);
    expect(q).toBe('"ab…" (22 characters)');
    expect(q).not.toMatch(/\\ud/);
  });
});
