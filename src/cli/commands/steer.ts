// `baton cancel RUN`, `baton pause RUN`, `baton signal RUN CHANNEL[:EVENT] [JSON]` (and, with a server,
// `baton resume RUN`): commands into a run. Locally, the process driving the run takes them from its inbox
// (a signal to a run nobody drives waits there for its resume); a cancelled run that nobody drives is taken
// over here, so it ends now. With --server / BATON_SERVER they go to that server's RunService.

import { BatonError } from '../../errors/registry.js';
import type { RunCommand } from '../../runtime/engine.js';
import type { Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { withApp } from './status.js';
import { printOutcome } from '../report.js';

interface SteerOpts {
  readonly dataDir: string;
  readonly store?: string;
  readonly server?: string;
}

export async function cancelCommand(
  runId: string,
  opts: SteerOpts & { reason?: string },
  o: Output,
): Promise<number> {
  return steer(
    runId,
    { kind: 'cancel', by: 'cli', reason: opts.reason ?? 'cancelled from the command line' },
    opts,
    o,
  );
}

export async function pauseCommand(runId: string, opts: SteerOpts, o: Output): Promise<number> {
  return steer(runId, { kind: 'pause', by: 'cli' }, opts, o);
}

/** Un-pauses a run through a server (without one, `baton resume` takes the run over: see run.ts). */
export async function remoteResumeCommand(runId: string, address: string, o: Output): Promise<number> {
  return steer(runId, { kind: 'resume', by: 'cli' }, { dataDir: '', server: address }, o);
}

export async function signalCommand(
  runId: string,
  event: string,
  json: string | undefined,
  opts: SteerOpts,
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
  return steer(runId, { kind: 'signal', channel, ...(name ? { name } : {}), data }, opts, o);
}

// Modifications have their own command (modify.ts): they carry a file of changes and a check result.
async function steer(
  runId: string,
  cmd: Exclude<RunCommand, { kind: 'modify' }>,
  opts: SteerOpts,
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  if (address) {
    await withRemote(address, async (runs) => {
      if (cmd.kind === 'signal') await runs.signal(runId, cmd.channel, cmd.name, cmd.data);
      else {
        const run = await runs.command(cmd.kind, runId, cmd.kind === 'cancel' ? cmd.reason : '');
        o.err(`${cmd.kind} sent to run ${runId} (now ${run.status})`);
        return;
      }
      o.err(`${cmd.kind} sent to run ${runId}`);
    });
    return 0;
  }
  return withApp(opts, async (app) => {
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
