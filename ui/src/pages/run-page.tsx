// One run: its graph (live from WatchRun, or as of a journal entry in time travel), the status panel,
// run control, the journal timeline, the selected task's detail and the modify panel.

import { useEffect, useMemo, useState } from 'react';
import { call } from '../api.ts';
import { GraphView, type GraphNode } from '../graph/graph-view.tsx';
import { Controls } from '../run/controls.tsx';
import { InputForm } from '../run/input-form.tsx';
import { stateAt, statusAt } from '../run/journal.ts';
import { ModifyPanel } from '../run/modify-panel.tsx';
import { fromRun, fromView, StatusPanel } from '../run/status-panel.tsx';
import { taskNodes } from '../run/task-nodes.ts';
import { Timeline } from '../run/timeline.tsx';
import { useJournal } from '../run/use-journal.ts';
import type { Run } from '../types.ts';

export function RunPage({ runId }: { runId: string }) {
  const journal = useJournal(runId);
  const [travel, setTravel] = useState<number | null>(null);
  const [selected, setSelected] = useState<string | undefined>();
  const [server, setServer] = useState<Run | null>(null);
  const [tab, setTab] = useState<'timeline' | 'modify'>('timeline');
  const [tick, setTick] = useState(0);
  const [laidOut, setLaidOut] = useState(false);

  // The server's status view, refreshed as entries arrive (at most every 300 ms) and after commands.
  useEffect(() => {
    const t = setTimeout(() => {
      call<{ run: Run }>('RunService', 'GetRun', { runId }).then(
        (r) => setServer(r.run),
        () => undefined, // the journal's own error line reports an unknown run
      );
    }, 300);
    return () => clearTimeout(t);
  }, [runId, journal.version, tick]);

  const state = useMemo(
    () => (travel === null ? journal.live : stateAt(journal.entries, travel)),
    // journal.version: the live state and entries change in place
    [journal.version, travel],
  );
  const nodes = useMemo(() => taskNodes(state), [state, journal.version]);
  const shape = nodes.map((n) => `${n.id}<${n.deps.join(',')}`).join(';');
  const edges = useMemo(
    () => nodes.flatMap((n) => n.deps.map((d) => ({ source: d, target: n.id }))),
    [shape],
  );
  const graphNodes: GraphNode[] = nodes.map((n) => ({
    id: n.id,
    sublabel: n.nested ? `${n.nested}` : n.agent,
    status: n.status,
    ...(n.units.some((u) => u.question !== undefined)
      ? { badge: 'needs input' }
      : (n.fan ?? n.nested) !== undefined && { badge: n.fan ?? '▸' }),
  }));
  const view = travel === null ? undefined : statusAt(state);
  const panel = view ? fromView(view) : server ? fromRun(server) : undefined;
  const task = nodes.find((n) => n.id === selected);
  const runStatus = state.status;

  return (
    <div
      className="run-page"
      data-testid="run-page"
      data-run-status={runStatus}
      data-laid-out={laidOut ? 'yes' : 'no'}
    >
      <h2>
        Run <code>{runId}</code>{' '}
        {state.workflow && (
          <span className="muted">
            {state.workflow.name}@{state.workflow.version}
          </span>
        )}
      </h2>
      {journal.error && <div className="error-banner">{journal.error}</div>}
      <Controls runId={runId} ended={journal.ended} onDone={() => setTick((t) => t + 1)} />
      <div className="run-body">
        <div className="run-graph" data-testid="run-graph">
          <GraphView
            nodes={graphNodes}
            edges={edges}
            selected={selected}
            onSelect={setSelected}
            onLaidOut={() => setLaidOut(true)}
          />
        </div>
        <aside className="run-side">
          {panel && <StatusPanel panel={panel} travel={travel !== null} />}
          {task && (
            <div className="task-detail" data-testid="task-detail">
              <h3>{task.id}</h3>
              <div>
                {task.status} {task.agent && `· agent ${task.agent}`} {task.fan && `· instances ${task.fan}`}
              </div>
              <ul>
                {task.units.map((u) => (
                  <li key={u.key}>
                    {u.key}: {u.status}
                    {u.question !== undefined && travel === null && (
                      <InputForm runId={runId} taskKey={u.key} question={u.question} />
                    )}
                    {task.nested !== undefined && (
                      <>
                        {' '}
                        <a href={`#/runs/${encodeURIComponent(childRunId(runId, u.key, state))}`}>
                          child run
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </aside>
      </div>
      <div className="tabs">
        <button className={tab === 'timeline' ? 'active' : ''} onClick={() => setTab('timeline')}>
          Timeline
        </button>
        <button
          className={tab === 'modify' ? 'active' : ''}
          onClick={() => setTab('modify')}
          disabled={journal.ended}
        >
          Modify
        </button>
      </div>
      {tab === 'timeline' ? (
        <Timeline events={journal.events} selected={travel} onSelect={setTravel} />
      ) : (
        <ModifyPanel runId={runId} state={journal.live} />
      )}
    </div>
  );
}

/** A sub-workflow's child run id: `<parent>.<unit key>.<attempt>` (runtime/children.ts). */
function childRunId(runId: string, key: string, state: { units: Map<string, { attempts: number }> }): string {
  return `${runId}.${key}.${state.units.get(key)?.attempts ?? 1}`;
}
