// Builds and reads the A2A v1.0 values Baton exchanges with agents (protobuf-shaped: parts are
// `{ content: { $case, value } }`, enums are numbers, timestamps ISO strings).

import {
  Role,
  TaskState,
  type Artifact,
  type Message,
  type Part,
  type TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import type { AgentInvocation, ProvidedInput, RemoteTaskLink, ToolGate, ToolKind } from './adapter.js';

export function dataPart(value: unknown): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

export function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: 'text/plain',
  };
}

export interface TaskMessageInit {
  readonly runId: string;
  readonly idempotencyKey: string;
  /** The task input: any JSON value. */
  readonly input: unknown;
  /** The task's description from the workflow, if it has one. */
  readonly description?: string;
}

/**
 * The user-role message that hands a task to an agent. Its id is the idempotency key, so a dispatch
 * re-issued after a crash carries the same message id; the run is the A2A context. The task id stays
 * empty: in A2A the agent assigns it.
 */
export function taskMessage(init: TaskMessageInit): Message {
  const parts = [dataPart(init.input)];
  if (init.description) parts.push(textPart(init.description));
  return {
    messageId: init.idempotencyKey,
    contextId: init.runId,
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** Where the run keeps what remote agents say about their tasks (the run actor), by attempt. */
export interface AttemptJournal {
  /** The remote task journaled for attempt `attempt` of `key` while it is the one in flight. */
  remoteTaskOf(key: string, attempt: number): string | undefined;
  remoteTaskAttached(key: string, attempt: number, remoteTaskId: string): void;
  inputRequired(key: string, attempt: number, request: { question: string; data?: unknown }): void;
  /** The answer journaled for the attempt that its agent has not asked past yet. */
  pendingInput(key: string, attempt: number): ProvidedInput | undefined;
  /** Answers journaled for the attempt from now on; returns the unsubscribe. */
  onInput(key: string, attempt: number, listener: (answer: ProvidedInput) => void): () => void;
  /** Runs the `call`-th tool call of the attempt under the run's hooks (see ToolGate). */
  toolCall?<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T>;
}

/**
 * An invocation as the engine makes one: its A2A task message is built on first read, so an in-process
 * handler that only reads its input (invocationInput) never pays for it; wire adapters read `message`
 * as from any invocation. `remote` too is made only when an adapter of a remote agent reads it.
 */
export class TaskInvocation implements AgentInvocation {
  #message: Message | undefined;
  #remote: RemoteTaskLink | undefined;
  #tools: ToolGate | undefined;

  constructor(
    readonly runId: string,
    readonly taskId: string,
    readonly instanceKey: string,
    readonly attempt: number,
    readonly idempotencyKey: string,
    readonly deadline: number | undefined,
    /** The task input (what the message's data part carries). */
    readonly input: unknown,
    readonly description: string | undefined,
    readonly onUpdate: AgentInvocation['onUpdate'],
    private readonly journal?: AttemptJournal,
    readonly redelivered = false,
    /** Set by the gateway when tracing is on: the attempt span's context, for adapters to hand on. */
    public traceparent?: string,
  ) {}

  get remote(): RemoteTaskLink | undefined {
    const journal = this.journal;
    if (journal === undefined) return undefined;
    const { instanceKey: key, attempt } = this;
    return (this.#remote ??= {
      remoteTaskId: journal.remoteTaskOf(key, attempt),
      attached: (id) => journal.remoteTaskAttached(key, attempt, id),
      inputRequired: (request) => journal.inputRequired(key, attempt, request),
      pendingInput: () => journal.pendingInput(key, attempt),
      onInput: (listener) => journal.onInput(key, attempt, listener),
    });
  }

  /** The attempt's tool calls, numbered in the order the agent makes them (a replay makes the same). */
  get tools(): ToolGate | undefined {
    const journal = this.journal;
    if (journal?.toolCall === undefined) return undefined;
    const { instanceKey: key, attempt } = this;
    let calls = 0;
    return (this.#tools ??= {
      run: (kind, args, fn, call) => {
        calls = call === undefined ? calls + 1 : Math.max(calls, call);
        return journal.toolCall!(key, attempt, call ?? calls, kind, args, fn);
      },
    });
  }

  get message(): Message {
    return (this.#message ??= taskMessage({
      runId: this.runId,
      idempotencyKey: this.idempotencyKey,
      input: this.input,
      description: this.description,
    }));
  }
}

/** The JSON input of an invocation: as inputOf(message), without building an engine-made message. */
export const invocationInput = (inv: AgentInvocation): unknown =>
  inv instanceof TaskInvocation ? (inv.input ?? null) : inputOf(inv.message);

/** The JSON input of a task message: its first data part, or null when it has none. */
export function inputOf(message: Message): unknown {
  for (const p of message.parts) if (p.content?.$case === 'data') return p.content.value ?? null;
  return null;
}

/** The text parts of a list of parts, joined by blank lines ('' when there are none). */
export function textOf(parts: readonly Part[]): string {
  const texts: string[] = [];
  for (const p of parts) if (p.content?.$case === 'text') texts.push(p.content.value);
  return texts.join('\n\n');
}

/** The artifact an agent's JSON result travels in. */
export function outputArtifact(value: unknown): Artifact {
  return {
    artifactId: 'output',
    name: 'output',
    description: 'The task output as JSON',
    parts: [dataPart(value)],
    metadata: undefined,
    extensions: [],
  };
}

/**
 * The task output carried by artifacts: the first data part in artifact order; failing that, the
 * artifacts' text (an agent that answers in prose); failing that, null.
 */
export function outputOf(artifacts: readonly Artifact[]): unknown {
  for (const a of artifacts)
    for (const p of a.parts) if (p.content?.$case === 'data') return p.content.value ?? null;
  const text = artifacts
    .map((a) => textOf(a.parts))
    .filter((t) => t !== '')
    .join('\n\n');
  return text === '' ? null : text;
}

export interface ProgressInit {
  /** The A2A task id the update is about. */
  readonly taskId: string;
  readonly contextId: string;
  readonly messageId: string;
  /** Fraction done, 0..1. */
  readonly progress: number;
  readonly text?: string;
  readonly at: Date;
}

/** A working-state update; progress rides in metadata since A2A's TaskStatus has no field for it. */
export function progressUpdate(init: ProgressInit): TaskStatusUpdateEvent {
  const message: Message | undefined =
    init.text === undefined
      ? undefined
      : {
          messageId: init.messageId,
          contextId: init.contextId,
          taskId: init.taskId,
          role: Role.ROLE_AGENT,
          parts: [textPart(init.text)],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        };
  return {
    taskId: init.taskId,
    contextId: init.contextId,
    status: { state: TaskState.TASK_STATE_WORKING, message, timestamp: init.at.toISOString() },
    metadata: { progress: init.progress },
  };
}
