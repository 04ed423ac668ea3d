// The runs of the server's namespace (a server serves one; its runs are the ones listed): filters by status and workflow (ListRuns) and by start time (here,
// over the listed page: the API refuses time filters yet), counts by status, refreshed every 2 s.

import { useEffect, useState } from 'react';
import { call } from '../api.ts';
import { STATUS_LABEL, type Run, type RunStatus } from '../types.ts';

const WINDOWS: Record<string, number> = {
  any: 0,
  '15 min': 15 * 60_000,
  '1 hour': 3_600_000,
  '1 day': 86_400_000,
};

export function RunsPage() {
  const [runs, setRuns] = useState<Run[]>([]);
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [workflow, setWorkflow] = useState('');
  const [since, setSince] = useState('any');
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = () =>
      call<{ runs?: Run[] }>('RunService', 'ListRuns', {
        pageSize: 500,
        ...(workflow !== '' && { workflowName: workflow }),
        ...(status !== '' && { statuses: [status] }),
      }).then(
        (r) => {
          if (!live) return;
          setRuns(r.runs ?? []);
          setError('');
        },
        (e: Error) => live && setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [status, workflow]);
  const window = WINDOWS[since] ?? 0;
  const shown = runs.filter((r) => window === 0 || Date.now() - Date.parse(r.startedAt ?? '') <= window);
  const counts = new Map<string, number>();
  for (const r of shown) {
    const s = r.status ? STATUS_LABEL[r.status] : 'unknown';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return (
    <div>
      <h2>Runs</h2>
      <div className="filters">
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => setStatus(e.target.value as RunStatus | '')}
            data-testid="filter-status"
          >
            <option value="">any</option>
            {Object.entries(STATUS_LABEL).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow <input value={workflow} onChange={(e) => setWorkflow(e.target.value)} placeholder="name" />
        </label>
        <label>
          Started within{' '}
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {Object.keys(WINDOWS).map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="counts" data-testid="run-counts">
        <span className="pill">total {shown.length}</span>
        {[...counts].map(([k, n]) => (
          <span key={k} className={`pill status-${k}`}>
            {k} {n}
          </span>
        ))}
      </div>
      {error && <div className="error-banner">{error}</div>}
      <table className="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>workflow</th>
            <th>status</th>
            <th>phase</th>
            <th>started</th>
            <th>tasks</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <td>
                <a href={`#/runs/${encodeURIComponent(r.runId)}`}>{r.runId}</a>
              </td>
              <td>
                {r.workflow?.name}@{r.workflow?.version}
              </td>
              <td>
                <span className={`pill status-${r.status ? STATUS_LABEL[r.status] : ''}`}>
                  {r.status ? STATUS_LABEL[r.status] : ''}
                </span>
              </td>
              <td>{r.currentPhase}</td>
              <td>{r.startedAt && new Date(r.startedAt).toLocaleString()}</td>
              <td>
                {Object.entries(r.taskCounts ?? {})
                  .map(([k, n]) => `${k} ${n}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
