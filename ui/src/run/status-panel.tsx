// The SPEC status panel of a run: status and phase, agents with their progress, performance numbers,
// task counts and the answering instance's circuit breakers. Live it shows the server's GetRun; in time
// travel, the status computed here from the folded state at the chosen entry.

import type { Run } from '../types.ts';
import { STATUS_LABEL } from '../types.ts';
import type { WorkflowStatusView } from './journal.ts';

/** The panel's rows, from either source. */
interface Panel {
  status: string;
  phase: string;
  agents: Array<{ id: string; status: string; task: string; progress: number }>;
  runtime: number;
  allocated: number;
  completed: number;
  overhead: number;
  counts: Record<string, number>;
  failure: string;
  /** The answering instance's circuit breakers (live only: they are process state, not journaled). */
  breakers: Array<{ agent: string; state: string; failures: number; retryAt: string }>;
}

export function fromRun(run: Run): Panel {
  const m = run.performanceMetrics ?? {};
  return {
    status: run.status ? STATUS_LABEL[run.status] : 'unknown',
    phase: run.currentPhase ?? '',
    agents: (run.agents ?? []).map((a) => ({
      id: a.agentId,
      status: (a.status ?? '').replace('AGENT_RUN_STATUS_', '').toLowerCase(),
      task: a.currentTask ?? '',
      progress: a.progress ?? 0,
    })),
    runtime: m.totalRuntimeSeconds ?? 0,
    allocated: m.agentsAllocated ?? 0,
    completed: m.tasksCompleted ?? 0,
    overhead: m.coordinationOverhead ?? 0,
    counts: run.taskCounts ?? {},
    failure: run.failureCode ? `${run.failureCode}: ${run.failureMessage ?? ''}` : '',
    breakers: (run.breakers ?? []).map((b) => ({
      agent: b.agentId,
      state: b.state ?? '',
      failures: b.consecutiveFailures ?? 0,
      retryAt: b.retryAt ? new Date(b.retryAt).toLocaleTimeString() : '',
    })),
  };
}

export function fromView(v: WorkflowStatusView): Panel {
  const m = v.performance_metrics;
  return {
    status: v.baton.run_status,
    phase: v.current_phase,
    agents: v.agents.map((a) => ({
      id: a.agent_id,
      status: a.status,
      task: a.current_task,
      progress: a.progress,
    })),
    runtime: m.total_runtime,
    allocated: m.agents_allocated,
    completed: m.tasks_completed,
    overhead: m.coordination_overhead,
    counts: { ...v.baton.task_counts },
    failure: v.baton.error ? `${v.baton.error.code}: ${v.baton.error.message}` : '',
    breakers: [],
  };
}

export function StatusPanel({ panel, travel }: { panel: Panel; travel: boolean }) {
  return (
    <div className="status-panel" data-testid="status-panel">
      <div>
        <strong>Status</strong>{' '}
        <span className={`pill status-${panel.status}`} data-testid="run-status">
          {panel.status}
        </span>
        {travel && <span className="travel-note"> (at the selected entry)</span>}
      </div>
      <div>Phase: {panel.phase}</div>
      {panel.failure && <div className="failure">{panel.failure}</div>}
      <div className="metrics">
        <span>runtime {panel.runtime.toFixed(2)} s</span>
        <span>agents {panel.allocated}</span>
        <span>tasks completed {panel.completed}</span>
        <span>coordination overhead {(panel.overhead * 100).toFixed(1)}%</span>
      </div>
      <div className="counts">
        {Object.entries(panel.counts).map(([k, n]) => (
          <span key={k} className={`pill status-${k}`}>
            {k} {n}
          </span>
        ))}
      </div>
      <table className="agents">
        <thead>
          <tr>
            <th>agent</th>
            <th>status</th>
            <th>task</th>
            <th>progress</th>
          </tr>
        </thead>
        <tbody>
          {panel.agents.map((a) => (
            <tr key={a.id}>
              <td>{a.id}</td>
              <td>{a.status}</td>
              <td>{a.task}</td>
              <td>
                <progress max={1} value={a.progress} /> {(a.progress * 100).toFixed(0)}%
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {panel.breakers.length > 0 && (
        <table className="agents" data-testid="breakers">
          <thead>
            <tr>
              <th>breaker</th>
              <th>state</th>
              <th>failures in a row</th>
              <th>probe at</th>
            </tr>
          </thead>
          <tbody>
            {panel.breakers.map((b) => (
              <tr key={b.agent}>
                <td>{b.agent}</td>
                <td className={`breaker-${b.state}`}>{b.state}</td>
                <td>{b.failures}</td>
                <td>{b.retryAt}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
