// One served workflow as an A2A agent (the SDK's A2ARequestHandler, behind its JSON-RPC, HTTP+JSON and
// gRPC transports): SendMessage starts a run of the workflow's latest version (the message id is the
// run's request id, so a retried message finds the run it started), the task id is the run id, GetTask
// and the streams read the run's journal, CancelTask cancels the run (compensation included).

import { randomUUID } from 'node:crypto';
import { TaskState, type AgentCard, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import {
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type {
  CancelTaskRequest,
  GetTaskRequest,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SubscribeToTaskRequest,
} from '@a2a-js/sdk';
import { apply, waitingForInput, type RunState } from '../core/index.js';
import type { CheckOptions } from '../plan/index.js';
import type { Engine } from '../runtime/engine.js';
import { JOURNAL_WAIT_MS } from '../runtime/journal-wait.js';
import { toEntry } from '../runtime/records.js';
import { RunExistsError } from '../store/store.js';
import { runStartedOf } from '../api/request-reuse.js';
import { sameJson } from '../store/store-args.js';
import { quote } from '../errors/quote.js';
import { resolveRunInput } from '../spec/run-input.js';
import { agentCardOf, type ServedAt } from './agent-card.js';
import { ServedError, taskNotFound, toA2AError } from './a2a-errors.js';
import { callSignal } from './call-signals.js';
import { answerOf, runInputOf } from './message-input.js';
import { followJournal, loadRun, type JournalDeps } from './run-journal.js';
import { eventsOf, TERMINAL_STATES, taskOf, taskStateOf } from './run-task.js';
import type { ServedWorkflows } from './served-workflows.js';
import { listTasks } from './task-list.js';

export interface AgentDeps extends JournalDeps {
  readonly engine: Engine;
  readonly workflows: ServedWorkflows;
  readonly check?: CheckOptions;
  /** Where relative module endpoints of started workflows resolve (the server's agents directory). */
  readonly baseDir: string;
  /** Where the edge is reached (the card's interfaces), when no request says better. */
  readonly servedAt: () => ServedAt;
  /** Set while the server drains: no new runs. */
  readonly admission?: { readonly draining: boolean };
}

/** The request id a message starts a run under: scoped to the workflow, so agents never share runs. */
export const requestIdOf = (workflow: string, messageId: string): string => `a2a:${workflow}:${messageId}`;

/** Longest message id taken: it becomes a request id, which limits.ts bounds. */
const MAX_MESSAGE_ID = 512;

const settled = (s: RunState): boolean => {
  const state = taskStateOf(s);
  return TERMINAL_STATES.has(state) || state === TaskState.TASK_STATE_INPUT_REQUIRED;
};

export class WorkflowAgent implements A2ARequestHandler {
  /** Starts of one request id in flight here: a second waits for the first, then finds its run. */
  private readonly starting = new Map<string, Promise<unknown>>();

  constructor(
    readonly name: string,
    private readonly deps: AgentDeps,
  ) {}

  async getAgentCard(): Promise<AgentCard> {
    return this.cardAt(this.deps.servedAt());
  }

  /** The card with the interfaces at `at`. @throws ServedError when the workflow is not registered. */
  async cardAt(at: ServedAt): Promise<AgentCard> {
    const spec = await this.deps.workflows.latest(this.name);
    if (spec === undefined) throw new ServedError(`workflow ${this.name} is not registered`);
    return agentCardOf(spec, at);
  }

  getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return Promise.reject(new UnsupportedOperationError('this agent has no extended agent card'));
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    return this.guard('SendMessage', async () => {
      const state = await this.accept(params);
      if (params.configuration?.returnImmediately === true || settled(state)) return taskOf(state);
      return taskOf(await this.untilSettled(state, callSignal(context)));
    });
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const state = await this.guard('SendStreamingMessage', () => this.accept(params));
    yield* this.stream(state, callSignal(context));
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    return this.guard('GetTask', async () => {
      if (params.historyLength !== undefined && params.historyLength < 0)
        throw new RequestMalformedError(`historyLength must be 0 or more, not ${params.historyLength}`);
      return taskOf(await this.run(params.id));
    });
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.guard('CancelTask', async () => {
      const state = await this.run(params.id);
      if (TERMINAL_STATES.has(taskStateOf(state)))
        throw new TaskNotCancelableError(`task ${params.id} has ended (${state.status}): nothing to cancel`);
      await this.deps.engine.command(
        params.id,
        { kind: 'cancel', by: 'a2a', reason: 'cancelled by an A2A client (CancelTask)' },
        true,
      );
      // The answer is the task as it is once cancelled (compensation done), or as it is when the caller leaves.
      return taskOf(await this.untilSettled(await this.run(params.id), callSignal(context), true));
    });
  }

  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const state = await this.guard('SubscribeToTask', () => this.run(params.id));
    if (TERMINAL_STATES.has(taskStateOf(state)))
      throw new UnsupportedOperationError(
        `task ${params.id} has ended (${state.status}): GetTask has its final state`,
      );
    yield* this.stream(state, callSignal(context));
  }

  async listTasks(params: ListTasksRequest): Promise<ListTasksResponse> {
    return this.guard('ListTasks', () => listTasks(this.deps, this.name, params));
  }

  createTaskPushNotificationConfig(): Promise<never> {
    return Promise.reject(new PushNotificationNotSupportedError('push notifications are not supported'));
  }
  getTaskPushNotificationConfig(): Promise<never> {
    return this.createTaskPushNotificationConfig();
  }
  listTaskPushNotificationConfigs(): Promise<never> {
    return this.createTaskPushNotificationConfig();
  }
  deleteTaskPushNotificationConfig(): Promise<never> {
    return this.createTaskPushNotificationConfig();
  }

  /** The run a task id names, if it is a run of this workflow. */
  private async run(id: string): Promise<RunState> {
    if (id === '') throw new RequestMalformedError('the task id is required');
    const record = await this.deps.store.getRun(this.deps.namespace, id);
    if (record === undefined || record.workflowName !== this.name) throw taskNotFound(id);
    const state = await loadRun(this.deps, id);
    if (state === undefined) throw taskNotFound(id);
    return state;
  }

  private async guard<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw toA2AError(e, `${what} of ${this.name}`);
    }
  }

  /** The run a message starts (or started, when it is sent again), or the task it continues. */
  private async accept(params: SendMessageRequest): Promise<RunState> {
    const message = params.message;
    if (message === undefined) throw new RequestMalformedError('message is required');
    if (message.messageId === '') throw new RequestMalformedError('message.messageId is required');
    if (message.parts.length === 0)
      throw new RequestMalformedError('message.parts is empty: a message has at least one part');
    if (message.messageId.length > MAX_MESSAGE_ID)
      throw new RequestMalformedError(`message.messageId is longer than ${MAX_MESSAGE_ID} characters`);
    if (params.configuration?.taskPushNotificationConfig !== undefined)
      throw new PushNotificationNotSupportedError('push notifications are not supported');
    if (message.taskId !== '') return this.continueTask(message);
    const requestId = requestIdOf(this.name, message.messageId);
    while (this.starting.has(requestId)) await Promise.allSettled([this.starting.get(requestId)!]);
    const known = await this.deps.store.findRunByRequest(this.deps.namespace, requestId);
    if (known !== undefined) return this.resent(message, known);
    const started = this.start(message, requestId);
    this.starting.set(requestId, started);
    try {
      return await started;
    } catch (e) {
      // Another server of the same store created the message's run first: that run is the answer.
      const first =
        e instanceof RunExistsError &&
        (await this.deps.store.findRunByRequest(this.deps.namespace, requestId));
      if (first) return this.resent(message, first);
      throw e;
    } finally {
      this.starting.delete(requestId);
    }
  }

  /**
   * The run a message id already started, for the same message sent again. A message with other
   * content under that id (another input, another context) is a caller's bug, not a resend: it is
   * refused (-32602, as payment APIs refuse a reused idempotency key) instead of answered with a run
   * the message did not start.
   */
  private async resent(message: Message, runId: string): Promise<RunState> {
    const first = await runStartedOf(this.deps.store, this.deps.namespace, runId);
    if (first !== undefined) {
      const differs: string[] = [];
      let input: unknown;
      try {
        input = resolveRunInput(first.workflow, runInputOf(message, first.workflow));
      } catch {
        input = undefined; // not even an input of the run's workflow: it differs
      }
      if (!sameJson(input, first.input)) differs.push('its input');
      const context = first.options.a2a?.contextId;
      if (message.contextId !== '' && context !== undefined && message.contextId !== context)
        differs.push(`its context id (task ${runId} is in context ${quote(context)})`);
      if (differs.length > 0)
        throw new RequestMalformedError(
          `BATON_E_REQUEST_ID_REUSED: message id ${quote(message.messageId)} was already sent with other content and started task ${runId}: ${differs.join(' and ')} differ${differs.length === 1 ? 's' : ''}; resend the same message to get that task, or give a new message a new messageId`,
        );
    }
    return this.run(runId);
  }

  private async start(message: Message, requestId: string): Promise<RunState> {
    if (this.deps.admission?.draining)
      throw new ServedError(
        'the server is draining and starts no new runs: send the message to another instance',
      );
    const spec = await this.deps.workflows.latest(this.name);
    if (spec === undefined) throw new ServedError(`workflow ${this.name} is no longer registered`);
    const input = runInputOf(message, spec);
    const contextId = message.contextId !== '' ? message.contextId : randomUUID();
    const actor = await this.deps.engine.start(spec, input, {
      baseDir: this.deps.baseDir,
      requestId,
      a2a: { contextId },
    });
    await actor.whenCreated();
    return this.run(actor.runId);
  }

  /**
   * A message naming a task: the answer to the input the run asks for (input-required), the only message
   * a run takes. It goes to the one task that waits, or to the one `metadata.task` names (`research`,
   * `research[2]`), through Engine.provideInput; the message id makes a resent answer count once.
   */
  private async continueTask(message: Message): Promise<RunState> {
    const state = await this.run(message.taskId);
    const now = taskStateOf(state);
    if (TERMINAL_STATES.has(now))
      throw new UnsupportedOperationError(
        `task ${state.runId} has ended (${state.status}): it takes no more messages`,
      );
    const waiting = waitingForInput(state).map((w) => w.key);
    const named = (message.metadata as { task?: unknown } | undefined)?.task;
    if (named !== undefined && typeof named !== 'string')
      throw new RequestMalformedError('message.metadata.task names the waiting task: a string');
    if (named === undefined && waiting.length === 0)
      throw new UnsupportedOperationError(
        `task ${state.runId} is working and asks for no input: it takes no messages until it does`,
      );
    if (named === undefined && waiting.length > 1)
      throw new RequestMalformedError(
        `${waiting.length} tasks of ${state.runId} wait for input (${waiting.join(', ')}): name one in message.metadata.task`,
      );
    const task = named ?? waiting[0]!;
    const delivery = await this.deps.engine.provideInput(state.runId, task, answerOf(message), {
      requestId: requestIdOf(this.name, message.messageId),
    });
    // The task as of the answer (once it is journaled; it waits in the inbox while nobody drives the run).
    const after = await this.run(state.runId);
    return delivery.seq === undefined || after.lastSeq >= delivery.seq
      ? after
      : this.untilSeq(after, delivery.seq);
  }

  private async untilSeq(state: RunState, seq: number): Promise<RunState> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), JOURNAL_WAIT_MS);
    try {
      for await (const batch of followJournal(this.deps, state.runId, state.lastSeq, ac.signal)) {
        for (const r of batch) apply(state, toEntry(r));
        if (state.lastSeq >= seq) break;
      }
      return state;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Folds the run's journal into `state` until it settles (ends, or with `endOnly` only ends) or `signal` fires. */
  private async untilSettled(state: RunState, signal: AbortSignal, endOnly = false): Promise<RunState> {
    const done = (s: RunState) => (endOnly ? TERMINAL_STATES.has(taskStateOf(s)) : settled(s));
    if (done(state)) return state;
    for await (const batch of followJournal(this.deps, state.runId, state.lastSeq, signal)) {
      for (const r of batch) apply(state, toEntry(r));
      if (done(state)) break;
    }
    return state;
  }

  /** The task as it is, then what its journal says from there on, until it ends or the caller leaves. */
  private async *stream(
    state: RunState,
    signal: AbortSignal,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    yield { payload: { $case: 'task', value: taskOf(state) } };
    if (TERMINAL_STATES.has(taskStateOf(state))) return;
    let inputRequired = taskStateOf(state) === TaskState.TASK_STATE_INPUT_REQUIRED;
    for await (const batch of followJournal(this.deps, state.runId, state.lastSeq, signal)) {
      for (const r of batch) {
        apply(state, toEntry(r));
        yield* eventsOf(r, state, inputRequired);
        inputRequired = taskStateOf(state) === TaskState.TASK_STATE_INPUT_REQUIRED;
      }
    }
  }
}
