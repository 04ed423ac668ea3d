// CEL compilation (errors with offsets, references, scopes) and evaluation with JSON values in and out.
import { describe, expect, it } from 'vitest';
import { CEL_SCOPES, compileCel, evaluateCel, isCelError, type CelCompiled } from '../../../src/spec/cel.js';
import { BatonError } from '../../../src/errors/registry.js';

const compiled = (expr: string, scope = CEL_SCOPES.task): CelCompiled => {
  const r = compileCel(expr, scope);
  if (isCelError(r)) throw new Error(`expected ${expr} to compile: ${r.message}`);
  return r;
};
const names = (refs: ReadonlyArray<{ name: string }>) => refs.map((r) => r.name);

describe('compileCel', () => {
  it('reports a syntax error with its offset in the expression', () => {
    const r = compileCel('1 + + 2', CEL_SCOPES.task);
    expect(isCelError(r)).toBe(true);
    expect(r).toMatchObject({ ok: false, offset: 4, message: expect.stringContaining('PLUS') as unknown });
  });

  it('reports an unterminated string at its start', () => {
    expect(compileCel('"abc', CEL_SCOPES.task)).toMatchObject({ ok: false, offset: 0 });
  });

  it('rejects an unknown function as not compiling', () => {
    expect(compileCel('input.x && frobnicate(1)', CEL_SCOPES.task)).toMatchObject({
      ok: false,
      message: expect.stringContaining('frobnicate') as unknown,
    });
  });

  it('lists tasks read by dot and by a literal index, in source order, once each', () => {
    const c = compiled('tasks.a.output.x > 1 && tasks["b-c"].status == "ok" && tasks.a.attempts < 3');
    expect(c.taskRefs).toEqual([
      { name: 'a', offset: 0 },
      { name: 'b-c', offset: 24 },
    ]);
    expect(names(c.variables)).toEqual(['tasks']);
    expect(c.readsAllTasks).toBe(false);
  });

  it('finds task references inside has() and macros', () => {
    const c = compiled('has(tasks.h.output) && input.list.exists(x, x == tasks.z.output)');
    expect(names(c.taskRefs)).toEqual(['h', 'z']);
  });

  it('walks method calls, unary operators, lists, maps and conditionals', () => {
    const c = compiled(
      '!tasks.a.output.ok ? [-tasks.b.output.n] : [{"k": tasks.c.output.name.startsWith(prefix)}]',
    );
    expect(names(c.taskRefs)).toEqual(['a', 'b', 'c']);
    expect(names(c.outOfScope)).toEqual(['prefix']);
  });

  it('marks computed or whole-map uses of tasks as reading all tasks', () => {
    expect(compiled('tasks[input.k].output').readsAllTasks).toBe(true);
    expect(compiled('size(tasks) > 2').readsAllTasks).toBe(true);
  });

  it('does not count macro-bound names as variables, but does count free ones', () => {
    const c = compiled('input.items.map(x, x * 2).filter(y, y > limit)');
    expect(names(c.variables)).toEqual(['input', 'limit']);
    expect(names(c.outOfScope)).toEqual(['limit']);
  });

  it('lets a bound name shadow tasks and binds cel.bind variables only in its body', () => {
    const shadow = compiled('input.map(tasks, tasks.z)');
    expect(shadow.taskRefs).toEqual([]);
    const bind = compiled('cel.bind(t, tasks.q, t.output + t2)');
    expect(names(bind.taskRefs)).toEqual(['q']);
    expect(names(bind.outOfScope)).toEqual(['t2']);
  });

  it('applies scopes: item/index only in fan-out inputs, event in filters, output in repeat.until', () => {
    expect(names(compiled('item.url + string(index)', CEL_SCOPES.task).outOfScope)).toEqual([
      'item',
      'index',
    ]);
    expect(compiled('item.url + string(index)', CEL_SCOPES.fanOut).outOfScope).toEqual([]);
    expect(compiled('event.data.ok', CEL_SCOPES.eventFilter).outOfScope).toEqual([]);
    expect(compiled('output.score > 0.9 || iteration >= 3', CEL_SCOPES.repeatUntil).outOfScope).toEqual([]);
    expect(compiled('round > 3 || size(messages) > 10', CEL_SCOPES.blockUntil).outOfScope).toEqual([]);
    expect(names(compiled('output.id', CEL_SCOPES.eventFilter).outOfScope)).toEqual(['output']);
  });

  it('returns the same analysis for the same text under different scopes', () => {
    const a = compiled('item.x', CEL_SCOPES.task);
    const b = compiled('item.x', CEL_SCOPES.fanOut);
    expect(a.program).toBe(b.program);
    expect(a.outOfScope).toHaveLength(1);
    expect(b.outOfScope).toHaveLength(0);
  });

  it('refuses an expression too large for the parser with its own message, not a stack overflow', () => {
    const chain = compileCel('input.a + '.repeat(5_000) + '1', CEL_SCOPES.task);
    expect(isCelError(chain) && chain.message).toMatch(/^the expression is too large to compile/);
    // Nesting has the parser's own limit.
    const nested = compileCel('('.repeat(5_000) + '1' + ')'.repeat(5_000), CEL_SCOPES.task);
    expect(isCelError(nested) && nested.message).toMatch(/maxDepth/);
  });

  it('keeps working past the cache limit', () => {
    for (let i = 0; i < 10_050; i++) compiled(`input.n == ${i}`);
    expect(evaluateCel(compiled('input.n == 3'), { input: { n: 3 } })).toBe(true);
  });
});

describe('evaluateCel', () => {
  it('treats whole JSON numbers as CEL ints and returns plain numbers', () => {
    expect(evaluateCel(compiled('tasks.a.output.n + 1'), { tasks: { a: { output: { n: 41 } } } })).toBe(42);
    expect(evaluateCel(compiled('input.x * 2.0'), { input: { x: 1.25 } })).toBe(2.5);
  });

  it('passes only the tasks an expression names, unless it reads the whole map', () => {
    const tasks = { a: { status: 'completed' }, b: { status: 'failed' } };
    expect(evaluateCel(compiled('tasks.a.status'), { tasks })).toBe('completed');
    expect(evaluateCel(compiled('size(tasks)'), { tasks })).toBe(2);
    expect(evaluateCel(compiled('tasks[input.k].status'), { tasks, input: { k: 'b' } })).toBe('failed');
  });

  it('converts CEL values back to JSON-friendly values, keeping key order', () => {
    const v = evaluateCel(
      compiled(
        '{"t": timestamp("2024-01-01T00:00:00Z"), "d": duration("1.5s"), "b": b"hi", "u": 3u, ' +
          '"big": 9007199254740993, "ty": type(1), "l": [1, 2.5, null]}',
      ),
      {},
    );
    expect(v).toEqual({
      t: '2024-01-01T00:00:00.000Z',
      d: '1.5s',
      b: 'aGk=',
      u: 3,
      big: '9007199254740993',
      ty: 'int',
      l: [1, 2.5, null],
    });
    expect(Object.keys(v as object)).toEqual(['t', 'd', 'b', 'u', 'big', 'ty', 'l']);
  });

  it('keeps a "__proto__" key as data', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
    const v = evaluateCel(compiled('input'), { input }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('evaluates nested values, and reports absurd nesting as an evaluation error, not a crash', () => {
    const nest = (depth: number) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    expect(evaluateCel(compiled('size(input)'), { input: nest(1000) })).toBe(1);
    // The CEL library walks values recursively; our own copy does not, so only its limit shows.
    expect(() => evaluateCel(compiled('size(input)'), { input: nest(200_000) })).toThrow(BatonError);
  });

  it('throws BATON_E_CEL_EVALUATION naming the expression and column', () => {
    const c = compiled('input.missing');
    expect(() => evaluateCel(c, { input: {} })).toThrow(BatonError);
    try {
      evaluateCel(c, { input: {} });
    } catch (e) {
      expect((e as BatonError).code).toBe('BATON_E_CEL_EVALUATION');
      expect((e as BatonError).message).toContain('"input.missing"');
    }
  });
});
