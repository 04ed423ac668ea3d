// ModifyRun: a running workflow changed live. The request's changes become the core's Modifications
// (task YAML parsed as `baton validate` parses a task, with line:col inside that YAML), are checked
// against the run as it is, and are journaled as one RunModified naming the caller. Rejections carry one
// Violation per change at fault (field `modifications.<i>`, the task, why).

import type { Metadata } from '@grpc/grpc-js';
import { checkModification, type Modification, type ModifyProblem } from '../core/index.js';
import type { CheckOptions } from '../plan/index.js';
import { ModifyRejectedError, type Engine } from '../runtime/engine.js';
import { parseYamlAs } from '../spec/load.js';
import { Task, type TaskSpec } from '../spec/schema.js';
import type { ModifyRunRequest, ModifyRunResponse, RunModification } from './gen/baton/v1/run.js';
import { ApiError } from './errors.js';
import { cursorOf, runToProto } from './run-wire.js';
import { diagnosticsToProto } from './wire.js';

/** The metadata key naming who asks; RBAC will check it later. */
export const PRINCIPAL_KEY = 'x-baton-principal';
const MAX_PRINCIPAL = 200;

/** Who the journal names as the author of a command: the caller's `x-baton-principal`, else "anonymous". */
export function principalOf(metadata: Metadata): string {
  const [value] = metadata.get(PRINCIPAL_KEY);
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length > MAX_PRINCIPAL) {
    throw new ApiError('BATON_E_REQUEST_INVALID', `is longer than ${MAX_PRINCIPAL} characters`, {
      fieldPath: PRINCIPAL_KEY,
    });
  }
  return name === '' ? 'anonymous' : name;
}

const invalid = (fieldPath: string, message: string, extra: { line?: number; column?: number } = {}) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath, ...extra });

/** One `workflow.tasks` entry from YAML; problems name the field and the place inside that YAML. */
function parseTask(source: string, field: string): TaskSpec {
  const r = parseYamlAs(Task, source);
  if (r.ok) return r.value;
  const d = r.diagnostics.find((x) => x.severity === 'error') ?? r.diagnostics[0]!;
  const at = d.path.length > 0 ? `${field}.${d.path.join('.')}` : field;
  throw invalid(at, `${d.message} (in the task YAML at ${d.line}:${d.col})`, { line: d.line, column: d.col });
}

/** The request's changes as the core's Modifications; a malformed one is INVALID_ARGUMENT naming it. */
export function parseModifications(list: readonly RunModification[]): Modification[] {
  if (list.length === 0) throw invalid('modifications', 'is empty: give at least one change');
  return list.map((m, i): Modification => {
    const field = `modifications.${i}`;
    if (m.addTask !== undefined) return { op: 'add_task', task: parseTask(m.addTask, `${field}.add_task`) };
    if (m.replaceTask !== undefined)
      return { op: 'replace_task', task: parseTask(m.replaceTask, `${field}.replace_task`) };
    if (m.removeTask !== undefined) {
      if (m.removeTask === '') throw invalid(`${field}.remove_task`, 'is empty: name the task to remove');
      return { op: 'remove_task', task: m.removeTask };
    }
    if (m.swapAgent !== undefined) {
      if (m.swapAgent.taskId === '') throw invalid(`${field}.swap_agent.task_id`, 'is required');
      if (m.swapAgent.agentId === '') throw invalid(`${field}.swap_agent.agent_id`, 'is required');
      return { op: 'swap_agent', task: m.swapAgent.taskId, agent: m.swapAgent.agentId };
    }
    if (m.patternConfig !== undefined) return { op: 'pattern_config', config: m.patternConfig };
    throw invalid(
      field,
      'sets no change: one of add_task, remove_task, replace_task, swap_agent, pattern_config',
    );
  });
}

/** A rejection as the client sees it: the registry code, a summary, and one Violation per problem. */
function rejected(e: ModifyRejectedError): ApiError {
  const first = e.problems[0];
  return new ApiError(e.code, e.message, {
    ...(first !== undefined && first.index >= 0 ? { fieldPath: `modifications.${first.index}` } : {}),
    violations: e.problems.map((p: ModifyProblem) => ({
      fieldPath: p.index >= 0 ? `modifications.${p.index}` : '',
      code: p.code,
      message: p.message,
      subject: p.target,
    })),
  });
}

export function modifyRun(engine: Engine, check: CheckOptions) {
  return async (req: ModifyRunRequest, metadata: Metadata): Promise<ModifyRunResponse> => {
    if (req.runId === '') throw invalid('run_id', 'is required');
    const by = principalOf(metadata);
    const changes = parseModifications(req.modifications);
    // Checked here first, against the server's agent registry, for a quick answer and the warnings;
    // the engine checks again where the change is applied, between two steps of the run.
    const pre = checkModification(await engine.load(req.runId), changes, check);
    try {
      if (!pre.ok) throw new ModifyRejectedError(pre.problems);
      const reason = req.reason === '' ? 'modified through the API' : req.reason;
      const { seq, state } = await engine.modify(req.runId, { kind: 'modify', by, reason, changes }, check);
      return {
        run: runToProto(state, await engine.status(req.runId)),
        cursor: cursorOf(seq),
        diagnostics: diagnosticsToProto(pre.warnings),
      };
    } catch (e) {
      throw e instanceof ModifyRejectedError ? rejected(e) : e;
    }
  };
}
