// createClient: Baton's five services over one channel, as camelCase methods that take and return
// plain typed objects (the generated message shapes). Requests may leave out any field (defaults
// fill it); failures reject with a BatonError subclass (errors.ts).

import {
  credentials as grpcCredentials,
  status,
  type ChannelCredentials,
  type ChannelOptions,
} from '@grpc/grpc-js';
import {
  AgentServiceService,
  DeregisterAgentRequest,
  ListAgentsRequest,
  ListWorkersRequest,
  RegisterAgentRequest,
  type Agent,
  type DeepPartial,
  type ListAgentsResponse,
  type ListWorkersResponse,
  type WorkRequest,
  type WorkResponse,
} from './gen/baton/v1/agent.js';
import {
  CancelRunRequest,
  DeleteRunRequest,
  GetRunHistoryRequest,
  GetRunRequest,
  ListRunsRequest,
  ModifyRunRequest,
  PauseRunRequest,
  ResumeRunRequest,
  RunServiceService,
  ProvideInputRequest,
  SignalRunRequest,
  StartRunRequest,
  type GetRunHistoryResponse,
  type ListRunsResponse,
  type ModifyRunResponse,
  type Run,
  type RunEvent,
  type ProvideInputResponse,
  type SignalRunResponse,
} from './gen/baton/v1/run.js';
import {
  DeleteWorkflowRequest,
  GetWorkflowRequest,
  ListWorkflowsRequest,
  PlanWorkflowRequest,
  RegisterWorkflowRequest,
  ValidateWorkflowRequest,
  WorkflowServiceService,
  type DeleteWorkflowResponse,
  type ListWorkflowsResponse,
  type PlanWorkflowResponse,
  type RegisterWorkflowResponse,
  type ValidateWorkflowResponse,
  type Workflow,
} from './gen/baton/v1/workflow.js';
import {
  DeletePluginRequest,
  GetPluginRequest,
  ListPluginsRequest,
  ListPluginVersionsRequest,
  PluginServiceService,
  UploadPluginRequest,
  type ListPluginsResponse,
  type Plugin,
  type PluginRef,
  type UploadPluginResponse,
} from './gen/baton/v1/plugin.js';
import {
  CreateScheduleRequest,
  DeleteScheduleRequest,
  GetScheduleRequest,
  ListSchedulesRequest,
  PauseScheduleRequest,
  ScheduleServiceService,
  TriggerScheduleRequest,
  UnpauseScheduleRequest,
  type ListSchedulesResponse,
  type Schedule,
} from './gen/baton/v1/schedule.js';
import {
  CreateHookRequest,
  DeleteHookRequest,
  GetHookRequest,
  HookServiceService,
  ListHookExecutionsRequest,
  ListHooksRequest,
  TestHookRequest,
  UpdateHookRequest,
  type Hook,
  type ListHookExecutionsResponse,
  type TestHookResponse,
} from './gen/baton/v1/hook.js';
import { InternalError } from './errors.js';
import { compileRetry, type RetryOptions } from './retry.js';
import { Transport, type CallOptions } from './transport.js';
import { watchRun, type WatchOptions } from './watch.js';
import type { ClientDuplexStream } from '@grpc/grpc-js';

export interface ClientOptions {
  /** HOST:PORT of a `baton serve`, e.g. "127.0.0.1:50051". */
  readonly address: string;
  /** Default deadline of every unary call, retries included (ms); unset means none. */
  readonly deadlineMs?: number;
  /** Retry of UNAVAILABLE failures for calls safe to repeat, and of Watch reconnections. */
  readonly retry?: RetryOptions | false;
  /** Channel credentials; plaintext (insecure) by default, as `baton serve` listens on loopback. */
  readonly credentials?: ChannelCredentials;
  /** Extra grpc-js channel options. */
  readonly channelOptions?: ChannelOptions;
}

/** Any subset of a request; the rest takes the proto defaults. */
export type Req<T> = DeepPartial<T>;

export interface WorkflowsClient {
  /** Parses and validates a source; problems come back as diagnostics, not as errors. */
  validate(request: Req<ValidateWorkflowRequest>, options?: CallOptions): Promise<ValidateWorkflowResponse>;
  /** Validates a source and returns its plan; a workflow with errors rejects (InvalidArgumentError...). */
  plan(request: Req<PlanWorkflowRequest>, options?: CallOptions): Promise<PlanWorkflowResponse>;
  register(request: Req<RegisterWorkflowRequest>, options?: CallOptions): Promise<RegisterWorkflowResponse>;
  get(request: Req<GetWorkflowRequest>, options?: CallOptions): Promise<Workflow>;
  list(request?: Req<ListWorkflowsRequest>, options?: CallOptions): Promise<ListWorkflowsResponse>;
  delete(request: Req<DeleteWorkflowRequest>, options?: CallOptions): Promise<DeleteWorkflowResponse>;
}

export interface RunsClient {
  /**
   * Starts a run; retried on UNAVAILABLE only when the request carries a requestId (idempotency key).
   * AlreadyExistsError (BATON_E_REQUEST_ID_REUSED) when that requestId started a run with other content.
   */
  start(request: Req<StartRunRequest>, options?: CallOptions): Promise<Run>;
  get(runId: string, options?: CallOptions): Promise<Run>;
  list(request?: Req<ListRunsRequest>, options?: CallOptions): Promise<ListRunsResponse>;
  /** The run's events from `cursor` until it ends, reconnecting after a dropped connection. */
  watch(runId: string, options?: WatchOptions): AsyncGenerator<RunEvent, void, undefined>;
  pause(runId: string, reason?: string, options?: CallOptions): Promise<Run>;
  resume(runId: string, reason?: string, options?: CallOptions): Promise<Run>;
  cancel(runId: string, reason?: string, options?: CallOptions): Promise<Run>;
  /** Delivers an event; retried on UNAVAILABLE only when it carries an eventId (journaled once). */
  signal(request: Req<SignalRunRequest>, options?: CallOptions): Promise<SignalRunResponse>;
  /**
   * Answers the agent of a task that waits for input (Run.inputRequired lists them); retried on
   * UNAVAILABLE only when it carries a requestId (taken once). FailedPreconditionError
   * (BATON_E_NOT_WAITING_FOR_INPUT) when the task does not wait, (BATON_E_RUN_ENDED) when the run ended.
   */
  provideInput(request: Req<ProvideInputRequest>, options?: CallOptions): Promise<ProvideInputResponse>;
  modify(request: Req<ModifyRunRequest>, options?: CallOptions): Promise<ModifyRunResponse>;
  history(request: Req<GetRunHistoryRequest>, options?: CallOptions): Promise<GetRunHistoryResponse>;
  /**
   * Deletes an ended run with its journal, snapshots and inbox. FailedPreconditionError
   * (BATON_E_RUN_NOT_ENDED) while it has not ended; NotFoundError for an unknown run.
   */
  delete(runId: string, options?: CallOptions): Promise<void>;
}

export interface SchedulesClient {
  /**
   * Creates a schedule: a cron expression (with timezone) or an interval, an overlap policy, a catch-up
   * window, and the workflow and input each fire runs. InvalidArgumentError names the field at fault;
   * NotFoundError for an unregistered workflow; AlreadyExistsError for a schedule id in use.
   */
  create(request: Req<CreateScheduleRequest>, options?: CallOptions): Promise<Schedule>;
  get(scheduleId: string, options?: CallOptions): Promise<Schedule>;
  list(request?: Req<ListSchedulesRequest>, options?: CallOptions): Promise<ListSchedulesResponse>;
  /** Deletes a schedule; the runs it started are kept. */
  delete(scheduleId: string, options?: CallOptions): Promise<void>;
  pause(scheduleId: string, note?: string, options?: CallOptions): Promise<Schedule>;
  /** Fires again from the next fire time after now (fires that fell while paused are not made up). */
  unpause(scheduleId: string, note?: string, options?: CallOptions): Promise<Schedule>;
  /** Starts a run now, whatever the overlap policy; resolves with its run id. */
  trigger(scheduleId: string, options?: CallOptions): Promise<string>;
}

export interface HooksClient {
  /**
   * Creates a global hook of the namespace: it runs for every run that starts afterwards.
   * InvalidArgumentError naming the field; AlreadyExistsError for a name in use.
   */
  create(hook: Req<Hook>, options?: CallOptions): Promise<Hook>;
  /** The namespace's global hooks by priority, then name; `trigger` narrows to one trigger. */
  list(trigger?: string, options?: CallOptions): Promise<Hook[]>;
  get(name: string, options?: CallOptions): Promise<Hook>;
  /** Replaces a hook's definition (read it, change it, send it back); its name says which. */
  update(hook: Req<Hook>, options?: CallOptions): Promise<Hook>;
  delete(name: string, options?: CallOptions): Promise<void>;
  /** Runs a hook once (stored by name, or given) against a sample context and returns its verdict. */
  test(request: Req<TestHookRequest>, options?: CallOptions): Promise<TestHookResponse>;
  /** The execution log, newest first, narrowed by run_id and/or hook. */
  executions(
    request?: Req<ListHookExecutionsRequest>,
    options?: CallOptions,
  ): Promise<ListHookExecutionsResponse>;
}

export interface AgentsClient {
  register(agent: Req<Agent>, options?: CallOptions): Promise<Agent>;
  list(request?: Req<ListAgentsRequest>, options?: CallOptions): Promise<ListAgentsResponse>;
  deregister(agentId: string, options?: CallOptions): Promise<void>;
  /** The workers connected to every instance sharing the server's store, and its own queued jobs. */
  listWorkers(options?: CallOptions): Promise<ListWorkersResponse>;
  /**
   * Opens a worker's Work stream as is (send a WorkerHello first).
   * @experimental `createWorker` wraps it with heartbeats, reconnection and draining.
   */
  work(options?: CallOptions): ClientDuplexStream<WorkRequest, WorkResponse>;
}

export interface PluginsClient {
  /**
   * Uploads a plugin (its manifest.json text and module bytes); the server runs the loader's checklist
   * first. The same bytes again resolve with `created: false`; other bytes under a stored
   * name@version reject with AlreadyExistsError; a refused check with InvalidArgumentError or
   * FailedPreconditionError carrying the loader's code (e.g. BATON_E_PLUGIN_MEMORY).
   */
  upload(request: Req<UploadPluginRequest>, options?: CallOptions): Promise<UploadPluginResponse>;
  list(request?: Req<ListPluginsRequest>, options?: CallOptions): Promise<ListPluginsResponse>;
  /** One stored plugin with its describe answer; without a version, its highest. */
  get(ref: Req<PluginRef>, options?: CallOptions): Promise<Plugin>;
  /** The stored versions of a plugin, highest first (semver). */
  versions(name: string, options?: CallOptions): Promise<string[]>;
  /** Deletes name@version; FailedPreconditionError while a run that has not ended is bound to it. */
  delete(ref: Req<PluginRef>, options?: CallOptions): Promise<void>;
}

export interface BatonClient {
  readonly workflows: WorkflowsClient;
  readonly runs: RunsClient;
  readonly agents: AgentsClient;
  readonly plugins: PluginsClient;
  readonly schedules: SchedulesClient;
  readonly hooks: HooksClient;
  /** Closes the channel; calls in flight fail with CANCELLED or UNAVAILABLE. */
  close(): void;
}

/** A response field the server must always set; its absence is a server bug, not a user error. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new InternalError({
      code: 'GRPC_INTERNAL',
      message: `the server sent no ${what}`,
      grpcStatus: status.INTERNAL,
    });
  return value;
}

/** Reconnect quickly after a server restart: grpc-js's default backoff grows to two minutes. */
const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
  // Workflow sources may be 16 MiB; the server accepts up to 17 MiB.
  'grpc.max_send_message_length': 17 * 1024 * 1024,
  'grpc.max_receive_message_length': 17 * 1024 * 1024,
};

export function createClient(options: ClientOptions): BatonClient {
  if (!options.address) throw new TypeError('createClient: address is required (HOST:PORT)');
  const t = new Transport(
    options.address,
    options.credentials ?? grpcCredentials.createInsecure(),
    { ...DEFAULT_CHANNEL_OPTIONS, ...options.channelOptions },
    options.deadlineMs,
    compileRetry(options.retry),
  );
  const W = WorkflowServiceService;
  const R = RunServiceService;
  const A = AgentServiceService;
  const workflows: WorkflowsClient = {
    validate: (req, o = {}) => t.unary(W.validateWorkflow, ValidateWorkflowRequest.fromPartial(req), o, true),
    plan: (req, o = {}) => t.unary(W.planWorkflow, PlanWorkflowRequest.fromPartial(req), o, true),
    // The same source under the same name and version is one version: registering twice is harmless.
    register: (req, o = {}) => t.unary(W.registerWorkflow, RegisterWorkflowRequest.fromPartial(req), o, true),
    get: async (req, o = {}) =>
      present(
        (await t.unary(W.getWorkflow, GetWorkflowRequest.fromPartial(req), o, true)).workflow,
        'workflow',
      ),
    list: (req = {}, o = {}) => t.unary(W.listWorkflows, ListWorkflowsRequest.fromPartial(req), o, true),
    delete: (req, o = {}) => t.unary(W.deleteWorkflow, DeleteWorkflowRequest.fromPartial(req), o, false),
  };
  const runs: RunsClient = {
    start: async (req, o = {}) =>
      present(
        (await t.unary(R.startRun, StartRunRequest.fromPartial(req), o, Boolean(req.requestId))).run,
        'run',
      ),
    get: async (runId, o = {}) =>
      present((await t.unary(R.getRun, GetRunRequest.fromPartial({ runId }), o, true)).run, 'run'),
    list: (req = {}, o = {}) => t.unary(R.listRuns, ListRunsRequest.fromPartial(req), o, true),
    watch: (runId, o = {}) => watchRun(t, runId, o),
    pause: async (runId, reason = '', o = {}) =>
      present(
        (await t.unary(R.pauseRun, PauseRunRequest.fromPartial({ runId, reason }), o, false)).run,
        'run',
      ),
    resume: async (runId, reason = '', o = {}) =>
      present(
        (await t.unary(R.resumeRun, ResumeRunRequest.fromPartial({ runId, reason }), o, false)).run,
        'run',
      ),
    cancel: async (runId, reason = '', o = {}) =>
      present(
        (await t.unary(R.cancelRun, CancelRunRequest.fromPartial({ runId, reason }), o, false)).run,
        'run',
      ),
    signal: (req, o = {}) => t.unary(R.signalRun, SignalRunRequest.fromPartial(req), o, Boolean(req.eventId)),
    provideInput: (req, o = {}) =>
      t.unary(R.provideInput, ProvideInputRequest.fromPartial(req), o, Boolean(req.requestId)),
    modify: (req, o = {}) => t.unary(R.modifyRun, ModifyRunRequest.fromPartial(req), o, false),
    history: (req, o = {}) => t.unary(R.getRunHistory, GetRunHistoryRequest.fromPartial(req), o, true),
    // Deleting twice is NOT_FOUND the second time: not retried, so the caller sees what happened.
    delete: async (runId, o = {}) => {
      await t.unary(R.deleteRun, DeleteRunRequest.fromPartial({ runId }), o, false);
    },
  };
  const agents: AgentsClient = {
    // Registering the same definition again is harmless (a different one is ALREADY_EXISTS).
    register: async (agent, o = {}) =>
      present(
        (await t.unary(A.registerAgent, RegisterAgentRequest.fromPartial({ agent }), o, true)).agent,
        'agent',
      ),
    list: (req = {}, o = {}) => t.unary(A.listAgents, ListAgentsRequest.fromPartial(req), o, true),
    deregister: async (agentId, o = {}) => {
      await t.unary(A.deregisterAgent, DeregisterAgentRequest.fromPartial({ agentId }), o, false);
    },
    listWorkers: (o = {}) => t.unary(A.listWorkers, ListWorkersRequest.fromPartial({}), o, true),
    work: (o = {}) => t.bidiStream(A.work, o),
  };
  const P = PluginServiceService;
  const plugins: PluginsClient = {
    // A name@version is immutable: uploading the same bytes twice is harmless.
    upload: (req, o = {}) => t.unary(P.uploadPlugin, UploadPluginRequest.fromPartial(req), o, true),
    list: (req = {}, o = {}) => t.unary(P.listPlugins, ListPluginsRequest.fromPartial(req), o, true),
    get: async (plugin, o = {}) =>
      present(
        (await t.unary(P.getPlugin, GetPluginRequest.fromPartial({ plugin }), o, true)).plugin,
        'plugin',
      ),
    versions: async (name, o = {}) =>
      (await t.unary(P.listPluginVersions, ListPluginVersionsRequest.fromPartial({ name }), o, true))
        .versions,
    delete: async (plugin, o = {}) => {
      await t.unary(P.deletePlugin, DeletePluginRequest.fromPartial({ plugin }), o, false);
    },
  };
  const S = ScheduleServiceService;
  const schedules: SchedulesClient = {
    // A retried create finds the id taken (AlreadyExistsError): not retried.
    create: async (req, o = {}) =>
      present(
        (await t.unary(S.createSchedule, CreateScheduleRequest.fromPartial(req), o, false)).schedule,
        'schedule',
      ),
    get: async (scheduleId, o = {}) =>
      present(
        (await t.unary(S.getSchedule, GetScheduleRequest.fromPartial({ scheduleId }), o, true)).schedule,
        'schedule',
      ),
    list: (req = {}, o = {}) => t.unary(S.listSchedules, ListSchedulesRequest.fromPartial(req), o, true),
    delete: async (scheduleId, o = {}) => {
      await t.unary(S.deleteSchedule, DeleteScheduleRequest.fromPartial({ scheduleId }), o, false);
    },
    // Pausing or unpausing twice is harmless.
    pause: async (scheduleId, note = '', o = {}) =>
      present(
        (await t.unary(S.pauseSchedule, PauseScheduleRequest.fromPartial({ scheduleId, note }), o, true))
          .schedule,
        'schedule',
      ),
    unpause: async (scheduleId, note = '', o = {}) =>
      present(
        (await t.unary(S.unpauseSchedule, UnpauseScheduleRequest.fromPartial({ scheduleId, note }), o, true))
          .schedule,
        'schedule',
      ),
    trigger: async (scheduleId, o = {}) =>
      (await t.unary(S.triggerSchedule, TriggerScheduleRequest.fromPartial({ scheduleId }), o, false)).runId,
  };
  const H = HookServiceService;
  const hooks: HooksClient = {
    // A retried create finds the name taken (AlreadyExistsError): not retried.
    create: async (hook, o = {}) =>
      present((await t.unary(H.createHook, CreateHookRequest.fromPartial({ hook }), o, false)).hook, 'hook'),
    list: async (trigger = '', o = {}) =>
      (await t.unary(H.listHooks, ListHooksRequest.fromPartial({ trigger }), o, true)).hooks,
    get: async (name, o = {}) =>
      present((await t.unary(H.getHook, GetHookRequest.fromPartial({ name }), o, true)).hook, 'hook'),
    // Replacing with the same definition twice gives the same hook.
    update: async (hook, o = {}) =>
      present((await t.unary(H.updateHook, UpdateHookRequest.fromPartial({ hook }), o, true)).hook, 'hook'),
    delete: async (name, o = {}) => {
      await t.unary(H.deleteHook, DeleteHookRequest.fromPartial({ name }), o, false);
    },
    // A trial may have side effects (a webhook's receiver sees it): not retried.
    test: (req, o = {}) => t.unary(H.testHook, TestHookRequest.fromPartial(req), o, false),
    executions: (req = {}, o = {}) =>
      t.unary(H.listHookExecutions, ListHookExecutionsRequest.fromPartial(req), o, true),
  };
  return { workflows, runs, agents, plugins, schedules, hooks, close: () => t.close() };
}
