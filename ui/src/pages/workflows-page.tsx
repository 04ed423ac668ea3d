// Registered workflows and their versions (WorkflowService.ListWorkflows); each opens in the editor.

import { useEffect, useState } from 'react';
import { call } from '../api.ts';
import type { RegisteredWorkflow } from '../types.ts';

export function WorkflowsPage() {
  const [list, setList] = useState<RegisteredWorkflow[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    call<{ workflows?: RegisteredWorkflow[] }>('WorkflowService', 'ListWorkflows', { pageSize: 500 }).then(
      (r) => setList(r.workflows ?? []),
      (e: Error) => setError(e.message),
    );
  }, []);
  return (
    <div>
      <h2>Workflows</h2>
      <a href="#/editor">New workflow in the editor</a>
      {error && <div className="error-banner">{error}</div>}
      <table className="runs" data-testid="workflows">
        <thead>
          <tr>
            <th>name</th>
            <th>version</th>
            <th>registered</th>
            <th>description</th>
          </tr>
        </thead>
        <tbody>
          {list.map((w) => (
            <tr key={`${w.name}@${w.version}`}>
              <td>
                <a href={`#/editor/${encodeURIComponent(w.name)}/${encodeURIComponent(w.version)}`}>
                  {w.name}
                </a>
              </td>
              <td>{w.version}</td>
              <td>{w.registeredAt && new Date(w.registeredAt).toLocaleString()}</td>
              <td>{w.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
