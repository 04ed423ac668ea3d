// Where the run commands send their work: to a Baton server when `--server HOST:PORT` or BATON_SERVER is
// set (the flag wins), else to the local data directory. The gRPC side lives in api/client.ts.

import type { RemoteRuns } from '../api/client.js';

export const SERVER_ENV = 'BATON_SERVER';

/** The server address the command should use, or undefined for the local data directory. */
export function serverAddress(
  opts: { server?: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const address = opts.server ?? env[SERVER_ENV];
  return address === undefined || address === '' ? undefined : address;
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
