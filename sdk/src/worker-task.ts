// What a worker's handler sees and throws: the task decoded from its A2A assignment message, the
// reporting helpers, and TaskFailure, the typed failure a handler throws to control retries.

import type { AgentMessage, Assignment } from './gen/baton/v1/agent.js';
import type { ToolKind } from './worker-tools.js';

/** Agent failure codes the server maps with their own retry flags (docs/errors.md). */
export type TaskFailureCode =
  'BATON_E_AGENT_FAILED' | 'BATON_E_AGENT_TIMEOUT' | 'BATON_E_AGENT_REJECTED' | 'BATON_E_AGENT_UNAVAILABLE';

export interface TaskFailureInit {
  /** Default BATON_E_AGENT_FAILED (retryable) or BATON_E_AGENT_REJECTED (not), by `retryable`. */
  readonly code?: TaskFailureCode | (string & {});
  /** Whether the run's retry policy may try the task again (default true). */
  readonly retryable?: boolean;
  /** Ask the engine not to retry sooner than this many milliseconds. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * Thrown by a handler to fail its task with a chosen code and retry semantics. Any other error a
 * handler throws fails the task as BATON_E_AGENT_FAILED, retryable, with the error's message.
 */
export class TaskFailure extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: TaskFailureInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TaskFailure';
    this.retryable = init.retryable ?? true;
    this.code = init.code ?? (this.retryable ? 'BATON_E_AGENT_FAILED' : 'BATON_E_AGENT_REJECTED');
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Why a task's AbortSignal fired; it is the signal's `reason`. */
export class TaskAbortedError extends Error {
  constructor(
    /** revoked: the server took the work back (run cancelled, deadline, lapse); lost: the lease did not
     * survive a reconnect; deadline: the assignment's deadline passed; shutdown: close()'s grace ended. */
    readonly why: 'revoked' | 'lost' | 'deadline' | 'shutdown',
    message: string,
  ) {
    super(message);
    this.name = 'TaskAbortedError';
  }
}

export type TaskState = 'working' | 'input-required';

/** One assignment as the handler gets it. */
export interface Task {
  /** The task input: the message's JSON data part (`{}` when there is none). */
  readonly input: Record<string, unknown>;
  /** The task's description: the message's text part, if the workflow gave one. */
  readonly description: string | undefined;
  readonly runId: string;
  /** The workflow's task id. */
  readonly taskId: string;
  /** 1 for the first attempt; a retry is a new attempt with a new idempotency key. */
  readonly attempt: number;
  /** The route the worker was chosen by: an agent id or a queue name. */
  readonly agentId: string;
  /** The concrete instance (e.g. `research[2]` in a fan-out), when the server names one. */
  readonly instanceKey: string | undefined;
  /** The assignment's message id, which is its idempotency key (the same value as `idempotencyKey`). */
  readonly messageId: string;
  /**
   * Unique per attempt and the same every time this attempt is delivered again (after a lapsed lease,
   * a reconnect or a server restart). Pass it to external systems that deduplicate requests (payment
   * APIs, queues, `INSERT ... ON CONFLICT DO NOTHING`): the SDK never runs the handler twice for it in
   * one process (docs/workers.md, "Exactly once"), and the key covers what the SDK cannot.
   */
  readonly idempotencyKey: string;
  /** The lease this work is held under (it changes if the work is re-delivered to this worker). */
  readonly leaseId: string;
  /** After this the attempt has failed as a timeout whatever the worker does. */
  readonly deadline: Date | undefined;
  /** The assignment's A2A message as received. */
  readonly message: AgentMessage;
  /**
   * The W3C traceparent of the server's span for this attempt, when the server traces: start the
   * handler's spans under it (e.g. `propagation.extract(ROOT_CONTEXT, { traceparent })`) to join the run's trace.
   */
  readonly traceparent: string | undefined;
  /** Fires when the work is taken back or the worker shuts down; its reason is a TaskAbortedError. */
  readonly signal: AbortSignal;
  /** Reports progress (`fraction` in [0, 1]) to run watchers; dropped while disconnected. */
  progress(fraction: number, message?: string): void;
  /** Reports an A2A task state with an optional text for run watchers. */
  status(state: TaskState, text?: string): void;
  /**
   * Asks a person (or whoever answers) for input and waits for the answer (A2A input-required): the
   * run shows `question` (and `data`: choices, a form) until someone answers it with `baton input RUN
   * TASK JSON` or RunService.ProvideInput; resolves with the answer (any JSON value). The assignment's
   * deadline still runs while it waits; rejects with the signal's reason when the work is taken back.
   * One question at a time.
   */
  requestInput(question: string, data?: unknown): Promise<unknown>;
  /**
   * Runs a tool call under the run's hooks (docs/hooks.md): the control plane runs the run's pre_KIND
   * hooks, which may change `args` (fn gets the new ones) or deny (then this rejects with a
   * non-retryable TaskFailure whose message names the hook, and `fn` never runs); then `fn(args)`, then
   * post_KIND hooks (edit and command) before this resolves with fn's result. Args and result travel as
   * JSON. Calls are numbered in the order the handler makes them, so make them in a stable order.
   */
  tool<T>(kind: ToolKind, args: unknown, fn: (args: unknown) => T | Promise<T>): Promise<T>;
}

/** What a handler returns: the task's outputs (an object; `undefined` means `{}`). */
export type TaskOutputs = Record<string, unknown> | undefined | void;

/** The user's code for one assignment: returns (or resolves to) the outputs, or throws to fail it. */
export type TaskHandler = (task: Task) => Promise<TaskOutputs> | TaskOutputs;

/** The input and description of an assignment's message (first data part, first text part). */
export function decodeMessage(message: AgentMessage | undefined): {
  input: Record<string, unknown>;
  description: string | undefined;
} {
  const parts = message?.parts ?? [];
  const data = parts.find((p) => p.data !== undefined)?.data;
  const text = parts.find((p) => p.text !== undefined)?.text;
  return { input: data ?? {}, description: text };
}

export function traceparentOf(assignment: Assignment): string | undefined {
  const tp: unknown = assignment.message?.metadata?.['traceparent'];
  return typeof tp === 'string' ? tp : undefined;
}

export function instanceKeyOf(assignment: Assignment): string | undefined {
  const key: unknown = assignment.message?.metadata?.['instance_key'];
  return typeof key === 'string' ? key : undefined;
}

/** True for the values a handler may return as outputs. */
export function isOutputs(value: unknown): value is Record<string, unknown> | undefined {
  return (
    value === undefined ||
    (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date))
  );
}
