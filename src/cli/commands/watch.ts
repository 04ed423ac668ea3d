// `baton watch RUN`: the run's journal as timeline lines, live, until the run ends. Locally it reads the
// data directory's journal as the driving process writes it; with --server / BATON_SERVER it follows
// WatchRun, reconnecting from the last cursor received after a dropped connection (nothing missed or
// repeated). `--after SEQ` starts after that entry (the cursor a previous watch printed last).

import { BatonError } from '../../errors/registry.js';
import { RunNotFoundError, type JournalRecord } from '../../store/store.js';
import type { Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { timelineLine } from '../timeline.js';
import { withApp } from './status.js';

const FINAL = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);
/** How often a local watch looks for new entries (another process writes them). */
const POLL_MS = 200;

export async function watchCommand(
  runId: string,
  opts: { json?: boolean; dataDir: string; store?: string; server?: string; after?: string },
  o: Output,
): Promise<number> {
  const after = opts.after === undefined ? 0 : Number(opts.after);
  if (!Number.isSafeInteger(after) || after < 0)
    throw new BatonError('BATON_E_USAGE', `--after must be an entry number (seq), not "${opts.after}"`);
  let startedAt: number | undefined;
  const print = (r: Pick<JournalRecord, 'seq' | 'type' | 'at' | 'data'>) => {
    startedAt ??= r.at;
    if (opts.json) o.out(JSON.stringify(r));
    else o.out(timelineLine({ ...r, v: 1 }, startedAt));
  };
  const address = serverAddress(opts);
  if (address) {
    await withRemote(address, async (runs) => {
      for await (const e of runs.watch(runId, after === 0 ? '' : String(after))) print(e);
    });
    return 0;
  }
  return withApp(opts, async (app) => {
    const ns = app.engine.namespace;
    if (!(await app.store.getRun(ns, runId))) throw new RunNotFoundError(ns, runId);
    let last = after;
    for (;;) {
      const records = await app.store.read(ns, runId, { afterSeq: last });
      for (const r of records) {
        print(r);
        last = r.seq;
        if (FINAL.has(r.type)) return 0;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
}
