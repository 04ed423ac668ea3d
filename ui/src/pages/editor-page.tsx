// The visual workflow editor: the graph beside the YAML, either one editing the other (add a task,
// connect a dependency by dragging from one task to another, pick a task's agent); the CLI's own checker
// (src/plan, bundled) runs in the browser on every change, its problems marked at their line and on the
// graph; "Register" stores the workflow through WorkflowService.

import { useEffect, useMemo, useState } from 'react';
import { call } from '../api.ts';
import {
  addTask,
  connect,
  freshId,
  NEW_WORKFLOW,
  readModel,
  setAgent,
  taskOfDiagnostic,
} from '../editor/workflow-doc.ts';
import { YamlEditor } from '../editor/yaml-editor.tsx';
import { GraphView, type GraphNode } from '../graph/graph-view.tsx';
import type { RegisteredWorkflow } from '../types.ts';

export function EditorPage({ name, version }: { name?: string; version?: string }) {
  const [text, setText] = useState(NEW_WORKFLOW);
  const [checked, setChecked] = useState(text);
  const [selected, setSelected] = useState<string | undefined>();
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (name === undefined) return;
    call<{ workflow: RegisteredWorkflow }>('WorkflowService', 'GetWorkflow', {
      workflow: { name, version: version ?? '' },
    }).then(
      (r) => setText(r.workflow.source ?? ''),
      (e: Error) => setMessage(e.message),
    );
  }, [name, version]);

  // The checker runs once typing pauses (it plans the workflow too).
  useEffect(() => {
    const t = setTimeout(() => setChecked(text), 150);
    return () => clearTimeout(t);
  }, [text]);
  const model = useMemo(() => readModel(checked), [checked]);
  const errorsByTask = new Map<string, string>();
  for (const d of model.diagnostics) {
    const task = d.severity === 'error' ? taskOfDiagnostic(d, model.tasks) : undefined;
    if (task !== undefined && !errorsByTask.has(task)) errorsByTask.set(task, `${d.code}: ${d.message}`);
  }
  const nodes: GraphNode[] = model.tasks.map((t) => ({
    id: t.id,
    sublabel: t.agent || '(no agent)',
    ...(errorsByTask.has(t.id) && { error: errorsByTask.get(t.id)!, status: 'invalid' }),
  }));
  const shape = model.tasks.map((t) => `${t.id}<${t.deps.join(',')}`).join(';');
  const edges = useMemo(
    () => model.tasks.flatMap((t) => t.deps.map((d) => ({ source: d, target: t.id }))),
    [shape],
  );
  const apply = (f: () => string) => {
    try {
      const next = f();
      setText(next);
      setChecked(next);
      setMessage('');
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const current = model.tasks.find((t) => t.id === selected);
  const errors = model.diagnostics.filter((d) => d.severity === 'error');

  const register = async () => {
    try {
      const r = await call<{ workflow: RegisteredWorkflow; created?: boolean }>(
        'WorkflowService',
        'RegisterWorkflow',
        {
          source: text,
        },
      );
      setMessage(
        `${r.created ? 'registered' : 'already registered'}: ${r.workflow.name}@${r.workflow.version}`,
      );
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  return (
    <div className="editor-page">
      <h2>Workflow editor</h2>
      <div className="editor-bar">
        <button
          data-testid="add-task"
          onClick={() => apply(() => addTask(text, freshId(model.tasks), model.agents[0] ?? ''))}
        >
          Add task
        </button>
        {current && (
          <>
            <span>
              Task <strong>{current.id}</strong>: agent{' '}
              <select
                value={current.agent}
                data-testid="pick-agent"
                onChange={(e) => apply(() => setAgent(text, current.id, e.target.value, model.tasks))}
              >
                {!model.agents.includes(current.agent) && (
                  <option value={current.agent}>{current.agent || '(none)'}</option>
                )}
                {model.agents.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </span>
            <span>
              depends on{' '}
              <select
                value=""
                data-testid="add-dependency"
                onChange={(e) => apply(() => connect(text, e.target.value, current.id, model.tasks))}
              >
                <option value="">add…</option>
                {model.tasks
                  .filter((t) => t.id !== current.id && !current.deps.includes(t.id))
                  .map((t) => (
                    <option key={t.id}>{t.id}</option>
                  ))}
              </select>
            </span>
          </>
        )}
        <button disabled={!model.valid} onClick={() => void register()} data-testid="register">
          Register
        </button>
        <span className={model.valid ? 'ok' : 'bad'} data-testid="validity">
          {model.valid ? 'valid' : `${errors.length} error(s)`}
        </span>
        <span data-testid="editor-message">{message}</span>
      </div>
      <div className="editor-body">
        <div className="editor-graph" data-testid="editor-graph">
          <GraphView
            nodes={nodes}
            edges={edges}
            selected={selected}
            onSelect={setSelected}
            onConnect={(from, to) => apply(() => connect(text, from, to, model.tasks))}
          />
        </div>
        <div className="editor-yaml">
          <YamlEditor value={text} diagnostics={model.diagnostics} onChange={setText} />
          <ul className="problems" data-testid="problems">
            {model.diagnostics.map((d, i) => (
              <li key={i} className={d.severity}>
                {d.line}:{d.col} {d.code} {d.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
