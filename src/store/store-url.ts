// Where the store lives, as one URL: `sqlite:DIR` (the embedded default, a data directory) or
// `postgres://USER@HOST:PORT/DB?schema=NAME&pool=N`. Parsed here once for the config, the CLI and the
// composition root (app.ts), which opens the adapter the URL names. No I/O.

import { StoreInvalidArgumentError } from './store.js';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly dataDir: string }
  | {
      readonly kind: 'postgres';
      /** The connection string for `pg`, without Baton's own parameters. */
      readonly connectionString: string;
      /** The schema every table lives in (search_path); absent: the server's default (usually public). */
      readonly schema?: string;
      /** Connections in the pool (default 10). */
      readonly poolSize: number;
      /** The URL with its password masked: safe for messages and logs. */
      readonly display: string;
    };

export const DEFAULT_POOL_SIZE = 10;
const MAX_POOL_SIZE = 1000;
/** A schema name that needs no quoting, short enough that `baton.<schema>` is a NOTIFY channel (63 bytes). */
const SCHEMA = /^[a-z_][a-z0-9_]{0,56}$/;
const EXAMPLE = 'sqlite:DIR or postgres://USER@HOST:PORT/DB (optionally ?schema=NAME&pool=N)';

/** @throws StoreInvalidArgumentError saying what is wrong with `text`; never echoes a password. */
export function parseStoreUrl(text: string): StoreLocation {
  const value = text.trim();
  if (value.startsWith('sqlite:')) {
    const dataDir = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''); // sqlite:///abs as well
    if (dataDir === '') throw bad(`"${value}" names no directory: expected ${EXAMPLE}`);
    return { kind: 'sqlite', dataDir };
  }
  if (!/^postgres(ql)?:\/\//.test(value))
    throw bad(`"${mask(value)}" is not a store URL: expected ${EXAMPLE}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`"${mask(value)}" is not a valid URL: expected ${EXAMPLE}`);
  }
  if (url.hostname === '') throw bad(`"${mask(value)}" names no host: expected ${EXAMPLE}`);
  if (url.pathname.replace(/^\//, '') === '')
    throw bad(`"${mask(value)}" names no database: expected ${EXAMPLE}`);
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA.test(schema)) {
    throw bad(
      `schema "${schema}" in "${mask(value)}": must be 1-57 lower-case letters, digits or "_", not starting with a digit`,
    );
  }
  const pool = url.searchParams.get('pool');
  const poolSize = pool === null ? DEFAULT_POOL_SIZE : Number(pool);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > MAX_POOL_SIZE) {
    throw bad(`pool "${pool}" in "${mask(value)}": must be a whole number from 1 to ${MAX_POOL_SIZE}`);
  }
  url.searchParams.delete('schema');
  url.searchParams.delete('pool');
  return {
    kind: 'postgres',
    connectionString: url.toString(),
    ...(schema === undefined ? {} : { schema }),
    poolSize,
    display: mask(value),
  };
}

/** The store URL of a data directory (the default when no store is given). */
export const sqliteStoreUrl = (dataDir: string): string => `sqlite:${dataDir}`;

/** `value` with the password of a URL replaced by `***`. */
export function mask(value: string): string {
  return value.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

const bad = (message: string) => new StoreInvalidArgumentError(`store URL ${message}`);
