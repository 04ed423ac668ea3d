// depends_on rules: unknown and self dependencies, and cycles reported once each with their path.
import { describe, expect, it } from 'vitest';
import { chain, found, validate } from './helpers.js';

describe('dependency rules', () => {
  it('reports unknown dependencies with a suggestion, and self dependencies', () => {
    const ds = validate([
      { id: 'fetch', agent: 'a' },
      { id: 'parse', agent: 'a', depends_on: ['fetsh', 'parse'] },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_UNKNOWN_DEPENDENCY', 'workflow.tasks.1.depends_on.0'],
      ['BATON_E_SELF_DEPENDENCY', 'workflow.tasks.1.depends_on.1'],
    ]);
    expect(ds[0]!.hint).toBe('did you mean "fetch"?');
  });

  it('never suggests the task itself for a dependency it misspells', () => {
    const ds = validate([
      { id: 't1', agent: 'a', depends_on: ['t9'] },
      { id: 'load', agent: 'a' },
    ]);
    expect(found(ds)).toEqual([['BATON_E_UNKNOWN_DEPENDENCY', 'workflow.tasks.0.depends_on.0']]);
    expect(ds[0]!.hint ?? '').not.toContain('"t1"');
  });

  it('stops suggesting after a budget, so a file full of typos stays fast', () => {
    const tasks = [
      { id: 'fetch', agent: 'a' },
      ...Array.from({ length: 150 }, (_, i) => ({ id: `u${i}`, agent: 'a', depends_on: ['fetsh'] })),
    ];
    const hints = validate(tasks).map((d) => d.hint);
    expect(hints).toHaveLength(150);
    expect(hints.filter((h) => h === 'did you mean "fetch"?')).toHaveLength(100);
  });

  it('reports a cycle once, with its path, at the depends_on entry that closes it', () => {
    const ds = validate([
      { id: 'a1', agent: 'a', depends_on: ['c1'] },
      { id: 'b1', agent: 'a', depends_on: ['a1'] },
      { id: 'c1', agent: 'a', depends_on: ['b1'] },
      { id: 'after', agent: 'a', depends_on: ['c1'] },
    ]);
    expect(found(ds)).toEqual([['BATON_E_CYCLE', 'workflow.tasks.1.depends_on.0']]);
    expect(ds[0]!.message).toBe('dependency cycle: a1 -> c1 -> b1 -> a1');
  });

  it('reports each separate cycle, and the shortest loop in a tangled one', () => {
    const ds = validate([
      { id: 'p', agent: 'a', depends_on: ['q'] },
      { id: 'q', agent: 'a', depends_on: ['p', 'r'] },
      { id: 'r', agent: 'a', depends_on: ['q'] },
      { id: 'x', agent: 'a', depends_on: ['y'] },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    expect(ds.map((d) => d.message)).toEqual([
      'dependency cycle: p -> q -> p',
      'dependency cycle: x -> y -> x',
    ]);
    expect(ds[0]!.found).toContain('1 more task(s)');
  });

  it('handles a 100,000-task cycle without recursion', () => {
    const tasks = chain(100_000);
    tasks[0]!.depends_on = ['t99999'];
    const ds = validate(tasks);
    expect(found(ds)).toEqual([['BATON_E_CYCLE', 'workflow.tasks.1.depends_on.0']]);
    expect(ds[0]!.message.startsWith('dependency cycle: t0 -> t99999 -> t99998')).toBe(true);
  });
});
