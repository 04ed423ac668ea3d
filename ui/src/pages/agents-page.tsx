// Agents and how many workers serve each (AgentService.ListAgents), the workers with their capacity,
// held assignments and this instance's queue (AgentService.ListWorkers), and installed plugins
// (PluginService.ListPlugins), refreshed every 3 s.

import { useEffect, useState } from 'react';
import { call } from '../api.ts';

interface Agent {
  agentId: string;
  type?: string;
  capabilities?: string[];
  maxInstances?: number;
  cpu?: string;
  memory?: string;
  connectedWorkers?: number;
}
interface Worker {
  workerId: string;
  instance?: string;
  routes?: string[];
  capabilities?: string[];
  capacity?: number;
  inFlight?: number;
}
interface Plugin {
  name: string;
  version: string;
  kind?: string;
  sizeBytes?: string;
  description?: string;
}

export function AgentsPage() {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [plugins, setPlugins] = useState<Plugin[]>([]);
  const [workers, setWorkers] = useState<Worker[]>([]);
  const [queued, setQueued] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    const load = () => {
      call<{ agents?: Agent[] }>('AgentService', 'ListAgents', { pageSize: 500 }).then(
        (r) => setAgents(r.agents ?? []),
        (e: Error) => setError(e.message),
      );
      call<{ workers?: Worker[]; queued?: number }>('AgentService', 'ListWorkers', {}).then(
        (r) => {
          setWorkers(r.workers ?? []);
          setQueued(r.queued ?? 0);
        },
        (e: Error) => setError(e.message),
      );
      call<{ plugins?: Plugin[] }>('PluginService', 'ListPlugins', { pageSize: 500 }).then(
        (r) => setPlugins(r.plugins ?? []),
        (e: Error) => setError(e.message),
      );
    };
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, []);
  return (
    <div>
      <h2>Agents and workers</h2>
      {error && <div className="error-banner">{error}</div>}
      <table className="runs" data-testid="agents">
        <thead>
          <tr>
            <th>agent</th>
            <th>type</th>
            <th>capabilities</th>
            <th>max instances</th>
            <th>cpu / memory</th>
            <th>connected workers</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.agentId}>
              <td>{a.agentId}</td>
              <td>{a.type}</td>
              <td>{(a.capabilities ?? []).join(', ')}</td>
              <td>{a.maxInstances ?? 0}</td>
              <td>
                {a.cpu} / {a.memory}
              </td>
              <td>{a.connectedWorkers ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Workers</h2>
      <div className="muted" data-testid="queued">
        {queued} job(s) waiting for a worker on this instance
      </div>
      <table className="runs" data-testid="workers">
        <thead>
          <tr>
            <th>worker</th>
            <th>instance</th>
            <th>serves</th>
            <th>capabilities</th>
            <th>in flight / capacity</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.workerId}>
              <td>{w.workerId}</td>
              <td>{w.instance}</td>
              <td>{(w.routes ?? []).join(', ')}</td>
              <td>{(w.capabilities ?? []).join(', ')}</td>
              <td>
                <progress max={w.capacity ?? 0} value={w.inFlight ?? 0} /> {w.inFlight ?? 0} /{' '}
                {w.capacity ?? 0}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Plugins</h2>
      <table className="runs" data-testid="plugins">
        <thead>
          <tr>
            <th>name</th>
            <th>version</th>
            <th>kind</th>
            <th>size</th>
            <th>description</th>
          </tr>
        </thead>
        <tbody>
          {plugins.map((p) => (
            <tr key={`${p.name}@${p.version}`}>
              <td>{p.name}</td>
              <td>{p.version}</td>
              <td>{p.kind}</td>
              <td>{p.sizeBytes}</td>
              <td>{p.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
