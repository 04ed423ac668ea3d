// The connection pool of the PostgreSQL store: pg's Pool over the store URL, the search_path of the
// URL's schema, and the one place where PostgreSQL's 64-bit integers (bigint, count(*)), which `pg`
// hands over as strings, become numbers.

import pg from 'pg';
import { StoreInvalidArgumentError } from '../store.js';
import type { Query } from './db.js';

/** OIDs of the types parsed here (pg_type). */
const INT8 = 20;

/** bigint -> number; a value past 2^53 cannot be a seq, an id or ms since the epoch, so it is an error. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new StoreInvalidArgumentError(
      `postgres store: the bigint ${text} is beyond a JavaScript number's safe range`,
    );
  }
  return n;
}

/** pg's default parsers, but bigint (and so count(*)) as a number. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8 && format !== 'binary') return parseInt8;
  return pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
}

export const types = { getTypeParser };

export interface ConnectionOptions {
  readonly connectionString: string;
  /** Tables live in this schema (every connection's search_path); absent: the server's default. */
  readonly schema?: string;
  readonly poolSize: number;
}

/** What every connection of the store (pool and listener) is opened with. */
export function clientConfig(o: ConnectionOptions): pg.ClientConfig {
  return {
    connectionString: o.connectionString,
    types,
    application_name: 'baton',
    keepAlive: true,
    // An unreachable server fails the call instead of hanging it.
    connectionTimeoutMillis: 10_000,
    options: sessionOptions(o.schema, new URL(o.connectionString).searchParams.get('options')),
  };
}

/**
 * Every statement of the store is a named prepared statement over indexes; PostgreSQL's default would
 * re-plan the array-driven ones (journal.ts) at each execution, as their custom plans look cheaper than
 * the generic one: measured, planning cost more than the rest of a group commit. The generic plan is
 * planned once per connection. The schema name is checked by parseStoreUrl (no quoting needed).
 */
function sessionOptions(schema: string | undefined, given: string | null): string {
  const ours = [
    '-c plan_cache_mode=force_generic_plan',
    ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
  ];
  // The URL's own `options` (e.g. -c statement_timeout=5s) are kept; ours come after, so they win.
  return [...(given === null ? [] : [given]), ...ours].join(' ');
}

export function openPool(o: ConnectionOptions, onIdleError: (e: Error) => void): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(o), max: o.poolSize, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (server restart, network) is reported here; unhandled, it would crash the process.
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Runs a named statement on a pooled connection. pg copies a query config object (every property
 * descriptor) at each call; a Query built from the statement's text and values is taken as it is.
 */
export function poolQuery(pool: pg.Pool): Query {
  return ((statement, values) => {
    // A copy: the values are serialised only once a connection is free, after the caller moved on.
    const query = new pg.Query(statement.text, values.slice()) as pg.Query & { name: string };
    query.name = statement.name;
    // pg-pool answers a Submittable with the promise of its result, as for a config object.
    return pool.query(query) as unknown as Promise<pg.QueryResult>;
  }) as Query;
}
