// The guard between the YAML parser and zod: a billion-laughs file is stopped at the alias that
// blows up, legitimate anchors pass, and nesting beyond the limit is caught even through aliases.

import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { checkValueBudget } from '../../../src/spec/value-budget.js';

const laughs = (levels: number): string => {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  return lines.join('\n');
};

describe('checkValueBudget', () => {
  it('counts every value each time it is reached, and stops a billion laughs at an alias use', () => {
    const bomb = load(laughs(9));
    const problem = checkValueBudget(bomb, 1_000_000, 64);
    expect(problem).toMatchObject({ code: 'BATON_E_YAML_ALIAS_LIMIT', path: ['f', 7] });
    expect(problem?.message).toContain('more than 1000000 values');
  });

  it('passes legitimate sharing within the budget', () => {
    const doc = load('defaults: &d { retry: 3 }\ntasks: [{ x: *d }, { x: *d }, { x: *d }]\n');
    expect(checkValueBudget(doc, 100, 64)).toBeUndefined();
    // The root, then a: 1 + 10, b: 1 + 10 * 11, c: 1 + 10 * 111.
    expect(checkValueBudget(load(laughs(3)), 1234, 64)).toBeUndefined();
    expect(checkValueBudget(load(laughs(3)), 1233, 64)).toMatchObject({ code: 'BATON_E_YAML_ALIAS_LIMIT' });
  });

  it('reports the full path when the budget runs out without aliases', () => {
    expect(checkValueBudget({ list: [1, 2, 3, 4] }, 4, 64)).toMatchObject({
      code: 'BATON_E_YAML_ALIAS_LIMIT',
      path: ['list', 2],
    });
  });

  it('bounds nesting, counting the root as level 0', () => {
    const nested = (n: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    expect(checkValueBudget(nested(3), 100, 3)).toBeUndefined();
    expect(checkValueBudget(nested(4), 100, 3)).toMatchObject({
      code: 'BATON_E_YAML_TOO_DEEP',
      path: [0, 0, 0, 0],
    });
    expect(checkValueBudget({ a: { b: 1 } }, 100, 1)).toMatchObject({
      code: 'BATON_E_YAML_TOO_DEEP',
      path: ['a', 'b'],
    });
  });

  it('sees depth that only aliases create, and walks 100,000 levels without recursion', () => {
    const doc = load('a: &a [[[1]]]\nb: &b [[[*a]]]\nc: [[[*b]]]\n');
    expect(checkValueBudget(doc, 1000, 8)).toMatchObject({
      code: 'BATON_E_YAML_TOO_DEEP',
      path: ['c', 0, 0, 0, 0, 0, 0, 0, 0],
    });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { k: deep };
    expect(checkValueBudget(deep, 1_000_000, 64)?.code).toBe('BATON_E_YAML_TOO_DEEP');
  });

  it('accepts scalars and empty documents', () => {
    expect(checkValueBudget(null, 1, 0)).toBeUndefined();
    expect(checkValueBudget('text', 1, 0)).toBeUndefined();
    expect(checkValueBudget({}, 1, 0)).toBeUndefined();
  });
});
