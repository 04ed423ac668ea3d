// A PostgreSQL 15 cluster of a test's own (initdb + pg_ctl from /usr/lib/postgresql/15/bin into a temp
// dir, a free port, trust auth), for tests that stop and start the database (never the shared one).
// PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user (runuser).

import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../integration/bus/redis-server.js';

const BIN = process.env.BATON_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface OwnPostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres?schema=SCHEMA */
  url(schema: string): string;
  /** Stops the server at once (pg_ctl -m immediate: connections cut, as a crash would). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
}

/** Why an own cluster cannot be had here, or undefined when it can. */
export function ownPostgresUnavailable(): string | undefined {
  if (!existsSync(join(BIN, 'initdb'))) return `no initdb in ${BIN} (set BATON_TEST_PG_BIN)`;
  return undefined;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  const data = join(dir, 'data');
  const root = userInfo().uid === 0;
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    chownSync(dir, uid, Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  }
  const pg = (cmd: string, args: string[]) =>
    root ? run('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args]) : run(join(BIN, cmd), args);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  await start();
  return {
    port,
    url: (schema) => `postgres://postgres@127.0.0.1:${port}/postgres?schema=${schema}`,
    start,
    stop,
    async close() {
      // It may be stopped already (a test that failed mid-outage): pg_ctl then says so and fails.
      await stop().catch((e: unknown) => console.warn('own postgres: stop at close:', (e as Error).message));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
