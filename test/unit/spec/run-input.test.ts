import { describe, expect, it } from 'vitest';
import { resolveRunInput } from '../../../src/spec/run-input.js';
import { Workflow } from '../../../src/spec/schema.js';

const spec = Workflow.parse({
  name: 'w',
  version: '1',
  inputs: {
    question: { description: 'what to research', type: 'string', required: true },
    depth: { default: 2 },
  },
  agents: { a: { type: 't' } },
  tasks: [{ id: 'one', agent: 'a' }],
});

function catchError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('run input', () => {
  it('fills declared defaults and keeps what the caller gave', () => {
    expect(resolveRunInput(spec, { question: 'q' })).toEqual({ question: 'q', depth: 2 });
    expect(resolveRunInput(spec, { question: 'q', depth: 5 })).toEqual({ question: 'q', depth: 5 });
    // A default of 2 asks for a number, not only a whole one.
    expect(resolveRunInput(spec, { question: 'q', depth: 2.5 })).toEqual({ question: 'q', depth: 2.5 });
  });

  it('refuses a key the workflow does not declare, suggesting the declared one it is closest to', () => {
    const e = catchError(() => resolveRunInput(spec, { questoin: 'q' }));
    expect(e).toMatchObject({ code: 'BATON_E_UNKNOWN_INPUT' });
    expect(e.message).toContain(
      'workflow w has no input "questoin": did you mean "question"? (its inputs: question, depth)',
    );
    // The missing required input is reported in the same message.
    expect(e.message).toContain('needs input "question"');
    expect(() => resolveRunInput(spec, { question: 'q', zzz: 1 })).toThrow(
      /has no input "zzz" \(its inputs: question, depth\)$/,
    );
  });

  it('refuses a value whose type is not the declared type, or the type of the default', () => {
    expect(() => resolveRunInput(spec, { question: 42 })).toThrow(
      expect.objectContaining({
        code: 'BATON_E_WRONG_TYPE',
        message: 'input "question" of workflow w must be a string, not integer 42',
      }),
    );
    expect(() => resolveRunInput(spec, { question: 'q', depth: 'deep' })).toThrow(
      'input "depth" of workflow w must be a number (the type of its default), not string "deep"',
    );
    expect(() => resolveRunInput(spec, { question: 'q', depth: null })).toThrow(/not null null/);
    const typed = {
      ...spec,
      inputs: {
        n: { type: 'integer' as const, required: false },
        l: { type: 'array' as const, required: false },
      },
    };
    expect(resolveRunInput(typed, { n: 3, l: [1] })).toEqual({ n: 3, l: [1] });
    expect(() => resolveRunInput(typed, { n: 3.5 })).toThrow(
      'input "n" of workflow w must be an integer, not number 3.5',
    );
    expect(() => resolveRunInput(typed, { l: { a: 1 } })).toThrow('must be an array, not object {"a":1}');
  });

  it('names a required input that is missing, with its description', () => {
    expect(() => resolveRunInput(spec, {})).toThrow(/needs input "question" \(what to research\)/);
    expect(() => resolveRunInput(spec, undefined)).toThrow(
      expect.objectContaining({ code: 'BATON_E_MISSING_INPUT' }),
    );
  });

  it('refuses an input that is not an object when inputs are declared', () => {
    expect(() => resolveRunInput(spec, [1, 2])).toThrow(
      expect.objectContaining({ code: 'BATON_E_WRONG_TYPE' }),
    );
  });

  it('passes any input through when the workflow declares none', () => {
    const plain = { ...spec, inputs: undefined };
    expect(resolveRunInput(plain, [1, 2])).toEqual([1, 2]);
    expect(resolveRunInput(plain, undefined)).toEqual({});
  });
});
