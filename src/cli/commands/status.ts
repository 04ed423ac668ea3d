// `baton status RUN`, `baton runs` and `baton events RUN`: read the store; the journal is the truth.

import { openApp, type App } from '../../app.js';
import type { WorkflowStatusView } from '../../core/index.js';
import { RunNotFoundError } from '../../store/store.js';
import { paint, type Output } from '../io.js';
import { timelineLine } from '../timeline.js';

/** Exactly the status response of the specification; with `detail`, Baton's extras under `baton`. */
export function statusJson(v: WorkflowStatusView & { breakers?: unknown }, detail: boolean) {
  const spec = {
    workflow_id: v.workflow_id,
    status: v.status,
    current_phase: v.current_phase,
    agents: v.agents,
    performance_metrics: v.performance_metrics,
  };
  return detail ? { ...spec, baton: { ...v.baton, breakers: v.breakers } } : spec;
}

/** Opens the embedded app on the data directory for one command, and closes it whatever happens. */
export async function withApp<T>(dataDir: string, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp({ dataDir });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export async function statusCommand(
  runId: string,
  opts: { json?: boolean; dataDir: string },
  o: Output,
): Promise<number> {
  return withApp(opts.dataDir, async (app) => {
    const v = await app.engine.status(runId);
    if (opts.json) {
      o.out(JSON.stringify(statusJson(v, false), null, 2));
      return 0;
    }
    const m = v.performance_metrics;
    o.out(`${paint(o, 'bold', runId)}  ${v.status} (${v.baton.run_status})  phase ${v.current_phase || '-'}`);
    o.out(
      `  runtime ${(m.total_runtime / 1000).toFixed(2)}s · tasks completed ${m.tasks_completed} · agents ${m.agents_allocated} · coordination overhead ${(m.coordination_overhead * 100).toFixed(1)}%`,
    );
    o.out(
      `  tasks: ${Object.entries(v.baton.tasks)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}`,
    );
    for (const a of v.agents) {
      o.out(
        `  ${a.agent_id.padEnd(16)} ${a.status.padEnd(10)} ${String(Math.round(a.progress * 100)).padStart(3)}%  ${a.current_task}`,
      );
    }
    if (v.baton.compensated.length > 0) o.out(`  compensated: ${v.baton.compensated.join(', ')}`);
    if (v.baton.error) o.out(`  error: ${v.baton.error.code}  ${v.baton.error.message}`);
    return 0;
  });
}

export async function runsCommand(
  opts: { json?: boolean; dataDir: string; status?: string; limit?: string },
  o: Output,
): Promise<number> {
  return withApp(opts.dataDir, async (app) => {
    const page = await app.store.listRuns(app.engine.namespace, {
      ...(opts.status ? { status: opts.status } : {}),
      limit: opts.limit ? Number(opts.limit) : 20,
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
    if (page.runs.length === 0) o.out('no runs');
    for (const r of page.runs) {
      const when = new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19);
      o.out(`${r.runId}  ${r.status.padEnd(10)}  ${when}  ${r.workflowName}@${r.workflowVersion}`);
    }
    return 0;
  });
}

export async function eventsCommand(
  runId: string,
  opts: { json?: boolean; dataDir: string },
  o: Output,
): Promise<number> {
  return withApp(opts.dataDir, async (app) => {
    const records = await app.store.read(app.engine.namespace, runId);
    if (records.length === 0) throw new RunNotFoundError(app.engine.namespace, runId);
    if (opts.json) for (const r of records) o.out(JSON.stringify(r));
    else for (const r of records) o.out(timelineLine(r, records[0]!.at));
    return 0;
  });
}
