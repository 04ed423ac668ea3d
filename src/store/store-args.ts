// Argument checks and encodings shared by every Store adapter, so SQLite and PostgreSQL reject the same
// inputs with the same errors and hand out interchangeable cursors.

import { isDeepStrictEqual } from 'node:util';
import {
  DEFAULT_PAGE,
  MAX_PAGE,
  StoreInvalidArgumentError,
  type AppendRequest,
  type ReadOptions,
} from './store.js';

/**
 * Serialises once for storage; undefined, functions, BigInt and cycles are refused rather than mangled.
 * `what` names the value in the error; a function defers building that text to the failure path.
 */
export function toJson(value: unknown, what: string | (() => string)): string {
  let text: string | undefined;
  let cause: unknown;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    cause = e;
  }
  if (text !== undefined) return text;
  const name = typeof what === 'string' ? what : what();
  const reason = cause instanceof Error ? cause.message : `a value of type ${typeof value}`;
  throw new StoreInvalidArgumentError(`${name} is not JSON-serialisable: ${reason}`, { cause });
}

/** Records must continue the journal exactly where the writer believes it ends. */
export function checkAppend(req: AppendRequest): void {
  const { ns, runId, expectedNextSeq, records } = req;
  if (!Number.isSafeInteger(expectedNextSeq) || expectedNextSeq < 1) {
    throw new StoreInvalidArgumentError(
      `append to run "${runId}" (namespace "${ns}"): expectedNextSeq must be an integer >= 1, got ${expectedNextSeq}`,
    );
  }
  records.forEach((r, i) => {
    if (r.seq !== expectedNextSeq + i) {
      throw new StoreInvalidArgumentError(
        `append to run "${runId}" (namespace "${ns}"): record ${i} has seq ${r.seq}, expected ${expectedNextSeq + i} ` +
          '(records are numbered consecutively from expectedNextSeq)',
      );
    }
  });
}

/** Normalises read options: afterSeq defaults to 0, limit to undefined (all). */
export function readRange(options: ReadOptions | undefined): { afterSeq: number; limit: number | undefined } {
  const afterSeq = options?.afterSeq ?? 0;
  const limit = options?.limit;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new StoreInvalidArgumentError(`read: afterSeq must be an integer >= 0, got ${afterSeq}`);
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new StoreInvalidArgumentError(`read: limit must be an integer >= 1, got ${limit}`);
  }
  return { afterSeq, limit };
}

export function pageLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new StoreInvalidArgumentError(`listRuns: limit must be an integer from 1 to ${MAX_PAGE}, got ${n}`);
  }
  return n;
}

/** The position after which the next page starts: the last run of the page, in (createdAt, runId) order. */
export interface RunCursor {
  readonly createdAt: number;
  readonly runId: string;
}

export function encodeRunCursor(c: RunCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.runId])).toString('base64url');
}

export function decodeRunCursor(cursor: string): RunCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [createdAt, runId] = parsed as unknown[];
    if (typeof createdAt === 'number' && typeof runId === 'string') return { createdAt, runId };
  }
  throw new StoreInvalidArgumentError(`listRuns: cursor "${cursor}" is not one this store handed out`);
}

/** A batch size (dueSchedules, purgeRuns, listSchedules): an integer from 1 to MAX_PAGE. */
export function batchLimit(operation: string, limit: number | undefined): number {
  const n = limit ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new StoreInvalidArgumentError(
      `${operation}: limit must be an integer from 1 to ${MAX_PAGE}, got ${n}`,
    );
  }
  return n;
}

/** listSchedules pages by schedule id: the cursor is the last id of the page. */
export const encodeScheduleCursor = (scheduleId: string): string =>
  Buffer.from(JSON.stringify(['s', scheduleId])).toString('base64url');

export function decodeScheduleCursor(cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && parsed[0] === 's' && typeof parsed[1] === 'string')
    return parsed[1];
  throw new StoreInvalidArgumentError(`listSchedules: cursor "${cursor}" is not one this store handed out`);
}

/** listHookExecutions pages newest first by log id: the cursor is the last id of the page. */
export const encodeHookExecutionCursor = (id: number): string =>
  Buffer.from(JSON.stringify(['h', id])).toString('base64url');

export function decodeHookExecutionCursor(cursor: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2 && parsed[0] === 'h' && Number.isSafeInteger(parsed[1]))
    return parsed[1] as number;
  throw new StoreInvalidArgumentError(
    `listHookExecutions: cursor "${cursor}" is not one this store handed out`,
  );
}

/** JSON as a store gives it back: PostgreSQL's jsonb reorders keys, undefined members are dropped. */
const asStored = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

/** Equal as JSON values, key order aside: a value sent again against the one a store kept. */
export const sameJson = (a: unknown, b: unknown): boolean => isDeepStrictEqual(asStored(a), asStored(b));
