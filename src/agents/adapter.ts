// The one interface every agent adapter implements (in-process modules, gRPC workers, remote A2A agents),
// and the A2A-shaped values that cross it: the task message in, status updates out, a terminal outcome.

import { TaskState, type Artifact, type Message, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { ERRORS } from '../errors/registry.js';

/** One attempt at one task instance, as the engine dispatches it. Plain data, so it can cross a wire. */
export interface AgentInvocation {
  readonly runId: string;
  /** The task's id in the workflow (`research`). */
  readonly taskId: string;
  /** The concrete instance: `research[2]` in a fan-out, `refine#2` in a repeat, else the task id. */
  readonly instanceKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Unique per dispatch and stable when a dispatch is re-issued after a crash: agents dedupe by it. */
  readonly idempotencyKey: string;
  /**
   * When the agent must have finished, in ms since the epoch (an absolute time, so it survives
   * queueing and can be forwarded as a gRPC deadline). Undefined: no task deadline.
   */
  readonly deadline: number | undefined;
  /** The task input as an A2A message: a data part with the JSON input, a text part with the description. */
  readonly message: Message;
  /** Progress and status while the agent works; never called after `invoke` has resolved. */
  readonly onUpdate?: (update: TaskStatusUpdateEvent) => void;
  /** The run's record of the remote task behind this attempt (absent for compensations). */
  readonly remote?: RemoteTaskLink;
  /**
   * True when this attempt was journaled as dispatched before this process took the run over (a
   * crash or restart): an agent may already be working on it, or have finished it.
   */
  readonly redelivered?: boolean;
  /** Runs the agent's tool calls under its run's pre/post hooks (ctx.tool); absent: tools run bare. */
  readonly tools?: ToolGate;
  /**
   * The W3C trace context of the attempt's span (`invoke_agent`), when tracing is on: adapters that
   * cross a process boundary hand it on (the worker's assignment metadata, the work entry on the bus).
   */
  readonly traceparent?: string;
}

/** The tool calls hooks guard: pre/post_search, pre/post_edit, pre/post_command. */
export type ToolKind = 'search' | 'edit' | 'command';

/**
 * An attempt's tool calls, each under the run's hooks: the pre-hooks' verdict (journaled), the tool run
 * with the args they allow (a transform changes them; a deny throws a non-retryable error naming the
 * hook, and the tool never runs), then the post-hooks.
 */
export interface ToolGate {
  /**
   * `call` numbers the call in the attempt when the caller knows it (a worker sends it); else calls are
   * numbered in the order they are made, from 1.
   */
  run<T>(kind: ToolKind, args: unknown, fn: (args: unknown) => T | Promise<T>, call?: number): Promise<T>;
}

/**
 * What an adapter of a remote agent (A2A) tells the run about the agent's own task for an attempt, and
 * learns from it: the run journals both, so a process that takes the run over finds the same task.
 */
export interface RemoteTaskLink {
  /** The agent's task for this attempt, journaled by an earlier process: re-attach, do not send again. */
  readonly remoteTaskId: string | undefined;
  /** The agent named its task for this attempt (call once, as soon as it is known). */
  attached(remoteTaskId: string): void;
  /** The agent waits for input: `question` in words, `data` when its message carried structured parts. */
  inputRequired(request: { readonly question: string; readonly data?: unknown }): void;
  /**
   * The answer journaled for this attempt that the agent has not asked past yet: an attempt re-issued
   * after a crash whose remote task still waits sends it (it may not have been sent before the crash).
   */
  pendingInput(): ProvidedInput | undefined;
  /** Calls `listener` with each answer journaled for this attempt from now on; returns the unsubscribe. */
  onInput(listener: (answer: ProvidedInput) => void): () => void;
}

/** An answer to the agent's question, journaled (TaskInputProvided) before it is handed over. */
export interface ProvidedInput {
  readonly input: unknown;
  /** The entry's seq: the same after a replay, so an answer sent again carries the same message id. */
  readonly seq: number;
}

/** The A2A message id an answer travels under: stable per answer, distinct from the task message's. */
export const inputMessageId = (idempotencyKey: string, answer: ProvidedInput): string =>
  `${idempotencyKey}:input:${answer.seq}`;

export interface AgentAdapter {
  /**
   * Where attempts go, for adapters whose choice must survive a restart (`queue:NAME` or
   * `worker:AGENT_ID` for remote workers): the run journals it, and a resumed run binds by it.
   */
  readonly route?: string;
  /** Attempts leave this process (a remote A2A agent): their spans are CLIENT spans. Workers have a route. */
  readonly remote?: boolean;
  /**
   * Runs one attempt. Resolves with the outcome and never rejects: every failure (the agent's, a
   * timeout, an unreachable agent) is an outcome carrying a typed error. Aborting `signal` cancels
   * the attempt; the promise then resolves with a canceled outcome.
   */
  invoke(invocation: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome>;
}

/**
 * The abort reason when the engine stops driving a run (shutdown, drain, lost lease) rather than cancels
 * the attempt: the attempt is abandoned, not cancelled. An adapter leaves a remote agent's task running,
 * since the process that takes the run over re-issues the attempt and re-attaches to it.
 */
export class AttemptAbandoned extends Error {
  override readonly name = 'AttemptAbandoned';
}

/** The registry codes an agent failure can carry. */
export type AgentErrorCode =
  | 'BATON_E_AGENT_FAILED'
  | 'BATON_E_AGENT_TIMEOUT'
  | 'BATON_E_AGENT_REJECTED'
  | 'BATON_E_AGENT_UNAVAILABLE'
  | 'BATON_E_AGENT_CARD_INVALID'
  | 'BATON_E_A2A_AUTH_REQUIRED'
  | 'BATON_E_A2A_OUTPUT_TOO_LARGE'
  | 'BATON_E_HOOK_DENIED';

/** Why an attempt did not complete. JSON-serialisable, so it is journaled as it is. */
export interface AgentFailure {
  readonly code: AgentErrorCode;
  readonly message: string;
  /** Always the registry's flag for `code`, so the engine needs no lookup (and never reads `message`). */
  readonly retryable: boolean;
  /** The agent's hint for the earliest useful retry; the engine's backoff applies when absent. */
  readonly retryAfterMs?: number;
}

/** For an adapter that must know when its outcome is durable (a remote worker forgets its result then). */
export interface JournaledHook {
  /**
   * Called once the engine has journaled the outcome; `applied` is false when the attempt had already
   * ended (the entry was stale). Never called if the engine stops before its commit.
   */
  readonly journaled?: (applied: boolean) => void;
}

export type CompletedOutcome = JournaledHook & {
  readonly state: TaskState.TASK_STATE_COMPLETED;
  readonly artifacts: readonly Artifact[];
  /** The task output: a JSON value taken from the artifacts (see outputOf in a2a-parts.ts). */
  readonly output: unknown;
};

export type FailedOutcome = JournaledHook & {
  /** REJECTED when the failure is terminal (a retry cannot help), FAILED otherwise. */
  readonly state: TaskState.TASK_STATE_FAILED | TaskState.TASK_STATE_REJECTED;
  readonly artifacts: readonly Artifact[];
  readonly error: AgentFailure;
};

/** The engine asked for the cancellation (its signal aborted); an agent that cancels on its own has failed. */
export type CanceledOutcome = {
  readonly state: TaskState.TASK_STATE_CANCELED;
  readonly artifacts: readonly Artifact[];
  readonly reason: string;
};

export type AgentOutcome = CompletedOutcome | FailedOutcome | CanceledOutcome;

/** A failure with its retry flag taken from the registry. */
export function agentFailure(code: AgentErrorCode, message: string, retryAfterMs?: number): AgentFailure {
  const { retryable } = ERRORS[code];
  return retryAfterMs === undefined
    ? { code, message, retryable }
    : { code, message, retryable, retryAfterMs };
}

export function completed(artifacts: readonly Artifact[], output: unknown): CompletedOutcome {
  return { state: TaskState.TASK_STATE_COMPLETED, artifacts, output };
}

/**
 * A2A has no "failed, do not retry" state; REJECTED (the agent "can't or won't proceed") is the
 * terminal one, so a non-retryable failure is reported as rejected and a retryable one as failed.
 */
export function failed(error: AgentFailure, artifacts: readonly Artifact[] = []): FailedOutcome {
  const state = error.retryable ? TaskState.TASK_STATE_FAILED : TaskState.TASK_STATE_REJECTED;
  return { state, artifacts, error };
}

export function canceled(reason: string): CanceledOutcome {
  return { state: TaskState.TASK_STATE_CANCELED, artifacts: [], reason };
}
