// One task attempt as one A2A task on a remote agent. A first call sends the attempt's message
// (SendStreamingMessage when the card says the agent streams, else SendMessage returning at once and
// GetTask polling) and reports the agent's task id as soon as it is known, so the run journals it; an
// attempt re-issued after a crash re-attaches to that task (SubscribeToTask, or GetTask) instead of
// sending again. Status updates become progress; artifacts become the output; a lost stream is
// re-attached; the engine's cancel and the task deadline cancel the remote task (CancelTask). While the
// task waits for input, an answer journaled for the attempt is sent as the next message of the same task
// (same task and context id); a re-attached attempt sends an answer journaled but maybe never sent.

import { Role, TaskState, type Message, type StreamResponse, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { BatonError } from '../../errors/registry.js';
import {
  agentFailure,
  AttemptAbandoned,
  inputMessageId,
  canceled,
  completed,
  failed,
  type AgentErrorCode,
  type AgentInvocation,
  type AgentOutcome,
  type ProvidedInput,
} from '../adapter.js';
import { dataPart, textPart } from '../a2a-parts.js';
import type { A2AConnection } from './connections.js';
import { failureOf } from './failures.js';
import { contextIdOf, requestMessage } from './message.js';
import { messageText, outputOfParts, TaskView } from './task-view.js';

export interface A2ALimits {
  /** The most bytes of artifacts one task may return (the output is journaled). Default 8 MiB. */
  readonly maxOutputBytes: number;
  /** GetTask polling (and re-subscribing after an idle stream) backs off from this... */
  readonly pollMinMs: number;
  /** ...doubling up to this. */
  readonly pollMaxMs: number;
  /** Bound on the CancelTask call made when the engine cancels or the deadline passes. */
  readonly cancelTimeoutMs: number;
  /** Consecutive failed re-attaches (transport errors, 5xx) before the attempt fails as unavailable. */
  readonly reattachTries: number;
}

export const DEFAULT_LIMITS: A2ALimits = {
  maxOutputBytes: 8 * 1024 * 1024,
  pollMinMs: 10,
  pollMaxMs: 1000,
  cancelTimeoutMs: 5000,
  reattachTries: 5,
};

/** What the adapter counts, for operators: remote cancels that failed, streams re-attached. */
export const a2aCounters = { cancelFailures: 0, reattaches: 0 };

const AGENT_CODES: ReadonlySet<string> = new Set<AgentErrorCode>([
  'BATON_E_AGENT_UNAVAILABLE',
  'BATON_E_AGENT_CARD_INVALID',
  'BATON_E_A2A_AUTH_REQUIRED',
]);

export class RemoteAttempt {
  private readonly view: TaskView;
  private readonly stop = new AbortController();
  private why: 'cancel' | 'deadline' | undefined;
  private conn: A2AConnection | undefined;
  private attachedReported: boolean;
  private asked: string | undefined;
  /** Events seen in the current stream after its first (the task's snapshot). */
  private streamed = 0;
  /** The last answer journaled while this attempt ran (onInput), and the seqs of answers sent. */
  private arrived: ProvidedInput | undefined;
  private readonly sent = new Set<number>();
  /** The question (status message id and time) the last answer sent replied to: seen again, it is stale. */
  private answered: string | undefined;
  /** Cuts a pause or a watch short when an answer arrives. */
  private wake: (() => void) | undefined;
  /** The watch under way was cut by an answer (not a failure). */
  private interrupted = false;

  constructor(
    private readonly agentId: string,
    private readonly connect: () => Promise<A2AConnection>,
    private readonly inv: AgentInvocation,
    private readonly signal: AbortSignal,
    private readonly limits: A2ALimits,
  ) {
    const known = inv.remote?.remoteTaskId;
    this.view = new TaskView(known);
    this.attachedReported = known !== undefined;
  }

  private get who(): string {
    return this.conn?.who ?? `agent "${this.agentId}"`;
  }

  async run(): Promise<AgentOutcome> {
    if (this.signal.aborted) return canceled(reasonOf(this.signal));
    const onAbort = () => {
      this.why ??= 'cancel';
      this.stop.abort();
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    const unlisten = this.inv.remote?.onInput((answer) => {
      this.arrived = answer;
      this.wake?.();
    });
    const ms = this.inv.deadline === undefined ? undefined : this.inv.deadline - Date.now();
    const timer =
      ms === undefined
        ? undefined
        : setTimeout(
            () => {
              this.why ??= 'deadline';
              this.stop.abort();
            },
            Math.max(0, ms),
          );
    try {
      this.conn = await untilAborted(this.connect(), this.stop.signal);
      return await this.follow(this.conn);
    } catch (e) {
      if (this.stop.signal.aborted) return await this.aborted();
      if (e instanceof BatonError && AGENT_CODES.has(e.code))
        return failed(agentFailure(e.code as AgentErrorCode, e.message));
      return failed(failureOf(e, this.who));
    } finally {
      clearTimeout(timer);
      unlisten?.();
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Sends (or re-attaches) and follows the task until it ends or waits for something Baton cannot give. */
  private async follow(conn: A2AConnection): Promise<AgentOutcome> {
    const v = this.view;
    let send = v.taskId === undefined;
    let failures = 0;
    let idle = 0;
    for (;;) {
      this.streamed = 0;
      this.interrupted = false;
      try {
        const answer = this.answerToSend();
        if (send) {
          send = false;
          await this.send(conn);
        } else if (answer !== undefined) await this.sendAnswer(conn, answer);
        else await this.watch(conn);
        failures = 0;
      } catch (e) {
        if (this.stop.signal.aborted) throw e;
        // An answer arrived while the task was watched: send it now.
        if (this.interrupted) {
          this.interrupted = false;
          continue;
        }
        const f = failureOf(e, conn.who);
        // Before the agent named a task there is nothing to re-attach to: the attempt fails (a retry sends again).
        if (
          v.taskId === undefined ||
          !f.retryable ||
          e instanceof TaskNotFoundError ||
          ++failures > this.limits.reattachTries
        ) {
          if (v.taskId !== undefined && !(e instanceof TaskNotFoundError)) void this.cancelRemote(conn);
          return failed(f);
        }
        a2aCounters.reattaches++;
      }
      const outcome = this.outcome(conn);
      if (outcome !== undefined) return outcome;
      if (v.state === TaskState.TASK_STATE_AUTH_REQUIRED) {
        const { text } = messageText(v.status?.message);
        await this.cancelRemote(conn);
        return failed(
          agentFailure(
            'BATON_E_A2A_AUTH_REQUIRED',
            `${conn.who} asked for authorization Baton cannot give (task ${v.taskId} is auth-required)${text === '' ? '' : `: ${text}`}`,
          ),
        );
      }
      // A stream that delivered news is followed again at once; idle streams back off. Polls look again
      // at once after the send (a quick agent has finished by then), then back off.
      idle = conn.streaming && this.streamed > 0 && failures === 0 ? 0 : idle + 1;
      const backoff = conn.streaming || failures > 0 ? idle - 1 : idle - 2;
      if (idle > 0 && backoff >= 0 && this.answerToSend() === undefined) {
        const wait = Math.min(this.limits.pollMinMs * 2 ** backoff, this.limits.pollMaxMs);
        await this.pause(wait);
      }
    }
  }

  /** Waits `ms`, less if an answer arrives; rejects once the attempt is stopped. */
  private pause(ms: number): Promise<void> {
    const stop = this.stop.signal;
    if (stop.aborted) return Promise.reject(stop.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        stop.removeEventListener('abort', onStop);
        this.wake = undefined;
      };
      const onStop = (): void => {
        done();
        reject(stop.reason as Error);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      stop.addEventListener('abort', onStop, { once: true });
      this.wake = () => {
        done();
        resolve();
      };
    });
  }

  /** The answer to send now: the task waits for input and an answer journaled for it has not been sent. */
  private answerToSend(): ProvidedInput | undefined {
    if (this.view.state !== TaskState.TASK_STATE_INPUT_REQUIRED || this.questionKey() === this.answered)
      return undefined;
    for (const a of [this.arrived, this.inv.remote?.pendingInput()])
      if (a !== undefined && !this.sent.has(a.seq)) return a;
    return undefined;
  }

  /** Which question the task's status asks: its message id and time (a new question has new ones). */
  private questionKey(): string {
    const st = this.view.status;
    return `${st?.message?.messageId ?? ''}|${st?.timestamp ?? ''}`;
  }

  /** The answer, as the next message of the same task: same task id and context id. */
  private async sendAnswer(conn: A2AConnection, answer: ProvidedInput): Promise<void> {
    const v = this.view;
    const message: Message = {
      messageId: inputMessageId(this.inv.idempotencyKey, answer),
      contextId: v.contextId ?? contextIdOf(this.inv.runId, this.agentId),
      taskId: v.taskId!,
      role: Role.ROLE_USER,
      // Words go as text (what a person typed); anything else as a JSON data part.
      parts: [typeof answer.input === 'string' ? textPart(answer.input) : dataPart(answer.input)],
      metadata: { baton: { run_id: this.inv.runId, task: this.inv.instanceKey, attempt: this.inv.attempt } },
      extensions: [],
      referenceTaskIds: [],
    };
    const request = { ...this.request(conn, !conn.streaming), message };
    const options = { signal: this.stop.signal };
    this.answered = this.questionKey();
    this.sent.add(answer.seq);
    try {
      if (conn.streaming) await this.consume(conn.client.sendMessageStream(request, options));
      else {
        const result = await conn.client.sendMessage(request, options);
        if ('status' in result) this.observeTask(result);
        else this.view.reply = result;
      }
    } catch (e) {
      // Not sent (or not known to be): a later turn of the loop sends it again, under the same id.
      this.answered = undefined;
      this.sent.delete(answer.seq);
      throw e;
    }
  }

  private request(conn: A2AConnection, returnImmediately: boolean) {
    return {
      tenant: '',
      message: requestMessage(this.inv, this.agentId, conn.shape),
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        historyLength: 0,
        returnImmediately,
      },
      metadata: undefined,
    };
  }

  private async send(conn: A2AConnection): Promise<void> {
    const options = { signal: this.stop.signal };
    if (conn.streaming)
      return this.consume(conn.client.sendMessageStream(this.request(conn, false), options));
    const result = await conn.client.sendMessage(this.request(conn, true), options);
    if ('status' in result) this.observeTask(result);
    else this.view.reply = result;
  }

  /** Re-attaches to the known task: SubscribeToTask when the agent streams, else one GetTask. */
  private async watch(conn: A2AConnection): Promise<void> {
    const id = this.view.taskId!;
    // A subscription to a task waiting for input may stay open until the agent hears from Baton: an
    // answer arriving cuts it (wake), so the loop sends the answer.
    const cut = new AbortController();
    const options = { signal: AbortSignal.any([this.stop.signal, cut.signal]) };
    this.wake = () => {
      this.interrupted = true;
      cut.abort(new Error('an answer arrived'));
    };
    try {
      if (conn.streaming) {
        try {
          return await this.consume(conn.client.resubscribeTask({ tenant: '', id }, options));
        } catch (e) {
          // A task that ended meanwhile cannot be subscribed to (spec §3.1.6): read its final state.
          if (!(e instanceof UnsupportedOperationError)) throw e;
        }
      }
      this.observeTask(await conn.client.getTask({ tenant: '', id, historyLength: 0 }, options));
    } finally {
      this.wake = undefined;
    }
  }

  private async consume(stream: AsyncGenerator<StreamResponse>): Promise<void> {
    for await (const event of stream) {
      const before = this.view.state;
      this.view.apply(event);
      if (event.payload?.$case !== 'task') this.streamed++;
      this.afterEvent(before, event.payload?.$case === 'statusUpdate' ? event.payload.value : undefined);
      // An agent's stream may stay open through auth-required (spec §7.6.1): Baton cannot answer it.
      const v = this.view;
      if (v.done || v.bytes > this.limits.maxOutputBytes || v.state === TaskState.TASK_STATE_AUTH_REQUIRED)
        break;
      // The task waits for an answer Baton has: stop listening and send it.
      if (this.answerToSend() !== undefined) break;
    }
  }

  private observeTask(task: Parameters<TaskView['applyTask']>[0]): void {
    const before = this.view.state;
    const message = this.view.status?.message;
    this.view.applyTask(task);
    const changed =
      task.status !== undefined && (task.status.message !== message || task.status.state !== before);
    this.afterEvent(
      before,
      changed && task.status !== undefined
        ? { taskId: task.id, contextId: task.contextId, status: task.status, metadata: task.metadata }
        : undefined,
    );
  }

  /** Reports the task id once, and a working status as progress. */
  private afterEvent(before: TaskState, update: TaskStatusUpdateEvent | undefined): void {
    const v = this.view;
    if (!this.attachedReported && v.taskId !== undefined) {
      this.attachedReported = true;
      this.inv.remote?.attached(v.taskId);
    }
    if (update !== undefined && update.status?.state === TaskState.TASK_STATE_WORKING)
      this.inv.onUpdate?.(update);
    if (v.state === TaskState.TASK_STATE_INPUT_REQUIRED) {
      // The question answered already (a stale view), or one this attempt answers next: nothing to report.
      if (this.questionKey() !== this.answered && this.answerToSend() === undefined) this.reportInput();
    } else if (before === TaskState.TASK_STATE_INPUT_REQUIRED) this.asked = undefined;
  }

  private reportInput(): void {
    const { text, data } = messageText(this.view.status?.message);
    const question = text === '' ? '(the agent gave no question)' : text;
    if (this.asked === question) return;
    this.asked = question;
    this.inv.remote?.inputRequired(data === undefined ? { question } : { question, data });
  }

  /** The attempt's outcome once the task ended (or its output outgrew the limit); undefined while it goes on. */
  private outcome(conn: A2AConnection): AgentOutcome | undefined {
    const v = this.view;
    if (v.bytes > this.limits.maxOutputBytes) {
      void this.cancelRemote(conn);
      return failed(
        agentFailure(
          'BATON_E_A2A_OUTPUT_TOO_LARGE',
          `${conn.who} returned more than ${this.limits.maxOutputBytes} bytes of artifacts for task ${v.taskId ?? '?'}`,
        ),
      );
    }
    if (v.reply !== undefined) {
      const artifact = {
        artifactId: 'reply',
        name: 'reply',
        description: '',
        parts: v.reply.parts,
        metadata: undefined,
        extensions: [],
      };
      return completed([artifact], outputOfParts(v.reply.parts));
    }
    if (!v.done) return undefined;
    const artifacts = v.artifactList();
    const { text } = messageText(v.status?.message);
    const said = text === '' ? '' : `: ${text}`;
    const meta = { ...v.metadata, ...v.status?.message?.metadata } as {
      retryable?: unknown;
      retry_after_ms?: unknown;
    };
    switch (v.state) {
      case TaskState.TASK_STATE_COMPLETED:
        return completed(artifacts, outputOfParts(artifacts.flatMap((a) => a.parts)));
      case TaskState.TASK_STATE_FAILED: {
        const after =
          typeof meta.retry_after_ms === 'number' && meta.retry_after_ms >= 0
            ? meta.retry_after_ms
            : undefined;
        const code = meta.retryable === false ? 'BATON_E_AGENT_REJECTED' : 'BATON_E_AGENT_FAILED';
        return failed(agentFailure(code, `${conn.who} failed task ${v.taskId}${said}`, after), artifacts);
      }
      case TaskState.TASK_STATE_REJECTED:
        return failed(
          agentFailure('BATON_E_AGENT_REJECTED', `${conn.who} rejected task ${v.taskId}${said}`),
          artifacts,
        );
      default:
        // Cancelled by the agent itself (Baton's own cancel never gets here): the attempt failed.
        return failed(
          agentFailure('BATON_E_AGENT_FAILED', `${conn.who} cancelled task ${v.taskId} itself${said}`),
          artifacts,
        );
    }
  }

  /**
   * The engine cancelled, or the deadline passed: cancel the remote task, then say so. An engine that
   * stopped driving the run abandons the attempt: the task goes on for whoever takes the run over.
   */
  private async aborted(): Promise<AgentOutcome> {
    const abandoned = this.why === 'cancel' && this.signal.reason instanceof AttemptAbandoned;
    if (this.conn !== undefined && !abandoned) await this.cancelRemote(this.conn);
    if (this.why === 'deadline') {
      const task = this.view.taskId === undefined ? '' : ` (task ${this.view.taskId} cancelled)`;
      return failed(
        agentFailure('BATON_E_AGENT_TIMEOUT', `${this.who} did not finish before the task deadline${task}`),
      );
    }
    return canceled(reasonOf(this.signal));
  }

  /** Best effort, bounded: a task that already ended or that the agent forgot needs no cancel. */
  private async cancelRemote(conn: A2AConnection): Promise<void> {
    const id = this.view.taskId;
    if (id === undefined || this.view.done) return;
    try {
      const task = await conn.client.cancelTask(
        { tenant: '', id, metadata: undefined },
        { signal: AbortSignal.timeout(this.limits.cancelTimeoutMs) },
      );
      this.view.applyTask(task);
    } catch (e) {
      if (e instanceof TaskNotCancelableError || e instanceof TaskNotFoundError) return;
      a2aCounters.cancelFailures++;
      console.warn(
        `[baton a2a] could not cancel task ${id} of ${conn.who}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'cancelled';
}

/** `p`, unless `signal` aborts first (then rejects with its reason). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
