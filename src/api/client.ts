// The CLI's client of a Baton server's RunService: the one module outside the generated code that the
// CLI imports for gRPC (dependency-cruiser: only src/api imports src/api/gen). It speaks in plain values
// (no generated types leak out), and turns every failed call into a BatonError: the server's own error
// code from the ErrorDetail trailer when it sent one, else BATON_E_SERVER_UNAVAILABLE /
// BATON_E_SERVER_UNIMPLEMENTED / BATON_E_INTERNAL by status.

import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import {
  AgentRunStatus,
  GetRunHistoryRequest,
  ModifyRunRequest,
  type RunServiceClient,
  RunServiceService,
  RunStatus,
  StartRunRequest,
  type GetRunHistoryResponse,
  type Run,
  type RunEvent,
  type WatchRunResponse,
} from './gen/baton/v1/run.js';
import { readErrorDetail } from './errors.js';
import { deepResponses } from './deep-reader.js';

/** RunServiceClient whose responses may carry JSON as deep as the API accepts (deep-reader.ts). */
const DeepRunServiceClient = makeGenericClientConstructor(
  deepResponses(RunServiceService),
  'baton.v1.RunService',
) as unknown as typeof RunServiceClient;

/** A run as the server reports it, in the CLI's words (statuses as lowercase names). */
export interface RemoteRun {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  /** planning, executing, paused, completed, failed, cancelled. */
  readonly status: string;
  readonly phase: string;
  readonly agents: ReadonlyArray<{ agentId: string; status: string; currentTask: string; progress: number }>;
  readonly metrics: {
    totalRuntimeSeconds: number;
    agentsAllocated: number;
    tasksCompleted: number;
    coordinationOverhead: number;
  };
  /** ms since the Unix epoch. */
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly outputs?: Record<string, unknown>;
  readonly failure?: { code: string; message: string };
  /** The workflow's tasks by status, each task once. */
  readonly taskCounts: Readonly<Record<string, number>>;
  /** Tasks waiting for an event; since and timeout in ms (null for an `on` wait). */
  readonly waits: ReadonlyArray<{
    task: string;
    gate: 'wait_for' | 'on';
    channel: string;
    event: string | null;
    since: number | null;
    timeoutMs: number | null;
  }>;
  readonly compensated: readonly string[];
  /** Attempts whose agent waits for input: the key (`research[2]`), what it asked, since when (ms). */
  readonly inputRequired: ReadonlyArray<{
    key: string;
    attempt: number;
    agent: string | null;
    question: string;
    data: unknown;
    since: number;
    remote_task_id: string | null;
  }>;
}

/** What ProvideInput answered: where the answer sits in the journal (empty while it waits in the inbox). */
export interface RemoteInputDelivery {
  readonly cursor: string;
  readonly key: string;
  readonly attempt: number;
}

/** A journal entry as WatchRun and GetRunHistory send it. */
export interface RemoteEvent {
  readonly cursor: string;
  readonly seq: number;
  readonly type: string;
  /** ms since the Unix epoch. */
  readonly at: number;
  readonly data: Record<string, unknown>;
}

/** One change of a ModifyRunRequest; task definitions are workflow YAML (or JSON) text. */
export type RemoteModification =
  | { readonly addTask: string }
  | { readonly removeTask: string }
  | { readonly replaceTask: string }
  | { readonly swapAgent: { taskId: string; agentId: string } }
  | { readonly patternConfig: Record<string, unknown> };

export interface RemoteModifyResult {
  readonly run: RemoteRun;
  readonly cursor: string;
  readonly diagnostics: ReadonlyArray<{ code: string; message: string; line: number; column: number }>;
}

const lower = (name: string, prefix: string) => name.slice(prefix.length).toLowerCase();
const runStatusName = (s: RunStatus) => lower(RunStatus[s] ?? 'RUN_STATUS_UNSPECIFIED', 'RUN_STATUS_');
const STATUS_BY_NAME: Record<string, RunStatus> = Object.fromEntries(
  [
    RunStatus.RUN_STATUS_PLANNING,
    RunStatus.RUN_STATUS_EXECUTING,
    RunStatus.RUN_STATUS_PAUSED,
    RunStatus.RUN_STATUS_COMPLETED,
    RunStatus.RUN_STATUS_FAILED,
    RunStatus.RUN_STATUS_CANCELLED,
  ].map((v) => [runStatusName(v), v]),
);

function fromRun(r: Run): RemoteRun {
  const m = r.performanceMetrics;
  return {
    runId: r.runId,
    workflowName: r.workflow?.name ?? '',
    workflowVersion: r.workflow?.version ?? '',
    status: runStatusName(r.status),
    phase: r.currentPhase,
    agents: r.agents.map((a) => ({
      agentId: a.agentId,
      status: lower(AgentRunStatus[a.status] ?? 'AGENT_RUN_STATUS_UNSPECIFIED', 'AGENT_RUN_STATUS_'),
      currentTask: a.currentTask,
      progress: a.progress,
    })),
    metrics: {
      totalRuntimeSeconds: m?.totalRuntimeSeconds ?? 0,
      agentsAllocated: m?.agentsAllocated ?? 0,
      tasksCompleted: m?.tasksCompleted ?? 0,
      coordinationOverhead: m?.coordinationOverhead ?? 0,
    },
    startedAt: r.startedAt?.getTime() ?? 0,
    ...(r.endedAt && { endedAt: r.endedAt.getTime() }),
    ...(r.outputs && { outputs: r.outputs }),
    ...(r.failureCode !== '' && { failure: { code: r.failureCode, message: r.failureMessage } }),
    taskCounts: { ...r.taskCounts },
    waits: r.waits.map((w) => ({
      task: w.taskId,
      gate: w.gate === 'on' ? 'on' : 'wait_for',
      channel: w.channel,
      event: w.event === '' ? null : w.event,
      since: w.since?.getTime() ?? null,
      timeoutMs: w.timeout ? w.timeout.seconds * 1000 + Math.round(w.timeout.nanos / 1e6) : null,
    })),
    compensated: [...r.compensated],
    inputRequired: r.inputRequired.map((w) => ({
      key: w.taskId,
      attempt: w.attempt,
      agent: w.agentId === '' ? null : w.agentId,
      question: w.question,
      data: (w.data as unknown) ?? null,
      since: w.since?.getTime() ?? 0,
      remote_task_id: w.remoteTaskId === '' ? null : w.remoteTaskId,
    })),
  };
}

const fromEvent = (e: RunEvent): RemoteEvent => ({
  cursor: e.cursor,
  seq: e.seq,
  type: e.type,
  at: e.at?.getTime() ?? 0,
  data: e.data ?? {},
});

/**
 * What a server that is not a gRPC server did, from grpc-js's status details: an HTTP/1 server (e.g.
 * `baton serve --http`) breaks the HTTP/2 preface ("Protocol error"), a plain HTTP/2 one answers a
 * status without grpc-status ("Received HTTP status code 404"). Undefined for a gRPC server's answer.
 */
export function notGrpc(details: string | undefined): string | undefined {
  if (details === undefined) return undefined;
  const http = /Received HTTP status code (\d+)/.exec(details)?.[1];
  if (http !== undefined) return `it answered HTTP ${http}`;
  if (/Protocol error/.test(details)) return 'it broke the HTTP/2 protocol: an HTTP/1 server?';
  return undefined;
}

/** The BatonError a failed call stands for, naming the server and the RPC. */
export function callError(err: unknown, address: string, rpc: string): BatonError {
  const e = err as Partial<ServiceError>;
  const detail = e.metadata instanceof Metadata ? readErrorDetail(e.metadata) : undefined;
  if (detail && isErrorCode(detail.code)) {
    const where = detail.fieldPath ? `${detail.fieldPath}: ` : '';
    return new BatonError(detail.code, `${where}${detail.message}`);
  }
  const details = e.details ?? (err instanceof Error ? err.message : String(err));
  const http = notGrpc(details);
  if (http !== undefined)
    return new BatonError(
      'BATON_E_SERVER_UNAVAILABLE',
      `server ${address} does not speak gRPC (${http}): --server takes the gRPC address \`baton serve\` prints as "serving gRPC on HOST:PORT", not its --http one`,
    );
  switch (e.code) {
    case status.UNAVAILABLE:
      return new BatonError('BATON_E_SERVER_UNAVAILABLE', `server ${address} is unavailable: ${details}`);
    case status.CANCELLED:
      // The client never cancels a call it still waits on: the server went away (e.g. shut down).
      return new BatonError('BATON_E_SERVER_UNAVAILABLE', `server ${address} closed the ${rpc} call`);
    case status.UNIMPLEMENTED:
      return new BatonError(
        'BATON_E_SERVER_UNIMPLEMENTED',
        `server ${address} does not implement RunService.${rpc} yet`,
      );
    case status.DEADLINE_EXCEEDED:
      return new BatonError('BATON_E_SERVER_UNAVAILABLE', `server ${address} did not answer ${rpc} in time`);
    default:
      return new BatonError('BATON_E_INTERNAL', `server ${address} failed ${rpc}: ${details}`);
  }
}

/**
 * grpc-js refuses an answer over 4 MiB by default ("Received message larger than max"), and what the
 * server says about a run carries its workflow (a source may be 16 MiB), its outputs and its journal:
 * `baton events` of a run started from a 6 MB workflow failed with BATON_E_INTERNAL. The server bounds
 * what goes into a run (docs/api-limits.md); the CLI takes whatever comes back.
 */
export const ANSWERS_OF_ANY_SIZE = { 'grpc.max_receive_message_length': -1 } as const;

/** How long a unary call may take before the CLI gives up on the server. */
const CALL_DEADLINE_MS = 30_000;

export class RemoteRuns {
  readonly #client: RunServiceClient;

  constructor(readonly address: string) {
    this.#client = new DeepRunServiceClient(address, credentials.createInsecure(), ANSWERS_OF_ANY_SIZE);
  }

  close(): void {
    this.#client.close();
  }

  #unary<Req, Res>(rpc: string, method: string, req: Req): Promise<Res> {
    type Call = (
      req: Req,
      md: Metadata,
      opts: { deadline: number },
      cb: (err: ServiceError | null, res: Res) => void,
    ) => void;
    const fn = (this.#client as unknown as Record<string, Call>)[method]!;
    return new Promise((resolve, reject) => {
      fn.call(
        this.#client,
        req,
        new Metadata(),
        { deadline: Date.now() + CALL_DEADLINE_MS },
        (err: ServiceError | null, res: Res) =>
          err ? reject(callError(err, this.address, rpc)) : resolve(res),
      );
    });
  }

  async get(runId: string): Promise<RemoteRun> {
    const res = await this.#unary<{ runId: string }, { run?: Run }>('GetRun', 'getRun', { runId });
    return fromRun(res.run!);
  }

  /** Newest first; `status` is a lowercase run status name (e.g. "executing"). */
  async list(opts: { status?: string; limit: number }): Promise<RemoteRun[]> {
    const wanted = opts.status === undefined ? undefined : STATUS_BY_NAME[opts.status];
    if (opts.status !== undefined && wanted === undefined)
      throw new BatonError(
        'BATON_E_USAGE',
        `--status "${opts.status}" is not a run status (${Object.keys(STATUS_BY_NAME).join(', ')})`,
      );
    const res = await this.#unary<object, { runs: Run[] }>('ListRuns', 'listRuns', {
      workflowName: '',
      statuses: wanted === undefined ? [] : [wanted],
      pageSize: opts.limit,
      pageToken: '',
    });
    return res.runs.map(fromRun);
  }

  async command(kind: 'pause' | 'resume' | 'cancel', runId: string, reason: string): Promise<RemoteRun> {
    const rpc = `${kind[0]!.toUpperCase()}${kind.slice(1)}Run`;
    const res = await this.#unary<object, { run?: Run }>(rpc, `${kind}Run`, { runId, reason });
    return fromRun(res.run!);
  }

  /**
   * Starts a run of a workflow source on the server. Constraints are in the workflow language's
   * quantity form ("2", "500m", "4Gi"); `requestId` makes a retried start find the same run.
   */
  async start(req: {
    source: string;
    input?: unknown;
    constraints?: { maxAgents?: number; maxCpu?: string; maxMemory?: string };
    requestId?: string;
  }): Promise<RemoteRun> {
    const message = StartRunRequest.fromPartial({
      workflowSource: req.source,
      ...(req.input !== undefined && { inputData: req.input as Record<string, unknown> }),
      ...(req.constraints && { executionOptions: { resourceConstraints: req.constraints } }),
      ...(req.requestId !== undefined && { requestId: req.requestId }),
    });
    const res = await this.#unary<StartRunRequest, { run?: Run }>('StartRun', 'startRun', message);
    return fromRun(res.run!);
  }

  /** The run's whole journal as it is now, page by page (GetRunHistory). */
  async *history(runId: string, pageSize = 1000): AsyncGenerator<RemoteEvent> {
    let afterCursor = '';
    do {
      const res = await this.#unary<GetRunHistoryRequest, GetRunHistoryResponse>(
        'GetRunHistory',
        'getRunHistory',
        GetRunHistoryRequest.fromPartial({ runId, afterCursor, pageSize }),
      );
      for (const e of res.events) yield fromEvent(e);
      afterCursor = res.nextCursor;
    } while (afterCursor !== '');
  }

  /** Deletes an ended run (BATON_E_RUN_NOT_ENDED while it goes on, BATON_E_RUN_NOT_FOUND for none). */
  async delete(runId: string): Promise<void> {
    await this.#unary('DeleteRun', 'deleteRun', { runId });
  }

  async signal(runId: string, channel: string, event: string | undefined, data: unknown): Promise<void> {
    await this.#unary('SignalRun', 'signalRun', {
      runId,
      channel,
      event: event ?? '',
      data,
      eventId: '',
    });
  }

  /** Answers the agent of `task` waiting for input (BATON_E_NOT_WAITING_FOR_INPUT when it does not wait). */
  async provideInput(
    runId: string,
    task: string,
    input: unknown,
    requestId = '',
  ): Promise<RemoteInputDelivery> {
    const res = await this.#unary<
      { runId: string; taskId: string; input: unknown; requestId: string },
      { cursor: string; taskId: string; attempt: number }
    >('ProvideInput', 'provideInput', { runId, taskId: task, input, requestId });
    return { cursor: res.cursor, key: res.taskId, attempt: res.attempt };
  }

  async modify(
    runId: string,
    modifications: RemoteModification[],
    reason: string,
  ): Promise<RemoteModifyResult> {
    const req = ModifyRunRequest.fromPartial({ runId, reason, modifications });
    const res = await this.#unary<
      ModifyRunRequest,
      { run?: Run; cursor: string; diagnostics: RemoteModifyResult['diagnostics'] }
    >('ModifyRun', 'modifyRun', req);
    return {
      run: fromRun(res.run!),
      cursor: res.cursor,
      diagnostics: res.diagnostics.map((d) => ({
        code: d.code,
        message: d.message,
        line: d.line,
        column: d.column,
      })),
    };
  }

  /**
   * The run's journal from `afterCursor` until its final entry. A dropped connection is retried (with a
   * growing pause, up to `retries` times in a row) from the cursor of the last entry received, so no
   * entry is missed or repeated.
   */
  async *watch(runId: string, afterCursor = '', retries = 10): AsyncGenerator<RemoteEvent> {
    let cursor = afterCursor;
    let failures = 0;
    for (;;) {
      const stream = this.#client.watchRun({ runId, afterCursor: cursor });
      try {
        for await (const msg of stream as AsyncIterable<WatchRunResponse>) {
          failures = 0;
          const event = fromEvent(msg.event!);
          cursor = event.cursor;
          yield event;
        }
        return; // the server ends the stream after the run's final entry
      } catch (err) {
        const e = callError(err, this.address, 'WatchRun');
        // Reconnect when the server went away or ended the watch to shut down (it resumes from the cursor).
        const transient = e.code === 'BATON_E_SERVER_UNAVAILABLE' || e.code === 'BATON_E_WATCH_SHUTDOWN';
        if (!transient || ++failures > retries) throw e;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures)));
      } finally {
        stream.cancel();
      }
    }
  }
}
