// `baton serve`: runs the gRPC API (WorkflowService validate/plan, health, reflection) until SIGTERM
// or SIGINT, then shuts down gracefully (see api/server.ts `shutdown`).

import { once } from 'node:events';
import { createServer, listen, shutdown } from '../../api/server.js';
import type { Output } from '../io.js';
import { loadCheckInputs } from './context.js';

export async function serveCommand(opts: { listen: string; registry?: string }, o: Output): Promise<number> {
  const check = await loadCheckInputs(opts, o);
  if (!check) return 1;
  const api = createServer({ check });
  const port = await listen(api.server, opts.listen);
  // The bound port, not the asked one: with port 0 the caller learns which it got.
  o.out(`baton: serving gRPC on ${opts.listen.replace(/:\d+$/, `:${port}`)}`);
  const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
  o.err(`baton: ${String(signal[0] ?? 'signal')} received, shutting down`);
  await shutdown(api);
  return 0;
}
