import { describe, expect, it } from 'vitest';
import { resolveRunInput } from '../../../src/spec/run-input.js';
import { Workflow } from '../../../src/spec/schema.js';

const spec = Workflow.parse({
  name: 'w',
  version: '1',
  inputs: {
    question: { description: 'what to research', required: true },
    depth: { default: 2 },
  },
  agents: { a: { type: 't' } },
  tasks: [{ id: 'one', agent: 'a' }],
});

describe('run input', () => {
  it('fills declared defaults and keeps what the caller gave', () => {
    expect(resolveRunInput(spec, { question: 'q', extra: true })).toEqual({
      question: 'q',
      depth: 2,
      extra: true,
    });
    expect(resolveRunInput(spec, { question: 'q', depth: 5 })).toEqual({ question: 'q', depth: 5 });
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
