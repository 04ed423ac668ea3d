// What an A2A message gives a served workflow: its run input (a data part; else text for the one string
// input or `input`), the answer to a task waiting for input, and the spec's errors when it gives neither.

import { Role, type Message } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { answerOf, runInputOf } from '../../../src/a2a/message-input.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';

const spec = (inputs?: Record<string, unknown>): WorkflowSpec =>
  Workflow.parse({
    name: 'w',
    version: '1',
    ...(inputs && { inputs }),
    agents: { a: { type: 't' } },
    tasks: [{ id: 'x', agent: 'a' }],
  });

type PartOf = Message['parts'][number];
const part = (content: PartOf['content']): PartOf => ({
  content,
  metadata: undefined,
  filename: '',
  mediaType: '',
});
const msg = (...parts: PartOf[]): Message => ({
  messageId: 'm',
  contextId: '',
  taskId: '',
  role: Role.ROLE_USER,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});
const text = (value: string) => part({ $case: 'text', value });
const data = (value: unknown) => part({ $case: 'data', value });
const file = () => part({ $case: 'url', value: 'http://x/f.pdf' });

describe('runInputOf', () => {
  it('takes the first data part as the input, whatever text comes with it', () => {
    expect(runInputOf(msg(text('about'), data({ topic: 'a' }), data({ topic: 'b' })), spec())).toEqual({
      topic: 'a',
    });
  });
  it('gives text to the one declared string input, or to `input`', () => {
    expect(runInputOf(msg(text('bees')), spec({ topic: { type: 'string' } }))).toEqual({ topic: 'bees' });
    expect(runInputOf(msg(text('a'), text('b')), spec())).toEqual({ input: 'a\n\nb' });
    expect(runInputOf(msg(text('x')), spec({ input: { type: 'string' }, n: { type: 'integer' } }))).toEqual({
      input: 'x',
    });
  });
  it('refuses text a workflow with several inputs cannot place (-32602), and files only (-32005)', () => {
    const several = () => runInputOf(msg(text('x')), spec({ a: { type: 'string' }, b: { type: 'string' } }));
    expect(several).toThrow(/declares inputs a, b/);
    expect(several).toThrow(expect.objectContaining({ name: 'RequestMalformedError' }));
    expect(() => runInputOf(msg(file()), spec())).toThrow(
      expect.objectContaining({ name: 'ContentTypeNotSupportedError' }),
    );
  });
  it('an empty message is an empty input (the workflow says what is missing)', () => {
    expect(runInputOf(msg(), spec())).toEqual({});
  });
});

describe('answerOf', () => {
  it('is the data part, else the text', () => {
    expect(answerOf(msg(text('ignored'), data({ year: 1999 })))).toEqual({ year: 1999 });
    expect(answerOf(msg(text('1999')))).toBe('1999');
    expect(() => answerOf(msg(file()))).toThrow(expect.objectContaining({ name: 'RequestMalformedError' }));
  });
});
