// Live modification, the pure rules: how a list of changes edits a workflow, and which changes the run's
// state forbids (a task that started cannot be removed or replaced; a finished one cannot change agent).
// modify-check.ts adds the full workflow checker on top; modify-apply.ts folds a journaled RunModified.

import type { ErrorCode } from '../errors/registry.js';
import type { TaskSpec, WorkflowSpec } from '../spec/schema.js';
import type { Modification } from './entries.js';
import { isActive, type RunState } from './state.js';

/** Why one change (by its position in the request) cannot be made. */
export interface ModifyProblem {
  /** Position of the change in the request; -1 for the request as a whole. */
  readonly index: number;
  /** The change's kind, e.g. `remove_task` (empty for the request as a whole). */
  readonly op: Modification['op'] | '';
  /** The task (or, for pattern_config, the pattern) the change is about. */
  readonly target: string;
  readonly code: ErrorCode;
  readonly message: string;
  /** workflow: the changed workflow would be invalid; state: the run's progress forbids it. */
  readonly kind: 'workflow' | 'state';
}

/** What a change is about, for messages: the task id, or the pattern. */
export function targetOf(m: Modification, workflow: WorkflowSpec): string {
  switch (m.op) {
    case 'add_task':
    case 'replace_task':
      return m.task.id;
    case 'remove_task':
    case 'swap_agent':
      return m.task;
    case 'pattern_config':
      return workflow.orchestration_pattern;
  }
}

/** Task statuses of a task that has not started (and so may be removed or replaced). */
const NOT_STARTED = new Set(['pending', 'waiting_event', 'ready']);
/** Task statuses after which no attempt of the task will run again. */
const FINISHED = new Set(['completed', 'failed', 'skipped', 'compensated', 'cancelled']);

/**
 * The workflow after `changes` (in order), and the problems each change has on its own: unknown or
 * duplicate ids, and what the run's state forbids. `prefixes[k]` is the workflow after the first k
 * changes (prefixes[0] is `workflow`), for modify-check.ts to tell which change broke what.
 */
export function editWorkflow(
  state: RunState,
  workflow: WorkflowSpec,
  changes: readonly Modification[],
): { workflow: WorkflowSpec; prefixes: WorkflowSpec[]; problems: ModifyProblem[] } {
  const problems: ModifyProblem[] = [];
  if (!isActive(state)) {
    problems.push({
      index: -1,
      op: '',
      target: state.runId,
      code: 'BATON_E_MODIFY_CONFLICT',
      message: `the run is ${state.status}: only an executing or paused run can be modified`,
      kind: 'state',
    });
  }
  let current = workflow;
  const prefixes = [workflow];
  changes.forEach((m, index) => {
    const problem = (code: ErrorCode, message: string, kind: ModifyProblem['kind'] = 'workflow') =>
      problems.push({ index, op: m.op, target: targetOf(m, current), code, message, kind });
    const at = current.tasks.findIndex((t) => t.id === ('task' in m ? taskId(m) : ''));
    const why = stateRule(state, m);
    if (why !== null) problem('BATON_E_MODIFY_CONFLICT', why, 'state');
    switch (m.op) {
      case 'add_task':
        if (at >= 0) problem('BATON_E_DUPLICATE_TASK', `task "${m.task.id}" already exists`);
        else current = { ...current, tasks: [...current.tasks, m.task] };
        break;
      case 'remove_task':
      case 'replace_task':
      case 'swap_agent': {
        if (at < 0) {
          problem('BATON_E_UNKNOWN_TASK', `no task "${taskId(m)}" in the run's workflow`);
          break;
        }
        const tasks = [...current.tasks];
        if (m.op === 'remove_task') tasks.splice(at, 1);
        else if (m.op === 'replace_task') tasks[at] = m.task;
        else if (tasks[at]!.agent === undefined) {
          problem('BATON_E_MODIFY_CONFLICT', `task "${m.task}" runs a sub-workflow, not an agent`);
        } else tasks[at] = { ...tasks[at]!, agent: m.agent };
        current = { ...current, tasks };
        break;
      }
      case 'pattern_config':
        current = { ...current, pattern_config: { ...m.config } };
        break;
    }
    prefixes.push(current);
  });
  return { workflow: current, prefixes, problems };
}

const taskId = (m: Exclude<Modification, { op: 'pattern_config' }>): string =>
  typeof m.task === 'string' ? m.task : m.task.id;

/**
 * What the run's progress says against one change, or null. Checked before journaling and again when
 * the entry is applied (the run may have moved on in between), against the state of the run's tasks.
 */
export function stateRule(state: RunState, m: Modification): string | null {
  if (m.op === 'pattern_config') return null;
  if ((m.op === 'add_task' || m.op === 'replace_task') && isChild(m.task)) {
    return `task "${m.task.id}" would run a sub-workflow or block: those are prepared when the run starts, so they cannot be added later`;
  }
  const id = taskId(m);
  const i = state.ctx?.graph.index.get(id);
  if (i === undefined) return null; // added by this request, or unknown (reported as such)
  const t = state.tasks[i]!;
  const started = !NOT_STARTED.has(t.status) || t.round > 1;
  switch (m.op) {
    case 'remove_task':
    case 'replace_task':
      return started
        ? `task "${id}" is ${t.status}: only a task that has not started can be ${m.op === 'remove_task' ? 'removed' : 'replaced'}`
        : null;
    case 'swap_agent':
      return FINISHED.has(t.status) ? `task "${id}" is ${t.status}: no attempt of it is left to run` : null;
    default:
      return null;
  }
}

const isChild = (t: TaskSpec): boolean => t.workflow !== undefined || t.block !== undefined;
