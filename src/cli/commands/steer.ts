// `baton cancel RUN` and `baton signal RUN CHANNEL[:EVENT] [JSON]`: commands into a run. The process
// driving the run takes them from its inbox (a signal to a run nobody drives waits there for its resume);
// a cancelled run that nobody drives is taken over here, so it ends now.

import { BatonError } from '../../errors/registry.js';
import type { RunCommand } from '../../runtime/engine.js';
import type { Output } from '../io.js';
import { withApp } from './status.js';
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
  return withApp(dataDir, async (app) => {
    if (cmd.kind === 'cancel') {
      // A run nobody drives (its process stopped or died) is taken over, so the cancellation and its
      // compensations happen now; a run a live process drives gets the command through its inbox.
      const takenOver = await app.engine.resume(runId).then(
        () => true,
        (e: unknown) => {
          if (e instanceof BatonError && e.code === 'BATON_E_RUN_OWNED') return false;
          throw e;
        },
      );
      if (takenOver) {
        await app.engine.command(runId, cmd);
        printOutcome(await app.engine.settled(runId), o);
        return 0;
      }
    }
    await app.engine.command(runId, cmd);
    o.err(`${cmd.kind} sent to run ${runId}`);
    return 0;
  });
}
