// A PostgreSQL server of a test's own (initdb + pg_ctl from /usr/lib/postgresql/15/bin, in a temp folder,
// on a free port), for tests that stop and restart the server: never the shared one. Runs as the
// `postgres` user when the test runs as root (initdb refuses root).

import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface OwnCluster {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Why an own cluster cannot be made here, or undefined when it can. */
export function ownClusterUnavailable(): string | undefined {
  if (!existsSync(join(BIN, 'initdb'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser')) return 'running as root without runuser';
  return undefined;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function ownCluster(): Promise<OwnCluster> {
  const root = mkdtempSync(join(tmpdir(), 'baton-pg-cluster-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot)
    chownSync(
      root,
      Number((await run('id', ['-u', 'postgres'])).stdout),
      Number((await run('id', ['-g', 'postgres'])).stdout),
    );
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('/usr/sbin/runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args])
      : run(join(BIN, tool), args);
  const data = join(root, 'data');
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: OwnCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(root, 'log'), '-w', 'start']);
    },
    stop: async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    cleanup: async () => {
      await cluster.stop().catch(() => undefined); // already stopped is fine
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
