// Where the local run commands keep runs: `--store URL` or BATON_STORE (the flag wins), else the SQLite
// store of --data-dir. A bad URL is a usage error naming the setting it came from.

import { ConfigError } from '../config/serve-config.js';
import { parseStoreUrl } from '../store/store-url.js';

export const STORE_ENV = 'BATON_STORE';

/** The store URL a command should open, or undefined for the data directory's SQLite store. */
export function storeUrl(opts: { store?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromFlag = opts.store !== undefined;
  const url = opts.store ?? env[STORE_ENV];
  if (url === undefined || url === '') return undefined;
  try {
    parseStoreUrl(url);
  } catch (e) {
    const origin = fromFlag ? 'flag --store' : `environment variable ${STORE_ENV}`;
    throw new ConfigError(`store (from ${origin}): ${(e as Error).message}`);
  }
  return url;
}

/** What a command prints for where its runs are: the store URL (password masked) or the data directory. */
export function storeLabel(
  opts: { dataDir: string; store?: string },
  env: NodeJS.ProcessEnv = process.env,
): string {
  const url = storeUrl(opts, env);
  if (url === undefined) return `data dir ${opts.dataDir}`;
  const location = parseStoreUrl(url);
  return location.kind === 'postgres' ? `store ${location.display}` : `store ${url}`;
}
