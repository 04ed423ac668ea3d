// A worker attempt's link to its run's owner when the worker is connected to this instance: the
// worker's questions (input-required) and tool calls go to the owner directly when it is this process,
// else through the run's inbox in the store with a wake-up on the owner's stream; the owner answers on
// the control stream (answer() takes those answers). A tool call is never run without its verdict.

import { BatonError } from '../errors/registry.js';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { ProvidedInput, ToolKind } from './adapter.js';
import type { AttemptJournal } from './a2a-parts.js';
import {
  parseInputEntry,
  parseToolAnswer,
  wakeStream,
  type ToolAnswerEntry,
  type ToolCallPayload,
  type WakeEntry,
  type WorkEntry,
} from './work-entry.js';
import type { WorkQueue } from './work-queue.js';
import { fault } from '../telemetry/faults.js';

/** A forwarded tool call's wait for an answer without a task deadline. */
const TOOL_ANSWER_MS = 10 * 60 * 1000;

/** A forwarded tool call the owner did not let through: worker-tools.ts turns it into the worker's verdict. */
class ToolRefused extends Error {
  override readonly name = 'ToolRefused';
  constructor(
    readonly code: string,
    message: string,
    readonly verdict: { readonly hook?: string },
  ) {
    super(message);
  }
}

/** What the link needs of the intake's options. */
export interface OwnerLinkOptions {
  readonly bus: Bus;
  readonly store: Store;
  readonly namespace: string;
  readonly instance: string;
  readonly queue?: WorkQueue;
  readonly leaseMs: number;
  readonly toolAnswerMs?: number;
}

/** An attempt held here: its run's owner as its latest delivery names it, and its abort signal. */
export type HeldAttempt = (idem: string) => { owner: string; signal: AbortSignal } | undefined;

export class OwnerLink {
  /** Input listeners of attempts held here, by idempotency key. */
  private readonly answers = new Map<string, (answer: ProvidedInput) => void>();
  /** Forwarded tool calls waiting for the owner's answer, by `kind|idem|call`. */
  private readonly toolWaits = new Map<string, Set<(answer: ToolAnswerEntry) => void>>();

  constructor(
    private readonly o: OwnerLinkOptions,
    private readonly now: () => number,
    private readonly attempt: HeldAttempt,
  ) {}

  /** A control-stream message that answers a question or a tool call of an attempt here: true if it was one. */
  answer(data: unknown): boolean {
    const tool = parseToolAnswer(data);
    if (tool) {
      for (const take of [...(this.toolWaits.get(`${tool.kind}|${tool.idem}|${tool.call}`) ?? [])])
        take(tool);
      return true;
    }
    const answer = parseInputEntry(data);
    if (!answer) return false;
    this.answers.get(answer.idem)?.({ input: answer.input, seq: answer.seq });
    return true;
  }

  /**
   * The attempt's link to its run for questions: a worker's question goes to the owner (directly in
   * this process, else through the run's inbox); answers come back on the control stream.
   */
  journal(entry: WorkEntry): AttemptJournal {
    const { idem } = entry;
    return {
      remoteTaskOf: () => undefined,
      remoteTaskAttached: () => undefined,
      pendingInput: () => undefined,
      inputRequired: (_key, _attempt, request) => void this.asked(entry, request),
      // Tool calls go through the owner's gate: directly when the run is owned in this process, else
      // forwarded to the owner through the run's inbox (never run without its verdict).
      toolCall: (_key, _attempt, call, kind, args, fn) => {
        const local = this.o.queue?.local(entry.idem);
        if (local === undefined) return this.forwardTool(entry, call, kind, args, fn);
        const gate = local.invocation.tools;
        return gate !== undefined ? gate.run(kind, args, fn, call) : Promise.resolve().then(() => fn(args));
      },
      onInput: (_key, _attempt, listener) => {
        this.answers.set(idem, listener);
        return () => {
          if (this.answers.get(idem) === listener) this.answers.delete(idem);
        };
      },
    };
  }

  /**
   * A tool call of a worker here for a run owned elsewhere: posted to the run's inbox (the owner puts it
   * to the pre-hooks and answers with their verdict on the control stream); `fn` (the worker running the
   * tool) only on an allow, with the verdict's args; then the result goes the same way for the post-hooks.
   */
  private async forwardTool<T>(
    entry: WorkEntry,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    const base = { idem: entry.idem, call, kind, args };
    const v = (await this.askOwner(entry, 'tool_call', base)).verdict!;
    if (!v.allowed)
      throw new ToolRefused(
        v.code ?? 'BATON_E_HOOK_DENIED',
        v.message ?? `tool call ${call} was refused`,
        v.hook === undefined ? {} : { hook: v.hook },
      );
    let result: T;
    try {
      result = await fn(v.args === undefined ? args : v.args);
    } catch (e) {
      // The owner's gate stops waiting for it; no post-hooks for a tool that failed (nothing to wait for).
      void this.post(entry, 'tool_result', { ...base, result: null, failed: true }).catch((err: unknown) =>
        fault('work-intake', `telling the owner that tool call ${call} of ${entry.idem} failed`, err),
      );
      throw e;
    }
    await this.askOwner(entry, 'tool_result', { ...base, result: result ?? null, failed: false });
    return result;
  }

  /**
   * Posts `payload` to the run's inbox and waits for the owner's answer on the control stream, posting
   * again every lease (a new owner after a takeover reads it then). The wait ends with the attempt here
   * (taken back) or, without an answer, at the task's deadline with BATON_E_TOOL_CALL_TIMEOUT.
   */
  private askOwner(
    entry: WorkEntry,
    kind: 'tool_call' | 'tool_result',
    payload: ToolCallPayload,
  ): Promise<ToolAnswerEntry> {
    const slot = `${kind === 'tool_call' ? 'tool_verdict' : 'tool_done'}|${entry.idem}|${payload.call}`;
    const limit = entry.deadline ?? this.now() + (this.o.toolAnswerMs ?? TOOL_ANSWER_MS);
    const signal = this.attempt(entry.idem)?.signal;
    return new Promise<ToolAnswerEntry>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let waits = this.toolWaits.get(slot);
      if (waits === undefined) this.toolWaits.set(slot, (waits = new Set()));
      const end = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waits.delete(take);
        if (waits.size === 0 && this.toolWaits.get(slot) === waits) this.toolWaits.delete(slot);
      };
      const take = (a: ToolAnswerEntry): void => {
        end();
        resolve(a);
      };
      const onAbort = (): void => {
        end();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('the attempt was taken back'));
      };
      const send = (): void => {
        const left = limit - this.now();
        if (left <= 0) {
          end();
          const what = kind === 'tool_call' ? "its hooks' verdict" : 'the end of its post-hooks';
          const owner = this.attempt(entry.idem)?.owner ?? entry.owner;
          return reject(
            new BatonError(
              'BATON_E_TOOL_CALL_TIMEOUT',
              `tool call ${payload.call} (${payload.kind}) of task ${entry.key}: no answer from the run's owner "${owner}" (${what}) in time`,
            ),
          );
        }
        this.post(entry, kind, payload).catch((e: unknown) =>
          fault('work-intake', `forwarding tool call ${payload.call} of ${entry.idem} to its run's owner`, e),
        );
        timer = setTimeout(send, Math.min(left, Math.max(this.o.leaseMs, 50)));
        timer.unref();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      waits.add(take);
      send();
    });
  }

  /**
   * Posts a message (a question, a tool call or result) to the run's inbox and wakes the owner with it,
   * so it need not poll; the owner being this process sees the post through the store.
   */
  private async post(entry: WorkEntry, kind: string, payload: unknown): Promise<void> {
    const { namespace: ns } = this.o;
    const message = { kind, payload, at: this.now() };
    const id = await this.o.store.postToInbox(ns, entry.runId, message);
    const owner = this.attempt(entry.idem)?.owner ?? entry.owner;
    if (owner === this.o.instance) return;
    const wake: WakeEntry = { runId: entry.runId, message: { id, runId: entry.runId, ...message } };
    await this.o.bus.publish(wakeStream(ns, owner), wake);
  }

  private async asked(entry: WorkEntry, request: { question: string; data?: unknown }): Promise<void> {
    const local = this.o.queue?.local(entry.idem);
    if (local) return local.invocation.remote?.inputRequired(request);
    const payload = { idem: entry.idem, key: entry.key, attempt: entry.attempt, ...request };
    // On a failure the worker asks again if it reconnects; meanwhile the run does not show the question.
    await this.post(entry, 'asked', payload).catch((e: unknown) =>
      fault('work-intake', `posting the question of ${entry.idem} to run "${entry.runId}"`, e),
    );
  }
}
