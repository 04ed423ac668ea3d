// WorkflowService over gRPC: ValidateWorkflow and PlanWorkflow, both through checkWorkflowSource.
// The registry RPCs (Register, Get, List, Delete) arrive with the workflow store; until then
// grpc-js answers them UNIMPLEMENTED.

import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import type { Diagnostic } from '../spec/diagnostic.js';
import { ResourceConstraints, type ResourceConstraintsSpec } from '../spec/schema.js';
import type { ResourceConstraints as ConstraintsMessage } from './gen/baton/v1/common.js';
import type {
  PlanWorkflowRequest,
  PlanWorkflowResponse,
  ValidateWorkflowRequest,
  ValidateWorkflowResponse,
  WorkflowServiceServer,
} from './gen/baton/v1/workflow.js';
import { ApiError, unary } from './errors.js';
import { diagnosticToProto, fieldPath, planToProto } from './wire.js';

export type WorkflowServiceHandlers = Pick<WorkflowServiceServer, 'validateWorkflow' | 'planWorkflow'>;

/** The handlers, checking against `opts` (agent registry, constraints) as `baton validate` does. */
export function workflowService(opts: CheckOptions = {}): WorkflowServiceHandlers {
  return {
    validateWorkflow: unary((req: ValidateWorkflowRequest) => validate(req, opts)),
    planWorkflow: unary((req: PlanWorkflowRequest) => plan(req, opts)),
  };
}

function validate(req: ValidateWorkflowRequest, opts: CheckOptions): ValidateWorkflowResponse {
  const r = checkWorkflowSource(requireSource(req.source), opts);
  const all = [...r.diagnostics, ...r.warnings].sort((a, b) => a.line - b.line || a.col - b.col);
  return { valid: r.ok, diagnostics: all.map(diagnosticToProto) };
}

function plan(req: PlanWorkflowRequest, opts: CheckOptions): PlanWorkflowResponse {
  const source = requireSource(req.source);
  const constraints = req.resourceConstraints && parseConstraints(req.resourceConstraints);
  const r = checkWorkflowSource(source, constraints ? { ...opts, constraints } : opts);
  if (!r.ok) throw workflowError(r.diagnostics);
  return { plan: planToProto(r.plan), diagnostics: r.warnings.map(diagnosticToProto) };
}

function requireSource(source: string): string {
  if (source.trim() === '') {
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the workflow YAML source', {
      fieldPath: 'source',
    });
  }
  return source;
}

/** Parsed with the workflow language's own schema, so "500m" means the same here as in a file. */
function parseConstraints(c: ConstraintsMessage): ResourceConstraintsSpec {
  const parsed = ResourceConstraints.safeParse({
    ...(c.maxAgents !== undefined && { max_agents: c.maxAgents }),
    ...(c.maxCpu !== undefined && { max_cpu: c.maxCpu }),
    ...(c.maxMemory !== undefined && { max_memory: c.maxMemory }),
  });
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new ApiError('BATON_E_REQUEST_INVALID', issue?.message ?? 'is invalid', {
    fieldPath: ['resource_constraints', ...(issue?.path ?? [])].join('.'),
  });
}

/** The first error of a workflow that cannot be planned, located; the message counts the rest. */
function workflowError(diagnostics: readonly Diagnostic[]): ApiError {
  const [first] = diagnostics;
  if (!first) return new ApiError('BATON_E_INTERNAL', 'the workflow was rejected without a reason', {});
  const more =
    diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more: ValidateWorkflow lists them)` : '';
  return new ApiError(first.code, `${first.message}${more}`, {
    fieldPath: fieldPath(first.path),
    line: first.line,
    column: first.col,
    ...(first.hint !== undefined && { hint: first.hint }),
  });
}
