// How the PostgreSQL store's modules run a statement: one named prepared statement and its values, on
// whichever pooled connection is free. Kept to a function type so journal, runs and leases stay plain
// functions over it.

import type pg from 'pg';
import type { Named } from './statements.js';

export type Query = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  statement: Named,
  values: readonly unknown[],
) => Promise<pg.QueryResult<R>>;

/** SQLSTATE of a unique_violation, and the class of data exceptions (a value PostgreSQL cannot store). */
export const UNIQUE_VIOLATION = '23505';
export const DATA_EXCEPTION_CLASS = '22';

export const sqlState = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

/**
 * For a clean-up whose failure changes nothing (the connection is gone, the error that matters is being
 * thrown already): logged, never silent.
 */
export const logged =
  (what: string) =>
  (e: unknown): void =>
    console.warn(`[postgres store] ${what} failed:`, e instanceof Error ? e.message : e);

/** The constraint a unique_violation broke (pg's error field), e.g. "runs_pkey". */
export const constraintOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null ? (e as { constraint?: string }).constraint : undefined;
