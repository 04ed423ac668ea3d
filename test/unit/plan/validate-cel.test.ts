// CEL rules: compile errors, unknown variables per place, unknown and non-upstream tasks, when false.
import { describe, expect, it } from 'vitest';
import { found, validate } from './helpers.js';

describe('CEL rules', () => {
  it('reports syntax errors with the column inside the expression', () => {
    const ds = validate([{ id: 't', agent: 'a', when: 'input.x > > 1' }]);
    expect(found(ds)).toEqual([['BATON_E_CEL_SYNTAX', 'workflow.tasks.0.when']]);
    expect(ds[0]!.message).toMatch(/^CEL error at column 11 of the expression: /);
    expect(ds[0]!.found).toBe('input.x > > 1');
  });

  it('checks every place an expression can be written', () => {
    const bad = '1 +';
    const ds = validate([
      { id: 'src', agent: 'a' },
      {
        id: 't',
        agent: 'a',
        depends_on: ['src'],
        when: bad,
        parallel: true,
        for_each: bad,
        input: { q: bad },
        repeat: { until: bad, max_iterations: 3 },
        on: { channel: 'data_updates', filter: bad },
        emits: [{ channel: 'data_updates', data: bad }, 'data_updates'],
        compensate: { agent: 'b', input: { why: bad } },
      },
      { id: 'w', agent: 'a', wait_for: { channel: 'data_updates', filter: bad, timeout: '1s' }, input: bad },
      { id: 'blk', block: { pattern: 'debate', agents: ['a', 'b'], until: bad } },
    ]);
    expect(
      found(ds)
        .map(([, path]) => path)
        .sort(),
    ).toEqual(
      [
        'workflow.tasks.1.when',
        'workflow.tasks.1.for_each',
        'workflow.tasks.1.input.q',
        'workflow.tasks.1.repeat.until',
        'workflow.tasks.1.on.filter',
        'workflow.tasks.1.emits.0.data',
        'workflow.tasks.1.compensate.input.why',
        'workflow.tasks.2.input',
        'workflow.tasks.2.wait_for.filter',
        'workflow.tasks.3.block.until',
      ].sort(),
    );
    expect(new Set(ds.map((d) => d.code))).toEqual(new Set(['BATON_E_CEL_SYNTAX']));
  });

  it('allows each variable only where it exists, and says where it does', () => {
    const ds = validate([
      { id: 'src', agent: 'a' },
      { id: 'fan', agent: 'a', depends_on: ['src'], parallel: true, input: { url: 'item.url', n: 'index' } },
      { id: 'plain', agent: 'a', input: 'item.url', when: 'event.ok' },
      {
        id: 'loop',
        agent: 'a',
        repeat: { until: 'output.done || iteration > 3 || round > 1', max_iterations: 5 },
      },
      { id: 'typo', agent: 'a', when: 'inptu.x' },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_CEL_UNKNOWN_VARIABLE', 'workflow.tasks.2.input'],
      ['BATON_E_CEL_UNKNOWN_VARIABLE', 'workflow.tasks.2.when'],
      ['BATON_E_CEL_UNKNOWN_VARIABLE', 'workflow.tasks.3.repeat.until'],
      ['BATON_E_CEL_UNKNOWN_VARIABLE', 'workflow.tasks.4.when'],
    ]);
    expect(ds[0]!.hint).toBe('item exists in the input of a fan-out task (parallel)');
    expect(ds[1]!.hint).toBe('event exists in on and wait_for filters');
    expect(ds[3]!.hint).toBe('did you mean "input"?');
  });

  it('reports unknown tasks and tasks that are not upstream', () => {
    const ds = validate([
      { id: 'fetch', agent: 'a' },
      { id: 'side', agent: 'a' },
      { id: 'mid', agent: 'a', depends_on: ['fetch'] },
      {
        id: 'use',
        agent: 'a',
        depends_on: ['mid'],
        when: 'tasks.fetch.output.ok && tasks.side.output.ok && tasks.fecth.ok',
      },
      { id: 'later', agent: 'a', depends_on: ['use'] },
      { id: 'early', agent: 'a', depends_on: ['fetch'], input: 'tasks.later.output' },
      {
        id: 'me',
        agent: 'a',
        when: 'tasks.me.status == "done"',
        emits: [{ channel: 'data_updates', data: 'tasks.me.output' }],
      },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_CEL_UNKNOWN_TASK', 'workflow.tasks.3.when'],
      ['BATON_E_CEL_NOT_UPSTREAM', 'workflow.tasks.3.when'],
      ['BATON_E_CEL_NOT_UPSTREAM', 'workflow.tasks.5.input'],
      ['BATON_E_CEL_NOT_UPSTREAM', 'workflow.tasks.6.when'],
    ]);
    expect(ds[1]!.message).toBe('task "use" reads task "side", which is not upstream of it');
    expect(ds[0]!.hint).toBe('did you mean "fetch"?');
    expect(ds[3]!.message).toBe('task "me" reads its own output before it runs');
  });

  it('answers upstream questions beyond 32 distinct candidates (several bitset passes)', () => {
    const roots = Array.from({ length: 70 }, (_, i) => ({ id: `r${i}`, agent: 'a' }));
    const join = { id: 'join', agent: 'a', depends_on: roots.map((r) => r.id) };
    const reads = roots.map((r) => `tasks.${r.id}.output`).join(' + ');
    const ds = validate([
      ...roots,
      join,
      { id: 'after', agent: 'a', depends_on: ['join'], input: reads },
      { id: 'stray', agent: 'a', input: reads },
    ]);
    expect(ds).toHaveLength(70);
    expect(new Set(ds.map((d) => d.path.join('.')))).toEqual(new Set(['workflow.tasks.72.input']));
  });

  it('reports a when that is always false as unreachable, but not one that fails or depends on data', () => {
    const ds = validate([
      { id: 'never', agent: 'a', when: 'false' },
      { id: 'folded', agent: 'a', when: '1 > 2' },
      { id: 'fails', agent: 'a', when: '1 / 0 == 1' },
      { id: 'data', agent: 'a', when: 'input.go' },
      { id: 'always', agent: 'a', when: 'true' },
    ]);
    expect(found(ds)).toEqual([
      ['BATON_E_UNREACHABLE_TASK', 'workflow.tasks.0.when'],
      ['BATON_E_UNREACHABLE_TASK', 'workflow.tasks.1.when'],
    ]);
  });

  it('skips order checks for the second task of a duplicate id and for tasks in a cycle', () => {
    const ds = validate([
      { id: 'x', agent: 'a' },
      { id: 'x', agent: 'a', when: 'tasks.y.ok' },
      { id: 'y', agent: 'a', depends_on: ['z'] },
      { id: 'z', agent: 'a', depends_on: ['y'], when: 'tasks.x.ok' },
    ]);
    expect(found(ds).map(([code]) => code)).toEqual(['BATON_E_DUPLICATE_TASK', 'BATON_E_CYCLE']);
  });
});
