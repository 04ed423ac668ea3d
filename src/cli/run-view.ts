// One way to print a run's status and a list of runs, whether the facts come from the local data
// directory (the engine's status view) or from a server (RunService's Run message), so `baton status`
// and `baton runs` look the same with and without --server.

import type { RemoteRun } from '../api/client.js';
import type { WorkflowStatusView } from '../core/index.js';
import { paint, type Output } from './io.js';

/** What `baton status` shows. Local runs know more (task counts, compensations) than a Run message carries. */
export interface StatusView {
  /** The specification's status response (what `--json` prints). */
  readonly spec: {
    workflow_id: string;
    status: string;
    current_phase: string;
    agents: ReadonlyArray<{ agent_id: string; status: string; current_task: string; progress: number }>;
    performance_metrics: {
      total_runtime: number;
      agents_allocated: number;
      tasks_completed: number;
      coordination_overhead: number;
    };
  };
  /** Baton's own status name (e.g. cancelled, where the specification says failed). */
  readonly runStatus: string;
  readonly tasks?: Readonly<Record<string, number>>;
  readonly compensated?: readonly string[];
  readonly error?: { code: string; message: string };
  /** Attempts whose agent waits for input (A2A input-required): local runs only, for now. */
  readonly inputRequired?: ReadonlyArray<{
    key: string;
    agent: string | null;
    question: string;
    since: number;
  }>;
}

export function localStatusView(v: WorkflowStatusView): StatusView {
  return {
    spec: {
      workflow_id: v.workflow_id,
      status: v.status,
      current_phase: v.current_phase,
      agents: v.agents,
      performance_metrics: v.performance_metrics,
    },
    runStatus: v.baton.run_status,
    tasks: v.baton.tasks,
    compensated: v.baton.compensated,
    ...(v.baton.error && { error: { code: v.baton.error.code, message: v.baton.error.message } }),
    ...(v.baton.input_required && { inputRequired: v.baton.input_required }),
  };
}

/** The specification reports a cancelled run as failed; Baton's own name stays in runStatus. */
const SPEC_STATUS: Record<string, string> = { cancelled: 'failed' };

export function remoteStatusView(r: RemoteRun): StatusView {
  const m = r.metrics;
  return {
    spec: {
      workflow_id: r.runId,
      status: SPEC_STATUS[r.status] ?? r.status,
      current_phase: r.phase,
      agents: r.agents.map((a) => ({
        agent_id: a.agentId,
        status: a.status,
        current_task: a.currentTask,
        progress: a.progress,
      })),
      performance_metrics: {
        total_runtime: m.totalRuntimeSeconds,
        agents_allocated: m.agentsAllocated,
        tasks_completed: m.tasksCompleted,
        coordination_overhead: m.coordinationOverhead,
      },
    },
    runStatus: r.status,
    ...(r.failure && { error: r.failure }),
  };
}

export function printStatus(v: StatusView, json: boolean, o: Output): void {
  if (json) {
    const waiting = v.inputRequired === undefined ? {} : { input_required: v.inputRequired };
    o.out(JSON.stringify({ ...v.spec, ...waiting }, null, 2));
    return;
  }
  const s = v.spec;
  const m = s.performance_metrics;
  o.out(`${paint(o, 'bold', s.workflow_id)}  ${s.status} (${v.runStatus})  phase ${s.current_phase || '-'}`);
  o.out(
    `  runtime ${m.total_runtime.toFixed(2)}s · tasks completed ${m.tasks_completed} · agents ${m.agents_allocated} · coordination overhead ${(m.coordination_overhead * 100).toFixed(1)}%`,
  );
  if (v.tasks)
    o.out(
      `  tasks: ${Object.entries(v.tasks)
        .map(([st, n]) => `${n} ${st}`)
        .join(', ')}`,
    );
  for (const a of s.agents) {
    o.out(
      `  ${a.agent_id.padEnd(16)} ${a.status.padEnd(10)} ${String(Math.round(a.progress * 100)).padStart(3)}%  ${a.current_task}`,
    );
  }
  for (const w of v.inputRequired ?? []) {
    const since = new Date(w.since).toISOString().replace('T', ' ').slice(0, 19);
    o.out(
      `  ${paint(o, 'yellow', 'waiting for input')}: ${w.key} (${w.agent ?? '?'}) since ${since}: ${w.question}`,
    );
  }
  if (v.compensated && v.compensated.length > 0) o.out(`  compensated: ${v.compensated.join(', ')}`);
  if (v.error) o.out(`  error: ${v.error.code}  ${v.error.message}`);
}

/** One line of `baton runs`. */
export interface RunLine {
  readonly runId: string;
  readonly status: string;
  /** ms since the Unix epoch. */
  readonly createdAt: number;
  readonly workflowName: string;
  readonly workflowVersion: string;
}

export function printRuns(runs: readonly RunLine[], o: Output): void {
  if (runs.length === 0) o.out('no runs');
  for (const r of runs) {
    const when = new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    o.out(`${r.runId}  ${r.status.padEnd(10)}  ${when}  ${r.workflowName}@${r.workflowVersion}`);
  }
}
