// One way to print a run's status and a list of runs, whether the facts come from the local data
// directory (the engine's status view) or from a server (RunService's Run message), so `baton status`
// and `baton runs` print the same lines, and the same JSON, with and without --server.

import type { RemoteRun } from '../api/client.js';
import type { EventWait, WorkflowStatusView } from '../core/index.js';
import { paint, type Output } from './io.js';

/** What `baton status` shows: the same fields whether the run is read locally or from a server. */
export interface StatusView {
  /** The status response (docs/specification-notes.md), with `run_id` beside its `workflow_id`. */
  readonly spec: {
    run_id: string;
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
  /** Baton's own status name (e.g. cancelled, which the status response reports as failed). */
  readonly runStatus: string;
  /** The workflow's tasks by status, each task once. */
  readonly taskCounts: Readonly<Record<string, number>>;
  readonly waits: readonly EventWait[];
  readonly compensated: readonly string[];
  readonly error?: { code: string; message: string };
  /** The run's outputs once it completed (what `baton events --json` shows in RunCompleted). */
  readonly outputs?: unknown;
  /** Attempts whose agent waits for input (A2A input-required, a worker's requestInput). */
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
      run_id: v.workflow_id,
      workflow_id: v.workflow_id,
      status: v.status,
      current_phase: v.current_phase,
      agents: v.agents,
      performance_metrics: v.performance_metrics,
    },
    runStatus: v.baton.run_status,
    taskCounts: v.baton.task_counts,
    waits: v.baton.waits,
    compensated: v.baton.compensated,
    ...(v.baton.error && { error: { code: v.baton.error.code, message: v.baton.error.message } }),
    ...(v.baton.output !== undefined && { outputs: v.baton.output }),
    ...(v.baton.input_required && { inputRequired: v.baton.input_required }),
  };
}

/** The status response reports a cancelled run as failed; Baton's own name stays in runStatus. */
const SPEC_STATUS: Record<string, string> = { cancelled: 'failed' };

export function remoteStatusView(r: RemoteRun): StatusView {
  const m = r.metrics;
  return {
    spec: {
      run_id: r.runId,
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
    taskCounts: r.taskCounts,
    waits: r.waits.map((w) => ({
      task: w.task,
      gate: w.gate,
      channel: w.channel,
      event: w.event,
      since: w.since,
      timeout_ms: w.timeoutMs,
    })),
    compensated: r.compensated,
    ...(r.inputRequired.length > 0 && { inputRequired: r.inputRequired }),
    ...(r.failure && { error: r.failure }),
    ...(r.outputs && { outputs: r.outputs }),
  };
}

/** The order task statuses are listed in: where the work is, then how it ended. */
const TASK_ORDER = [
  'completed',
  'running',
  'ready',
  'waiting_event',
  'pending',
  'failed',
  'skipped',
  'compensated',
  'cancelled',
];

/** `--json`: the status response with run_id, and Baton's detail under `baton`. */
export function statusJsonOf(v: StatusView) {
  return {
    ...v.spec,
    // The run's outputs (null until it completes), as `baton events --json` shows them in RunCompleted.
    outputs: v.outputs ?? null,
    // Attempts whose agent waits for input (A2A input-required, a worker's requestInput).
    ...(v.inputRequired === undefined ? {} : { input_required: v.inputRequired }),
    baton: {
      run_status: v.runStatus,
      task_counts: v.taskCounts,
      waits: v.waits,
      compensated: v.compensated,
      error: v.error ?? null,
    },
  };
}

/** `3s`, `1m30s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `analyze waits for data_updates:ready (wait_for since 2025-01-01T10:00:00Z, timeout 30s)` */
export function describeWait(w: EventWait): string {
  const what = `${w.channel}${w.event === null ? '' : `:${w.event}`}`;
  const when =
    w.gate === 'on'
      ? 'on: no timeout'
      : `wait_for${w.since === null ? '' : ` since ${isoSeconds(w.since)}`}${w.timeout_ms === null ? '' : `, timeout ${formatDuration(w.timeout_ms)}`}`;
  return `${w.task} waits for ${what} (${when})`;
}

export function printStatus(v: StatusView, json: boolean, o: Output): void {
  if (json) {
    o.out(JSON.stringify(statusJsonOf(v), null, 2));
    return;
  }
  const s = v.spec;
  const m = s.performance_metrics;
  const status = v.runStatus === s.status ? s.status : `${s.status} (${v.runStatus})`;
  o.out(`${paint(o, 'bold', s.run_id)}  ${status}  phase ${s.current_phase || '-'}`);
  const total = Object.values(v.taskCounts).reduce((a, b) => a + b, 0);
  const counts = Object.entries(v.taskCounts)
    .sort(([a], [b]) => TASK_ORDER.indexOf(a) - TASK_ORDER.indexOf(b))
    .map(([st, n]) => `${n} ${st}`)
    .join(', ');
  o.out(
    `  tasks: ${counts || 'none'} (of ${total}) · runtime ${m.total_runtime.toFixed(2)}s · agents ${m.agents_allocated} · coordination overhead ${(m.coordination_overhead * 100).toFixed(1)}%`,
  );
  for (const w of v.waits) o.out(`  waiting: ${describeWait(w)}`);
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
  if (v.inputRequired !== undefined && v.inputRequired.length > 0)
    o.out(`  answer with: baton input ${s.run_id} ${v.inputRequired[0]!.key} '<JSON>'`);
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
