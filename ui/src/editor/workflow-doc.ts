// The editor's model: the workflow's YAML text is the truth; the graph is read from it and graph edits
// (add a task, connect a dependency, pick an agent) are written back into it through the yaml library's
// document API, so comments and the rest of the file stay as they were.

import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { checkWorkflowSource } from '../../../src/plan/index.js';
import type { Diagnostic } from '../../../src/spec/index.js';

export interface EditorTask {
  readonly id: string;
  readonly agent: string;
  readonly deps: readonly string[];
  /** Its index in workflow.tasks. */
  readonly index: number;
}

export interface EditorModel {
  readonly tasks: readonly EditorTask[];
  readonly agents: readonly string[];
  /** Every problem the CLI's checker finds (errors first), and the warnings. */
  readonly diagnostics: readonly Diagnostic[];
  readonly valid: boolean;
}

const str = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

/** The graph and the checker's verdict of `source` (whatever state it is in). */
export function readModel(source: string): EditorModel {
  const check = checkWorkflowSource(source);
  let js: unknown;
  try {
    js = parseDocument(source).toJS();
  } catch {
    js = undefined; // the checker's diagnostics say why
  }
  const wf = (js as { workflow?: { tasks?: unknown; agents?: unknown } } | undefined)?.workflow;
  const rawTasks = Array.isArray(wf?.tasks) ? (wf.tasks as unknown[]) : [];
  const tasks: EditorTask[] = [];
  rawTasks.forEach((t, index) => {
    if (t === null || typeof t !== 'object') return;
    const o = t as Record<string, unknown>;
    const id = str(o.id);
    if (id === '') return;
    const deps = Array.isArray(o.depends_on) ? o.depends_on.map(str) : [];
    tasks.push({ id, agent: str(o.agent), deps, index });
  });
  const agents = wf?.agents !== null && typeof wf?.agents === 'object' ? Object.keys(wf.agents) : [];
  return {
    tasks,
    agents,
    diagnostics: [...check.diagnostics, ...check.warnings],
    valid: check.ok,
  };
}

/** The task a diagnostic is about (its path runs through workflow.tasks[i]), if any. */
export function taskOfDiagnostic(d: Diagnostic, tasks: readonly EditorTask[]): string | undefined {
  const [w, t, i] = d.path;
  if (w !== 'workflow' || t !== 'tasks' || typeof i !== 'number') return undefined;
  return tasks.find((x) => x.index === i)?.id;
}

function edit(source: string, change: (doc: Document) => void): string {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new Error('fix the YAML syntax first');
  change(doc);
  return doc.toString();
}

/** A new task `id` (on `agent`), appended to workflow.tasks. */
export function addTask(source: string, id: string, agent: string): string {
  return edit(source, (doc) => {
    const tasks = doc.getIn(['workflow', 'tasks']);
    const task = doc.createNode(agent === '' ? { id } : { id, agent });
    if (isSeq(tasks)) tasks.add(task);
    else doc.setIn(['workflow', 'tasks'], doc.createNode([task]));
  });
}

/** `target` depends on `source` from now on. */
export function connect(source: string, from: string, target: string, tasks: readonly EditorTask[]): string {
  const t = tasks.find((x) => x.id === target);
  if (!t || t.deps.includes(from) || from === target) return source;
  return edit(source, (doc) => {
    const deps = doc.getIn(['workflow', 'tasks', t.index, 'depends_on']);
    if (isSeq(deps)) deps.add(doc.createNode(from));
    else doc.setIn(['workflow', 'tasks', t.index, 'depends_on'], doc.createNode([from]));
  });
}

/** Task `id` runs on `agent`. */
export function setAgent(source: string, id: string, agent: string, tasks: readonly EditorTask[]): string {
  const t = tasks.find((x) => x.id === id);
  if (!t) return source;
  return edit(source, (doc) => {
    const node = doc.getIn(['workflow', 'tasks', t.index]);
    if (isMap(node)) node.set('agent', agent);
  });
}

/** A task id not used yet: task1, task2, ... */
export function freshId(tasks: readonly EditorTask[]): string {
  const used = new Set(tasks.map((t) => t.id));
  for (let i = 1; ; i++) if (!used.has(`task${i}`)) return `task${i}`;
}

export const NEW_WORKFLOW = `workflow:
  name: my-workflow
  version: "1"
  agents:
    worker: { type: worker, capabilities: [work] }
  tasks:
    - { id: start, agent: worker }
`;
