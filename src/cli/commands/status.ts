// `baton status RUN`, `baton runs` and `baton events RUN`: read the store (the journal is the truth), or
// with --server / BATON_SERVER ask that server (GetRun, ListRuns, GetRunHistory).

import { openApp, type App } from '../../app.js';
import { ENTRY_VERSION, type WorkflowStatusView } from '../../core/index.js';
import { MAX_PAGE, RunNotFoundError, type JournalRecord } from '../../store/store.js';
import { BatonError } from '../../errors/registry.js';
import type { Output } from '../io.js';
import { serverAddress, withRemote } from '../remote.js';
import { localStatusView, printRuns, printStatus, remoteStatusView } from '../run-view.js';
import { timelineLine } from '../timeline.js';
import { storeUrl } from '../store-option.js';

/** The status response with run_id beside workflow_id; with `detail`, Baton's extras under `baton`. */
export function statusJson(v: WorkflowStatusView & { breakers?: unknown }, detail: boolean) {
  const spec = {
    run_id: v.workflow_id,
    workflow_id: v.workflow_id,
    status: v.status,
    current_phase: v.current_phase,
    agents: v.agents,
    performance_metrics: v.performance_metrics,
  };
  return detail ? { ...spec, baton: { ...v.baton, breakers: v.breakers } } : spec;
}

/**
 * Opens the embedded app for one command on its store (--store / BATON_STORE, else the data directory's),
 * and closes it whatever happens.
 */
export async function withApp<T>(
  opts: { dataDir: string; store?: string },
  fn: (app: App) => Promise<T>,
): Promise<T> {
  const store = storeUrl(opts);
  const app = await openApp({ dataDir: opts.dataDir, ...(store === undefined ? {} : { store }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export async function statusCommand(
  runId: string,
  opts: { json?: boolean; dataDir: string; store?: string; server?: string },
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  const view = address
    ? await withRemote(address, async (runs) => remoteStatusView(await runs.get(runId)))
    : await withApp(opts, async (app) => localStatusView(await app.engine.status(runId)));
  printStatus(view, opts.json ?? false, o);
  return 0;
}

export async function runsCommand(
  opts: { json?: boolean; dataDir: string; store?: string; status?: string; limit?: string; server?: string },
  o: Output,
): Promise<number> {
  const limit = opts.limit ? Number(opts.limit) : 20;
  // The store pages at most MAX_PAGE runs: past it, a usage error here rather than the store's own.
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new BatonError(
      'BATON_E_USAGE',
      `--limit must be a whole number from 1 to ${MAX_PAGE}, not "${opts.limit}"`,
    );
  const address = serverAddress(opts);
  if (address) {
    const runs = await withRemote(address, (r) =>
      r.list({ limit, ...(opts.status !== undefined && { status: opts.status }) }),
    );
    const lines = runs.map((r) => ({
      runId: r.runId,
      workflowName: r.workflowName,
      workflowVersion: r.workflowVersion,
      status: r.status,
      createdAt: r.startedAt,
    }));
    if (opts.json) o.out(JSON.stringify(lines, null, 2));
    else printRuns(lines, o);
    return 0;
  }
  return withApp(opts, async (app) => {
    const page = await app.store.listRuns(app.engine.namespace, {
      ...(opts.status ? { status: opts.status } : {}),
      limit,
    });
    if (opts.json) {
      o.out(
        JSON.stringify(
          page.runs.map(({ input: _input, summary: _summary, ...r }) => r),
          null,
          2,
        ),
      );
      return 0;
    }
    printRuns(page.runs, o);
    return 0;
  });
}

export async function eventsCommand(
  runId: string,
  opts: { json?: boolean; dataDir: string; store?: string; server?: string },
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  if (address) {
    await withRemote(address, async (runs) => {
      let startedAt: number | undefined;
      for await (const e of runs.history(runId)) {
        // The journal record's own shape, as the local command prints it.
        const r: JournalRecord = { seq: e.seq, type: e.type, v: ENTRY_VERSION, at: e.at, data: e.data };
        startedAt ??= r.at;
        o.out(opts.json ? JSON.stringify(r) : timelineLine(r, startedAt));
      }
    });
    return 0;
  }
  return withApp(opts, async (app) => {
    const records = await app.store.read(app.engine.namespace, runId);
    if (records.length === 0) throw new RunNotFoundError(app.engine.namespace, runId);
    if (opts.json) for (const r of records) o.out(JSON.stringify(r));
    else for (const r of records) o.out(timelineLine(r, records[0]!.at));
    return 0;
  });
}
