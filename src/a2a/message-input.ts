// The run input an A2A message carries: its first data part is the input object (what Baton's own A2A
// client sends); without one, its text is the value of the workflow's one declared string input, or of
// `input` when the workflow declares none (or declares `input`). Files are not an input Baton takes.
// A message answering a task that waits for input carries the answer the same way (answerOf).

import { ContentTypeNotSupportedError, RequestMalformedError } from '@a2a-js/sdk/errors';
import type { Message } from '@a2a-js/sdk';
import type { WorkflowSpec } from '../spec/schema.js';

/** The name the text of a message is given to, or why there is none. */
function textInputName(spec: WorkflowSpec): string | { problem: string } {
  const declared = Object.entries(spec.inputs ?? {});
  if (declared.length === 0 || spec.inputs?.input !== undefined) return 'input';
  const strings = declared.filter(([, d]) => d.type === undefined || d.type === 'string');
  if (declared.length === 1 && strings.length === 1) return declared[0]![0];
  return {
    problem:
      `workflow ${spec.name} declares inputs ${declared.map(([n]) => n).join(', ')}: send them as one ` +
      'data part (a JSON object), since text names none of them',
  };
}

/**
 * The run input of `message` for workflow `spec`.
 * @throws RequestMalformedError (-32602) when the parts do not make an input of this workflow,
 * ContentTypeNotSupportedError (-32005) when the message carries only files.
 */
export function runInputOf(message: Message, spec: WorkflowSpec): unknown {
  const texts: string[] = [];
  let files = 0;
  for (const p of message.parts) {
    const c = p.content;
    if (c?.$case === 'data') return c.value ?? {};
    if (c?.$case === 'text') texts.push(c.value);
    else if (c?.$case === 'raw' || c?.$case === 'url') files++;
  }
  if (texts.length === 0) {
    if (files > 0)
      throw new ContentTypeNotSupportedError(
        `workflow ${spec.name} takes its input as a data part (application/json) or text (text/plain), not files`,
      );
    return {};
  }
  const name = textInputName(spec);
  if (typeof name !== 'string') throw new RequestMalformedError(name.problem);
  return { [name]: texts.join('\n\n') };
}

/**
 * The answer a message gives a task waiting for input: its first data part's value, else its text.
 * @throws RequestMalformedError when it carries neither.
 */
export function answerOf(message: Message): unknown {
  const texts: string[] = [];
  for (const p of message.parts) {
    const c = p.content;
    if (c?.$case === 'data') return c.value ?? null;
    if (c?.$case === 'text') texts.push(c.value);
  }
  if (texts.length === 0)
    throw new RequestMalformedError('the answer to a task waiting for input is a data part or text');
  return texts.join('\n\n');
}
