// `baton cancel RUN` and `baton signal RUN CHANNEL[:EVENT] [JSON]`: commands into a run. The process
// driving the run takes them from its inbox; a run nobody drives is taken over here to act at once.

import { openApp } from '../../app.js';
import { BatonError } from '../../errors/registry.js';
import type { RunCommand } from '../../runtime/engine.js';
import type { Output } from '../io.js';
import { printOutcome } from '../report.js';

export async function cancelCommand(
  runId: string,
  opts: { reason?: string; dataDir: string },
  o: Output,
): Promise<number> {
  return steer(
    runId,
    { kind: 'cancel', by: 'cli', reason: opts.reason ?? 'cancelled from the command line' },
    opts.dataDir,
    o,
  );
}

export async function signalCommand(
  runId: string,
  event: string,
  json: string | undefined,
  opts: { dataDir: string },
  o: Output,
): Promise<number> {
  const [channel, name] = event.split(':', 2) as [string, string | undefined];
  if (!channel)
    throw new BatonError('BATON_E_USAGE', 'the event is CHANNEL or CHANNEL:EVENT, e.g. approvals:approved');
  let data: unknown = {};
  if (json !== undefined) {
    try {
      data = JSON.parse(json) as unknown;
    } catch (e) {
      throw new BatonError('BATON_E_USAGE', `the event data is not JSON: ${(e as Error).message}`);
    }
  }
  return steer(runId, { kind: 'signal', channel, ...(name ? { name } : {}), data }, opts.dataDir, o);
}

async function steer(runId: string, cmd: RunCommand, dataDir: string, o: Output): Promise<number> {
  const app = await openApp({ dataDir });
  try {
    const run = await app.store.getRun(app.engine.namespace, runId);
    const orphaned = run !== undefined && (run.owner === undefined || run.leaseUntil <= Date.now());
    if (!orphaned || cmd.kind === 'signal') {
      await app.engine.command(runId, cmd);
      o.err(
        `${cmd.kind} sent to run ${runId}${orphaned ? ' (it takes effect when the run is resumed)' : ''}`,
      );
      return 0;
    }
    // Nobody drives the run: take it over, so the cancellation and its compensations happen now.
    await app.engine.resume(runId);
    await app.engine.command(runId, cmd);
    const final = await app.engine.settled(runId);
    printOutcome(final, o);
    return 0;
  } finally {
    await app.close();
  }
}
