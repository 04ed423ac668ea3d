// ListRuns filters and page tokens. A token carries the store's cursor and the filters it was issued
// for, so a client that changes the filters between pages is told so instead of getting a wrong page.

import type { ListRunsOptions } from '../store/store.js';
import type { ListRunsRequest } from './gen/baton/v1/run.js';
import { ApiError } from './errors.js';
import { STORE_STATUS } from './run-wire.js';

export type ListFilter = Pick<ListRunsOptions, 'status' | 'workflowName'>;

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

/** The filters the store can apply; the others are refused rather than silently ignored. */
export function listFilter(req: ListRunsRequest): ListFilter {
  if (req.startedAfter || req.startedBefore)
    throw invalid(
      req.startedAfter ? 'started_after' : 'started_before',
      'time filters are not supported yet',
    );
  if (req.statuses.length > 1) throw invalid('statuses', 'at most one status is supported yet');
  const [wanted] = req.statuses;
  const status = wanted === undefined ? undefined : STORE_STATUS[wanted];
  if (wanted !== undefined && status === undefined) throw invalid('statuses.0', 'names no run status');
  return {
    ...(req.workflowName !== '' && { workflowName: req.workflowName }),
    ...(status !== undefined && { status }),
  };
}

interface Token {
  readonly cursor: string;
  readonly filter: ListFilter;
}

const sameFilter = (a: ListFilter, b: ListFilter) =>
  a.status === b.status && a.workflowName === b.workflowName;

export const encodePageToken = (cursor: string, filter: ListFilter): string =>
  Buffer.from(JSON.stringify({ cursor, filter } satisfies Token)).toString('base64url');

/** The store cursor a token holds; INVALID_ARGUMENT when it is malformed or the filters changed. */
export function decodePageToken(token: string, filter: ListFilter): string {
  let parsed: Partial<Token> | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.cursor !== 'string' || typeof parsed.filter !== 'object' || parsed.filter === null)
    throw invalid('page_token', 'is not a token this server issued');
  if (!sameFilter(parsed.filter, filter))
    throw invalid('page_token', 'was issued for other filters: keep the filters the same between pages');
  return parsed.cursor;
}
