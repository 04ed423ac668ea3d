// A handler's tool calls (Task.tool) under its run's hooks: each call is put to the control plane
// (ToolCall), which runs the run's pre-hooks at the run's owner and answers with a verdict; the tool runs
// only when allowed, with the verdict's args, and its result goes back (ToolResult) for the post-hooks.

import type { ToolVerdict, WorkRequest } from './gen/baton/v1/agent.js';
import type { DeepPartial } from './gen/baton/v1/agent.js';
import { TaskFailure } from './worker-task.js';

/** The tool calls hooks guard: pre/post_search, pre/post_edit, pre/post_command. */
export type ToolKind = 'search' | 'edit' | 'command';

const KINDS = new Set<string>(['search', 'edit', 'command']);

/** One piece of work's tool calls, numbered from 1 in the order the handler makes them. */
export class ToolCalls {
  private calls = 0;
  private readonly waiting = new Map<number, (v: ToolVerdict) => void>();
  /** The request each waiting call last made: sent again after a reconnect. */
  private readonly requests = new Map<number, () => boolean>();

  /** Sends every waiting call's request again (after a reconnect: its answer may have been lost). */
  resend(): void {
    for (const request of this.requests.values()) request();
  }

  /** A verdict (or a post-hooks-done answer) from the server. */
  offer(v: ToolVerdict): void {
    const take = this.waiting.get(v.call);
    if (take === undefined) return;
    this.waiting.delete(v.call);
    this.requests.delete(v.call);
    take(v);
  }

  /**
   * Runs `fn` under the run's hooks. `send` hands a request to the open stream (false: disconnected;
   * then it goes out after the next welcome). Waits while disconnected, until the work is taken back.
   * A deny rejects with a non-retryable TaskFailure naming the hook, and `fn` never runs.
   */
  async run<T>(
    leaseId: () => string,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
    send: (req: DeepPartial<WorkRequest>) => boolean,
    signal: AbortSignal,
  ): Promise<T> {
    if (!KINDS.has(kind)) throw new TypeError(`tool: kind must be search, edit or command, got "${kind}"`);
    const call = ++this.calls;
    const verdict = await this.ask(
      call,
      () => send({ toolCall: { leaseId: leaseId(), call, kind, args: args ?? null } }),
      signal,
    );
    if (!verdict.allowed)
      throw new TaskFailure(verdict.message || `tool call ${call} (${kind}) was refused`, {
        code: verdict.code || 'BATON_E_HOOK_DENIED',
        retryable: false,
      });
    let result: T;
    try {
      result = await fn(verdict.args ?? null);
    } catch (e) {
      // No post-hooks for a tool that failed; the server stops waiting for its result.
      send({ toolResult: { leaseId: leaseId(), call, result: null, failed: true } });
      throw e;
    }
    await this.ask(
      call,
      () => send({ toolResult: { leaseId: leaseId(), call, result: result ?? null, failed: false } }),
      signal,
    );
    return result;
  }

  private ask(call: number, request: () => boolean, signal: AbortSignal): Promise<ToolVerdict> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(call);
        this.requests.delete(call);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(call, (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      });
      // Disconnected: sent after the next welcome (resend), like a question.
      this.requests.set(call, request);
      request();
    });
  }
}
