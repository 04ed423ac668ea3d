// ListTasks of a served workflow: its runs as tasks, newest first, paged by the store's cursor. The store
// filters by workflow and (for ended states) by status; the context, the other states and the status
// time are checked on each run, a store page at a time, so a page token always sits on a store page
// boundary. A token carries the filters it was issued for: changing them between pages is refused.

import { TaskState, type ListTasksRequest, type ListTasksResponse, type Task } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { RunState } from '../core/index.js';
import type { ListRunsOptions } from '../store/store.js';
import { loadRun, type JournalDeps } from './run-journal.js';
import { contextOf, taskOf, taskStateOf } from './run-task.js';

const PAGE = { default: 50, max: 100 };
/** Store statuses a task state filter can be handed to the store as. */
const STORE_STATUS: Partial<Record<TaskState, string>> = {
  [TaskState.TASK_STATE_COMPLETED]: 'completed',
  [TaskState.TASK_STATE_FAILED]: 'failed',
  [TaskState.TASK_STATE_CANCELED]: 'cancelled',
};
const KNOWN_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_SUBMITTED,
  TaskState.TASK_STATE_WORKING,
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_AUTH_REQUIRED,
]);

interface Filter {
  readonly contextId: string;
  readonly status: TaskState;
  readonly after: string;
}

const encodeToken = (cursor: string, f: Filter): string =>
  Buffer.from(JSON.stringify({ cursor, f })).toString('base64url');

function decodeToken(token: string, f: Filter): string {
  let parsed: { cursor?: unknown; f?: Partial<Filter> } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.cursor !== 'string' || typeof parsed.f !== 'object' || parsed.f === null)
    throw new RequestMalformedError('pageToken is not a token this server issued');
  const g = parsed.f;
  if (g.contextId !== f.contextId || g.status !== f.status || g.after !== f.after)
    throw new RequestMalformedError(
      'pageToken was issued for other filters: keep the filters the same between pages',
    );
  return parsed.cursor;
}

function checked(req: ListTasksRequest): { size: number; filter: Filter; afterMs: number | undefined } {
  const size = req.pageSize ?? PAGE.default;
  if (!Number.isInteger(size) || size < 1 || size > PAGE.max)
    throw new RequestMalformedError(`pageSize must be between 1 and ${PAGE.max} inclusive, got ${size}`);
  if (req.historyLength !== undefined && req.historyLength < 0)
    throw new RequestMalformedError(`historyLength must be a non-negative integer, got ${req.historyLength}`);
  if (req.status !== TaskState.TASK_STATE_UNSPECIFIED && !KNOWN_STATES.has(req.status))
    throw new RequestMalformedError(`status ${String(req.status)} is not a task state`);
  const after = req.statusTimestampAfter ?? '';
  const afterMs = after === '' ? undefined : Date.parse(after);
  if (afterMs !== undefined && Number.isNaN(afterMs))
    throw new RequestMalformedError(`statusTimestampAfter is not a timestamp: ${after}`);
  return { size, filter: { contextId: req.contextId, status: req.status, after }, afterMs };
}

export async function listTasks(
  deps: JournalDeps,
  workflow: string,
  req: ListTasksRequest,
): Promise<ListTasksResponse> {
  const { size, filter, afterMs } = checked(req);
  const storeStatus = STORE_STATUS[filter.status];
  const base: ListRunsOptions = { workflowName: workflow, ...(storeStatus && { status: storeStatus }) };
  const wanted = (s: RunState): boolean =>
    (filter.contextId === '' || contextOf(s) === filter.contextId) &&
    (filter.status === TaskState.TASK_STATE_UNSPECIFIED || taskStateOf(s) === filter.status) &&
    (afterMs === undefined || (s.endedAt ?? s.lastAt) > afterMs);
  // Whether a filter needs the run itself, beyond what the store filters on.
  const needsRun =
    filter.contextId !== '' ||
    afterMs !== undefined ||
    (filter.status !== TaskState.TASK_STATE_UNSPECIFIED && storeStatus === undefined);
  const tasks: Task[] = [];
  let cursor = req.pageToken === '' ? undefined : decodeToken(req.pageToken, filter);
  let first = true;
  while (tasks.length < size && (first || cursor !== undefined)) {
    first = false;
    const page = await deps.store.listRuns(deps.namespace, {
      ...base,
      limit: size - tasks.length,
      ...(cursor !== undefined && { cursor }),
    });
    for (const r of page.runs) {
      const s = await loadRun(deps, r.runId);
      if (s !== undefined && wanted(s)) tasks.push(taskOf(s, { artifacts: req.includeArtifacts === true }));
    }
    cursor = page.nextCursor;
  }
  return {
    tasks,
    nextPageToken: cursor === undefined ? '' : encodeToken(cursor, filter),
    pageSize: size,
    totalSize: await countAll(deps, base, needsRun ? wanted : undefined),
  };
}

/**
 * Every run of the workflow that passes the filters (the spec's totalSize): one pass over the store's
 * rows, and over the runs themselves only when a filter needs them (`wanted`).
 */
async function countAll(
  deps: JournalDeps,
  base: ListRunsOptions,
  wanted: ((s: RunState) => boolean) | undefined,
): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.listRuns(deps.namespace, {
      ...base,
      limit: 500,
      ...(cursor && { cursor }),
    });
    if (wanted === undefined) n += page.runs.length;
    else
      for (const r of page.runs) {
        const s = await loadRun(deps, r.runId);
        if (s !== undefined && wanted(s)) n++;
      }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return n;
}
