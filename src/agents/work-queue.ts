// The run owner's side of work for remote workers: an AgentAdapter per route that publishes each
// attempt on its route's bus stream (agents/work-entry.ts) and waits for its outcome. The outcome comes
// back one of two ways: from a worker hub in this same process, directly (settleLocal, the fast
// path), or through the run's inbox in the store (posted by the instance whose worker did it, journaled
// by whichever instance owns the run then), after which onTurn lets the waiting attempt go without
// journaling anything itself. The deadline and cancellation are the owner's: it settles the attempt
// and tells every instance (control stream) to take the work back.

import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import { TaskInvocation, invocationInput, textOf } from './a2a-parts.js';
import {
  agentFailure,
  canceled,
  completed,
  type AgentFailure,
  AttemptAbandoned,
  failed,
  type AgentAdapter,
  type AgentInvocation,
  type AgentOutcome,
  type ProvidedInput,
} from './adapter.js';
import {
  controlStream,
  parseToolPayload,
  workEntry,
  workStream,
  type CancelEntry,
  type InputEntry,
  type ToolAnswerEntry,
} from './work-entry.js';
import { toolCall, toolResult } from './worker-tools.js';
import { fault } from '../telemetry/faults.js';

/** An attempt this process published and waits for. */
export interface PendingAttempt {
  readonly route: string;
  readonly invocation: AgentInvocation;
  /** Settles the attempt with its outcome (at most once). */
  settle(outcome: AgentOutcome): void;
}

export interface WorkQueueOptions {
  readonly bus: Bus;
  /** Where claims say who holds an attempt (for the timeout's message). */
  readonly store: Store;
  readonly namespace: string;
  /** This instance's name (the engine's owner name). */
  readonly instance: string;
  readonly now?: () => number;
}

/** A worker's result as work-intake.ts posts it to the run's inbox (kind `result`). */
export interface ResultPayload {
  readonly idem: string;
  readonly key?: string;
  readonly attempt?: number;
  readonly output?: unknown;
  readonly error?: AgentFailure & { readonly kind: 'timeout' | 'error' };
}

// setTimeout fires at once for delays beyond 2^31-1 ms, so long deadlines re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkQueue {
  /** By idempotency key. */
  private readonly pending = new Map<string, PendingAttempt>();
  /** `runId|key|attempt` -> idempotency key, to find an attempt journaled through the inbox. */
  private readonly byAttempt = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly opts: WorkQueueOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * The adapter for agents whose attempts go to workers serving `route` (a queue name or agent id);
   * `journaled` is what runs record for it (`queue:NAME` or `worker:ID`).
   */
  adapter(route: string, journaled: string): AgentAdapter {
    return { route: journaled, invoke: (inv, signal) => this.invoke(route, inv, signal) };
  }

  /** The attempt this process waits for under `idem`, if any (for a hub in the same process). */
  local(idem: string): PendingAttempt | undefined {
    return this.pending.get(idem);
  }

  get waiting(): number {
    return this.pending.size;
  }

  /**
   * For the engine's onTurn: attempts whose outcome a run journaled from its inbox (a worker on
   * another instance reported them) stop waiting; the entry is already in the journal.
   */
  readonly onTurn = (
    actor: { readonly runId: string },
    records: readonly { type: string; data: unknown }[],
  ) => {
    if (this.pending.size === 0) return;
    for (const r of records) {
      const d = r.data as { key: string; attempt?: number };
      // A saga step's invocation is keyed `<task>/compensate`, attempt 1.
      const slot =
        r.type === 'CompensationDone'
          ? `${actor.runId}|${d.key}/compensate|1`
          : r.type === 'TaskCompleted' || r.type === 'TaskFailed'
            ? `${actor.runId}|${d.key}|${d.attempt}`
            : undefined;
      const idem = slot === undefined ? undefined : this.byAttempt.get(slot);
      if (idem !== undefined)
        this.pending.get(idem)?.settle(canceled('its outcome came through the run inbox'));
    }
  };

  /**
   * For the engine's inbox: a worker's result, posted by the instance whose worker did the attempt, goes
   * to the attempt waiting for it here, which then ends as a local worker's would (the outcome and what
   * follows it journaled in one turn); `journaled` runs once it is. False when nothing here waits for
   * that attempt (the inbox message is then journaled as it is).
   */
  takeResult(runId: string, payload: unknown, journaled: () => void): boolean {
    const r = payload as Partial<ResultPayload> | null;
    if (typeof r?.idem !== 'string') return false;
    const p = this.pending.get(r.idem);
    const inv = p?.invocation;
    if (!p || !inv || inv.runId !== runId) return false;
    if (
      (r.key !== undefined && r.key !== inv.instanceKey) ||
      (r.attempt !== undefined && r.attempt !== inv.attempt)
    )
      return false;
    const hook = { journaled: () => journaled() };
    if (r.error === undefined) p.settle({ ...completed([], r.output ?? null), ...hook });
    else {
      const { code, message, retryable, retryAfterMs } = r.error;
      const error =
        retryAfterMs === undefined
          ? { code, message, retryable }
          : { code, message, retryable, retryAfterMs };
      p.settle({ ...failed(error), ...hook });
    }
    return true;
  }

  /**
   * For the engine's inbox: a tool call (`tool_call`) or its result (`tool_result`) of a worker on
   * another instance, for an attempt waiting here. The call goes through the attempt's gate as a local
   * worker's would (worker-tools.ts: the pre-hooks' verdict journaled, a repeat answered with the same
   * verdict); the verdict, then the end of the post-hooks, go back on the control stream to whichever
   * instance the worker is on. A result for a call this process never saw (the run was taken over since)
   * replays the call first: its journaled verdict lets it through, and the post-hooks run here.
   * `handled` runs once the answer is sent. False when no attempt here waits for it.
   */
  takeTool(runId: string, kind: string, payload: unknown, handled: () => void): boolean {
    const t = parseToolPayload(payload);
    const inv = t === undefined ? undefined : this.pending.get(t.idem)?.invocation;
    if (t === undefined || inv === undefined || inv.runId !== runId) return false;
    const answer = (entry: ToolAnswerEntry): void => {
      this.opts.bus
        .publish(controlStream(this.opts.namespace), entry)
        .catch((e: unknown) => fault('work-queue', `answering tool call ${t.call} of ${t.idem}`, e))
        .finally(handled);
    };
    const { idem, call } = t;
    const verdict = toolCall(inv, call, t.kind, t.args);
    if (kind === 'tool_call') {
      void verdict.then((v) => answer({ v: 1, kind: 'tool_verdict', idem, call, verdict: v }));
      return true;
    }
    void verdict
      .then(() => toolResult(inv, call, t.result ?? null, t.failed === true))
      .then(() => answer({ v: 1, kind: 'tool_done', idem, call }));
    return true;
  }

  private invoke(route: string, inv: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome> {
    if (signal.aborted) return Promise.resolve(canceled(reasonText(signal.reason)));
    const idem = inv.idempotencyKey;
    const slot = `${inv.runId}|${inv.instanceKey}|${inv.attempt}`;
    return new Promise<AgentOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const settle = (outcome: AgentOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unlisten?.();
        signal.removeEventListener('abort', onAbort);
        if (this.pending.get(idem) === attempt) this.pending.delete(idem);
        if (this.byAttempt.get(slot) === idem) this.byAttempt.delete(slot);
        resolve(outcome);
      };
      const attempt: PendingAttempt = { route, invocation: inv, settle };
      // Answers to the worker's question go to every instance; the one holding the attempt hands it on.
      const unlisten = inv.remote?.onInput((answer) => this.answer(idem, answer));
      const onAbort = (): void => {
        settle(canceled(reasonText(signal.reason)));
        // The engine stopping is not a cancellation: the run's next owner issues the attempt again.
        if (!(signal.reason instanceof AttemptAbandoned)) this.cancel(idem, reasonText(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // The same attempt issued again in this process (a resumed run) replaces the first wait.
      this.pending.get(idem)?.settle(canceled('issued again'));
      this.pending.set(idem, attempt);
      this.byAttempt.set(slot, idem);
      const deadline = inv.deadline;
      if (deadline !== undefined) {
        const expire = (): void => {
          const left = deadline - this.now();
          if (left > 0) {
            timer = setTimeout(expire, Math.min(left, MAX_TIMER_MS));
            return;
          }
          void this.whoHolds(idem).then((where) => {
            const when = new Date(deadline).toISOString();
            const message = `task ${inv.instanceKey} (attempt ${inv.attempt}) did not finish by its deadline ${when}: ${where}`;
            settle(failed(agentFailure('BATON_E_AGENT_TIMEOUT', message)));
            this.cancel(idem, 'the task deadline passed');
          });
        };
        expire();
        if (done) return;
      }
      const description =
        inv instanceof TaskInvocation ? inv.description : textOf(inv.message.parts) || undefined;
      const entry = workEntry(route, inv, invocationInput(inv), description, this.opts.instance);
      this.opts.bus.publish(workStream(this.opts.namespace, route), entry).catch((e: unknown) => {
        fault('work-queue', `publishing ${idem} on route "${route}"`, e);
        settle(
          failed(
            agentFailure('BATON_E_AGENT_UNAVAILABLE', `could not queue the task for workers: ${String(e)}`),
          ),
        );
      });
      // Re-issued after a takeover: an answer journaled before may never have reached the worker.
      const pending = inv.remote?.pendingInput();
      if (pending !== undefined) this.answer(idem, pending);
    });
  }

  private answer(idem: string, answer: ProvidedInput): void {
    const entry: InputEntry = { v: 1, kind: 'input', idem, input: answer.input, seq: answer.seq };
    this.opts.bus
      .publish(controlStream(this.opts.namespace), entry)
      .catch((e: unknown) => fault('work-queue', `announcing the answer for ${idem}`, e));
  }

  /** For a timeout's message: which worker had the attempt, as its claim says. */
  private async whoHolds(idem: string): Promise<string> {
    const claim = await this.opts.store.getWork(this.opts.namespace, idem).catch((e: unknown) => {
      fault('work-queue', `reading the claim of "${idem}"`, e);
      return undefined;
    });
    if (claim?.workerId) return `worker "${claim.workerId}" did not report`;
    return claim ? 'no worker took it (an instance held it waiting for one)' : 'no worker took it';
  }

  /** Tells every instance to take the work back from its worker (best effort: a late result is dropped anyway). */
  private cancel(idem: string, reason: string): void {
    const entry: CancelEntry = { v: 1, kind: 'cancel', idem, reason };
    this.opts.bus.publish(controlStream(this.opts.namespace), entry).catch((e: unknown) => {
      fault('work-queue', `announcing the cancellation of ${idem}`, e);
    });
  }

  /** Stops waiting for everything (the process is shutting down): attempts are issued again by the next owner. */
  close(): void {
    for (const p of [...this.pending.values()]) p.settle(canceled('the server is shutting down'));
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'canceled by the engine';
}
