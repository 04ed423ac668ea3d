// Where the run commands send their work: to a Baton server when `--server HOST:PORT` or BATON_SERVER is
// set (the flag wins), else to the local data directory. The gRPC side lives in api/client.ts.

import type { RemoteRuns } from '../api/client.js';
import { BatonError } from '../errors/registry.js';

export const SERVER_ENV = 'BATON_SERVER';

/** HOST:PORT with a host name, an IPv4 address or a bracketed IPv6 one; `unix:PATH` for a socket. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * The server address the command should use, or undefined for the local data directory. An address
 * without a port is a usage error: gRPC would quietly try port 443 and report a refused connection.
 */
export function serverAddress(
  opts: { server?: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const address = opts.server ?? env[SERVER_ENV];
  if (address === undefined || address === '') return undefined;
  const origin = opts.server !== undefined ? '--server' : SERVER_ENV;
  if (address.startsWith('unix:')) return address;
  const m = HOST_PORT.exec(address);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw new BatonError(
      'BATON_E_USAGE',
      `${origin} "${address}" is not a server address: expected HOST:PORT, e.g. 127.0.0.1:50051`,
    );
  return address;
}

/** Connects to the server for one command and closes the channel whatever happens. */
export async function withRemote<T>(address: string, fn: (runs: RemoteRuns) => Promise<T>): Promise<T> {
  // Loaded on demand: local commands need not load grpc-js.
  const { RemoteRuns } = await import('../api/client.js');
  const runs = new RemoteRuns(address);
  try {
    return await fn(runs);
  } finally {
    runs.close();
  }
}
