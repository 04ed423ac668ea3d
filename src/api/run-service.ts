// RunService over gRPC: starts runs in this server's engine, reports them in the SPEC status shape,
// steers them (pause, resume, cancel, signal, modify: run-modify.ts), answers agents waiting for input
// (ProvideInput), and serves their journal
// (WatchRun, GetRunHistory). Commands are journaled with the caller's `x-baton-principal` and reason.

import { fold, initialState, statusOf } from '../core/index.js';
import type { CheckOptions } from '../plan/index.js';
import type { Metadata } from '@grpc/grpc-js';
import type { Engine, RunCommand } from '../runtime/engine.js';
import { toEntry } from '../runtime/records.js';
import { deleteEndedRun } from '../runtime/retention.js';
import { RunExistsError, RunNotFoundError, type Store } from '../store/store.js';
import type {
  CancelRunRequest,
  GetRunHistoryRequest,
  GetRunHistoryResponse,
  ListRunsRequest,
  ListRunsResponse,
  PauseRunRequest,
  ResumeRunRequest,
  Run,
  RunServiceServer,
  ProvideInputRequest,
  ProvideInputResponse,
  SignalRunRequest,
  SignalRunResponse,
  StartRunRequest,
} from './gen/baton/v1/run.js';
import { ApiError, unary } from './errors.js';
import { modifyRun, principalOf } from './run-modify.js';
import type { RunFeed } from './run-feed.js';
import { decodePageToken, encodePageToken, listFilter } from './run-list.js';
import { checkSameStart } from './request-reuse.js';
import { parseStartRequest, versionPinned, type StartPlan } from './run-request.js';
import { watchRun } from './run-watch.js';
import { cursorOf, recordToEvent, runToProto, seqOfCursor } from './run-wire.js';
import { quote } from '../errors/quote.js';

export interface RunServiceDeps {
  readonly engine: Engine;
  readonly store: Store;
  /** Must be the engine's `onTurn` (see RunFeed.publish), or WatchRun never sees new entries. */
  readonly feed: RunFeed;
  /** Agent registry and constraints a started workflow is checked against. */
  readonly check?: CheckOptions;
  /** Where relative module endpoints of started workflows resolve (default: the server's cwd). */
  readonly baseDir?: string;
  /** How long a WatchRun subscriber may leave its buffer full before its stream ends (default 30 s). */
  readonly watchDrainTimeoutMs?: number;
}

export type RunServiceHandlers = RunServiceServer;

const HISTORY_PAGE = { default: 100, max: 1000 };
const LIST_PAGE = { default: 50, max: 500 };

const pageSize = (asked: number, page: { default: number; max: number }) =>
  asked === 0 ? page.default : Math.min(asked, page.max);

export function runService(deps: RunServiceDeps): RunServiceHandlers {
  const { engine, store } = deps;
  const ns = engine.namespace;

  async function run(runId: string): Promise<Run> {
    return runToProto(await engine.load(runId), await engine.status(runId));
  }

  async function command(runId: string, cmd: RunCommand): Promise<{ run: Run }> {
    await engine.command(runId, cmd);
    return { run: await run(runId) };
  }

  /** Starts of one request_id in flight here: a second one waits for the first, then finds its run. */
  const starting = new Map<string, Promise<unknown>>();

  async function start(req: StartRunRequest): Promise<{ run: Run }> {
    const plan = await parseStartRequest(req, deps.check ?? {}, deps.baseDir ?? process.cwd(), {
      store,
      namespace: ns,
    });
    const requestId = plan.options.requestId;
    if (requestId === undefined) return startNew(plan);
    // Run ids are Baton's (run_<time>_<random>, as the CLI makes them); request_id only finds a run again,
    // and only for a request with the same content (request-reuse.ts).
    // Only the outcome of the first start matters here (its caller reports its error): wait for it to settle.
    while (starting.has(requestId)) await Promise.allSettled([starting.get(requestId)!]);
    const content = { plan, versionPinned: versionPinned(req) };
    const known = await store.findRunByRequest(ns, requestId);
    if (known !== undefined) {
      await checkSameStart(store, ns, requestId, known, content);
      return { run: await run(known) };
    }
    const started = startNew(plan);
    starting.set(requestId, started);
    try {
      return await started;
    } catch (e) {
      // Another server of the same store created the request's run first: that run is the answer.
      const first = e instanceof RunExistsError && (await store.findRunByRequest(ns, requestId));
      if (first) {
        await checkSameStart(store, ns, requestId, first, content);
        return { run: await run(first) };
      }
      throw e;
    } finally {
      starting.delete(requestId);
    }
  }

  async function startNew(plan: StartPlan): Promise<{ run: Run }> {
    const actor = await engine.start(plan.workflow, plan.input, plan.options);
    // Answers only once RunStarted is committed: a run id the client gets always names a run.
    await actor.whenCreated();
    return { run: runToProto(actor.state, await engine.status(actor.runId)) };
  }

  async function list(req: ListRunsRequest): Promise<ListRunsResponse> {
    const filter = listFilter(req);
    const page = await store.listRuns(ns, {
      ...filter,
      limit: pageSize(req.pageSize, LIST_PAGE),
      ...(req.pageToken !== '' && { cursor: decodePageToken(req.pageToken, filter) }),
    });
    return {
      runs: await Promise.all(page.runs.map((r) => run(r.runId))),
      nextPageToken: page.nextCursor === undefined ? '' : encodePageToken(page.nextCursor, filter),
    };
  }

  async function signal(req: SignalRunRequest, metadata: Metadata): Promise<SignalRunResponse> {
    if (req.channel === '')
      throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the event channel', {
        fieldPath: 'channel',
      });
    principalOf(metadata); // a malformed principal is refused like any field; signals name their source
    const seq = await engine.command(
      req.runId,
      {
        kind: 'signal',
        channel: req.channel,
        ...(req.event !== '' && { name: req.event }),
        ...(req.eventId !== '' && { eventId: req.eventId }),
        data: req.data ?? null,
      },
      true,
    );
    // Empty only when the process driving the run did not journal it within the engine's wait.
    return { cursor: seq === undefined ? '' : cursorOf(seq) };
  }

  async function provideInput(req: ProvideInputRequest, metadata: Metadata): Promise<ProvideInputResponse> {
    if (req.taskId === '')
      throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the task waiting for input', {
        fieldPath: 'task_id',
      });
    principalOf(metadata); // a malformed principal is refused like any field
    const done = await engine.provideInput(
      req.runId,
      req.taskId,
      req.input ?? null,
      req.requestId === '' ? {} : { requestId: req.requestId },
    );
    return {
      cursor: done.seq === undefined ? '' : cursorOf(done.seq),
      taskId: done.key,
      attempt: done.attempt,
    };
  }

  async function history(req: GetRunHistoryRequest): Promise<GetRunHistoryResponse> {
    const afterSeq = seqOfCursor(req.afterCursor, 'after_cursor');
    const limit = pageSize(req.pageSize, HISTORY_PAGE);
    // One record more than the page tells whether another page exists already.
    const records = await store.read(ns, req.runId, { afterSeq, limit: limit + 1 });
    if (records.length === 0 && !(await store.getRun(ns, req.runId)))
      throw new RunNotFoundError(ns, req.runId);
    const events = records.slice(0, limit).map(recordToEvent);
    return {
      events,
      nextCursor: records.length > limit ? events.at(-1)!.cursor : '',
      state: req.stateAtSeq === undefined ? undefined : await stateAt(req.runId, req.stateAtSeq),
    };
  }

  /** The run folded up to entry `seq`, reported as of that entry's time. */
  async function stateAt(runId: string, seq: number): Promise<Run> {
    const records = await store.read(ns, runId, { limit: seq });
    if (seq < 1 || records.length < seq) {
      throw new ApiError('BATON_E_REQUEST_INVALID', `names no entry of run ${quote(runId)}`, {
        fieldPath: 'state_at_seq',
      });
    }
    const state = fold(records.map(toEntry), initialState());
    return runToProto(state, statusOf(state, state.lastAt, 0));
  }

  return {
    startRun: unary(start),
    getRun: unary(async (req: { runId: string }) => ({ run: await run(req.runId) })),
    listRuns: unary(list),
    watchRun: watchRun({
      store,
      namespace: ns,
      feed: deps.feed,
      ...(deps.watchDrainTimeoutMs !== undefined && { drainTimeoutMs: deps.watchDrainTimeoutMs }),
    }),
    pauseRun: unary((req: PauseRunRequest, md: Metadata) =>
      command(req.runId, { kind: 'pause', by: principalOf(md), ...(req.reason && { reason: req.reason }) }),
    ),
    resumeRun: unary((req: ResumeRunRequest, md: Metadata) =>
      command(req.runId, { kind: 'resume', by: principalOf(md), ...(req.reason && { reason: req.reason }) }),
    ),
    cancelRun: unary((req: CancelRunRequest, md: Metadata) =>
      command(req.runId, {
        kind: 'cancel',
        by: principalOf(md),
        reason: req.reason || 'cancelled through the API',
      }),
    ),
    signalRun: unary(signal),
    provideInput: unary(provideInput),
    modifyRun: unary(modifyRun(engine, deps.check ?? {})),
    getRunHistory: unary(history),
    deleteRun: unary(async (req: { runId: string }) => {
      await deleteEndedRun(store, ns, req.runId);
      return {};
    }),
  };
}
