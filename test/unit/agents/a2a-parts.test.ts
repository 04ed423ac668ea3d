import { Message, Role, TaskState } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import {
  dataPart,
  inputOf,
  invocationInput,
  TaskInvocation,
  outputArtifact,
  outputOf,
  taskMessage,
  textOf,
  textPart,
} from '../../../src/agents/a2a-parts.js';
import { agentFailure, failed } from '../../../src/agents/adapter.js';

describe('A2A task message', () => {
  it('carries the input as a data part and the description as a text part, keyed by the idempotency key', () => {
    const m = taskMessage({
      runId: 'r1',
      idempotencyKey: 'r1/4/0',
      input: { question: 'q' },
      description: 'Split it',
    });
    expect(m).toMatchObject({ messageId: 'r1/4/0', contextId: 'r1', taskId: '', role: Role.ROLE_USER });
    expect(inputOf(m)).toEqual({ question: 'q' });
    expect(textOf(m.parts)).toBe('Split it');
  });

  it('survives the SDK JSON codec, so a remote agent reads the same input', () => {
    const m = taskMessage({ runId: 'r1', idempotencyKey: 'k', input: { items: [1, 'two', null] } });
    const back = Message.fromJSON(JSON.parse(JSON.stringify(Message.toJSON(m))));
    expect(inputOf(back)).toEqual({ items: [1, 'two', null] });
    expect(back.messageId).toBe('k');
  });

  it('a message with no data part has a null input', () => {
    const m = { ...taskMessage({ runId: 'r', idempotencyKey: 'k', input: 1 }), parts: [textPart('hi')] };
    expect(inputOf(m)).toBeNull();
  });
});

describe('engine-made invocation', () => {
  const make = (input: unknown, description?: string) =>
    new TaskInvocation('r1', 'plan', 'plan[2]', 3, 'r1/9/0', undefined, input, description, undefined);

  it('carries the same task message a wire adapter would send, built from its input and description', () => {
    const inv = make({ question: 'q' }, 'Split it');
    expect(inv.message).toEqual(
      taskMessage({
        runId: 'r1',
        idempotencyKey: 'r1/9/0',
        input: { question: 'q' },
        description: 'Split it',
      }),
    );
    expect(inv.message).toBe(inv.message); // built once
    expect(inputOf(inv.message)).toEqual({ question: 'q' });
  });

  it('gives its input as the message would (an absent input is null), for itself and plain invocations', () => {
    expect(invocationInput(make({ n: 1 }))).toEqual({ n: 1 });
    expect(invocationInput(make(undefined))).toBeNull();
    const plain = { ...make(null), message: taskMessage({ runId: 'r', idempotencyKey: 'k', input: [1, 2] }) };
    expect(invocationInput(plain)).toEqual([1, 2]);
  });
});

describe('task output from artifacts', () => {
  it('is the first data part in artifact order', () => {
    const prose = { ...outputArtifact(null), artifactId: 'notes', parts: [textPart('see below')] };
    expect(outputOf([prose, outputArtifact({ a: 1 }), outputArtifact({ a: 2 })])).toEqual({ a: 1 });
  });

  it("falls back to the artifacts' text, then to null", () => {
    const a = { ...outputArtifact(null), parts: [textPart('first'), textPart('second')] };
    const b = { ...outputArtifact(null), parts: [textPart('third')] };
    expect(outputOf([a, b])).toBe('first\n\nsecond\n\nthird');
    expect(outputOf([])).toBeNull();
    expect(outputOf([{ ...outputArtifact(null), parts: [dataPart(undefined)] }])).toBeNull();
  });
});

describe('failure outcomes', () => {
  it('take their retry flag from the registry and their A2A state from it', () => {
    expect(failed(agentFailure('BATON_E_AGENT_TIMEOUT', 'late'))).toMatchObject({
      state: TaskState.TASK_STATE_FAILED,
      error: { retryable: true },
    });
    expect(failed(agentFailure('BATON_E_AGENT_UNAVAILABLE', 'down'))).toMatchObject({
      state: TaskState.TASK_STATE_FAILED,
      error: { retryable: true },
    });
    expect(failed(agentFailure('BATON_E_AGENT_REJECTED', 'no'))).toMatchObject({
      state: TaskState.TASK_STATE_REJECTED,
      error: { retryable: false },
    });
  });
});
