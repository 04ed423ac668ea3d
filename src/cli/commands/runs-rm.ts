// `baton runs rm RUN...`: deletes ended runs with their journals, snapshots and inboxes, from the data
// directory or on a server (--server / BATON_SERVER). A run that has not ended is refused, as is an unknown
// one; the others are still deleted, and the exit code says whether all were.

import type { Command } from 'commander';
import { BatonError } from '../../errors/registry.js';
import { deleteEndedRun } from '../../runtime/retention.js';
import type { Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { withApp } from './status.js';

type Opt = readonly [string, string, string?];

/** Adds `rm` under the `runs` command main.ts defined. */
export function registerRunsRm(
  program: Command,
  shared: { dataDir: Opt; server: Opt },
  o: Output,
  setExit: (code: number) => void,
): void {
  const runs = program.commands.find((c) => c.name() === 'runs');
  if (!runs) throw new Error('registerRunsRm: the runs command must be defined first');
  runs
    .command('rm')
    .description(
      'delete ended runs with their journals (a run that has not ended is refused: cancel it first)',
    )
    .argument('<runs...>', 'run ids')
    // No defaults here: `runs` owns --data-dir and --server too, and takes them wherever they are given;
    // optsWithGlobals merges its values with any given to `rm` itself.
    .option(shared.dataDir[0], `${shared.dataDir[1]} [${shared.dataDir[2]}]`)
    .option(shared.server[0], shared.server[1])
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      setExit(await runsRmCommand(ids, cmd.optsWithGlobals<{ dataDir: string; server?: string }>(), o));
    });
}

export async function runsRmCommand(
  ids: readonly string[],
  opts: { dataDir: string; server?: string },
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  const each = async (del: (id: string) => Promise<void>): Promise<number> => {
    let failed = 0;
    for (const id of ids) {
      try {
        await del(id);
        o.out(`deleted run ${id}`);
      } catch (e) {
        if (!(e instanceof BatonError)) throw e;
        failed += 1;
        o.err(`baton: ${e.code}  ${e.message}`);
      }
    }
    return failed === 0 ? 0 : 1;
  };
  if (address) return withRemote(address, (runs) => each((id) => runs.delete(id)));
  return withApp(opts, (app) => each((id) => deleteEndedRun(app.store, app.engine.namespace, id)));
}
