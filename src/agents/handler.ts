// The contract for in-process agent handlers: what a handler is given, and how what it throws says
// whether a retry can help (Restate style: terminal, or retryable with an optional retry-after).

import type { Message } from '@a2a-js/sdk';
import { agentFailure, type AgentFailure, type ToolKind } from './adapter.js';

export interface HandlerContext {
  /** The task input (the data part of `message`). */
  readonly input: unknown;
  readonly message: Message;
  readonly runId: string;
  readonly taskId: string;
  /** `research[2]` for a fan-out instance, else the task id. */
  readonly instanceKey: string;
  readonly attempt: number;
  /** Stable across re-issues of the same dispatch: use it to make side effects idempotent. */
  readonly idempotencyKey: string;
  /** Aborted when the engine cancels the task or its deadline passes; stop work when it fires. */
  readonly signal: AbortSignal;
  /** Reports progress (a fraction 0..1, clamped) with an optional note; ignored once the attempt has ended. */
  report(progress: number, text?: string): void;
  /**
   * Runs a tool call under the run's hooks (docs/hooks.md): pre_KIND hooks may change `args` or deny
   * (then this rejects with a non-retryable BATON_E_HOOK_DENIED error naming the hook and `fn` never
   * runs), then `fn(args)`, then post_KIND hooks (edit and command).
   */
  tool<T>(kind: ToolKind, args: unknown, fn: (args: unknown) => T | Promise<T>): Promise<T>;
}

/** An agent handler: returns (or resolves to) the task output, a JSON-serialisable value. */
export type AgentHandler = (ctx: HandlerContext) => unknown;

/** Throw from a handler when a retry cannot help (invalid input, a refused request): never retried. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly retryable = false;
}

/** Throw from a handler when a retry can help, optionally not before `retryAfterMs`. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Names that add nothing to the message: the error code already says terminal or retryable.
const PLAIN_NAMES = new Set(['Error', 'TerminalError', 'RetryableError']);

/**
 * Classifies what a handler threw. The test is by shape, not by class: `retryable: false` makes the
 * failure terminal and a non-negative `retryAfterMs` is a hint. Handler modules loaded at run time as
 * plain ES modules cannot import Baton's classes, so they may declare errors of the same shape.
 */
export function failureFromThrown(thrown: unknown): AgentFailure {
  if (!(thrown instanceof Error))
    return agentFailure('BATON_E_AGENT_FAILED', `handler threw ${describe(thrown)}`);
  const marks = thrown as Error & { retryable?: unknown; retryAfterMs?: unknown; code?: unknown };
  // A tool call a hook denied (ctx.tool), even when the handler let it propagate: never retried.
  if (marks.code === 'BATON_E_HOOK_DENIED') return agentFailure('BATON_E_HOOK_DENIED', thrown.message);
  // Built-in errors (TypeError, RangeError...) keep their name: it is often the whole diagnosis.
  const message = PLAIN_NAMES.has(thrown.name) ? thrown.message : `${thrown.name}: ${thrown.message}`;
  if (marks.retryable === false) return agentFailure('BATON_E_AGENT_REJECTED', message);
  const after = marks.retryAfterMs;
  const hint = typeof after === 'number' && Number.isFinite(after) && after >= 0 ? after : undefined;
  return agentFailure('BATON_E_AGENT_FAILED', message, hint);
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
