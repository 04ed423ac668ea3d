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

const NEEDS_ESCAPE = /["\\]/;

/**
 * A one-dimensional array parameter as PostgreSQL's array literal text, for a statement that casts it
 * (`$1::text[]`): what pg would send, without its per-element regex escaping and value preparation, which
 * cost more than the rest of a large group commit's client work. Elements: strings, finite numbers,
 * booleans, null.
 */
export function arrayLiteral(xs: ReadonlyArray<string | number | boolean | null>): string {
  let out = '{';
  for (let i = 0; i < xs.length; i++) {
    if (i > 0) out += ',';
    const x = xs[i];
    if (x === null || x === undefined) out += 'NULL';
    else if (typeof x === 'string') {
      out += NEEDS_ESCAPE.test(x) ? `"${x.replace(/[\\"]/g, '\\$&')}"` : `"${x}"`;
    } else out += String(x);
  }
  return out + '}';
}
