// WorkflowService over gRPC: ValidateWorkflow and PlanWorkflow, both through checkWorkflowSource.
// The registry RPCs (Register, Get, List, Delete) arrive with the workflow store; until then
// grpc-js answers them UNIMPLEMENTED.

import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import type { Diagnostic } from '../spec/diagnostic.js';
import type {
  PlanWorkflowRequest,
  PlanWorkflowResponse,
  ValidateWorkflowRequest,
  ValidateWorkflowResponse,
  WorkflowServiceServer,
} from './gen/baton/v1/workflow.js';
import { ApiError, unary } from './errors.js';
import { diagnosticToProto, fieldPath, parseConstraints, planToProto } from './wire.js';

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
  const constraints =
    req.resourceConstraints && parseConstraints(req.resourceConstraints, 'resource_constraints');
  const r = checkWorkflowSource(source, constraints ? { ...opts, constraints } : opts);
  if (!r.ok) throw workflowError(r.diagnostics);
  return { plan: planToProto(r.plan), diagnostics: r.warnings.map(diagnosticToProto) };
}

/** The workflow YAML a request carries in `field`; INVALID_ARGUMENT naming the field when blank. */
export function requireSource(source: string, field = 'source'): string {
  if (source.trim() === '') {
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the workflow YAML source', {
      fieldPath: field,
    });
  }
  return source;
}

/** The first error of a workflow that cannot be planned, located; the message counts the rest. */
export function workflowError(diagnostics: readonly Diagnostic[]): ApiError {
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
