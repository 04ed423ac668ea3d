// WorkflowService over gRPC: ValidateWorkflow and PlanWorkflow, both through checkWorkflowSource, and,
// given a store, the registry RPCs (Register, Get, List, Delete: see workflow-registry.ts). Without a
// store grpc-js answers the registry RPCs UNIMPLEMENTED.

import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import type {
  PlanWorkflowRequest,
  PlanWorkflowResponse,
  ValidateWorkflowRequest,
  ValidateWorkflowResponse,
  WorkflowServiceServer,
} from './gen/baton/v1/workflow.js';
import { unary } from './errors.js';
import { requireSource, workflowError } from './workflow-errors.js';
import { diagnosticsToProto, parseConstraints, planToProto } from './wire.js';
import { workflowRegistry, type RegistryDeps } from './workflow-registry.js';

/** The checkers alone, or with a registry every RPC. */
export type WorkflowServiceHandlers =
  Pick<WorkflowServiceServer, 'validateWorkflow' | 'planWorkflow'> | WorkflowServiceServer;

/** The handlers, checking against `opts` (agent registry, constraints) as `baton validate` does. */
export function workflowService(opts: CheckOptions = {}, registry?: RegistryDeps): WorkflowServiceHandlers {
  const checkers = {
    validateWorkflow: unary((req: ValidateWorkflowRequest) => validate(req, opts)),
    planWorkflow: unary((req: PlanWorkflowRequest) => plan(req, opts)),
  };
  if (!registry) return checkers;
  const r = workflowRegistry(registry, opts);
  return {
    ...checkers,
    registerWorkflow: unary(r.register),
    getWorkflow: unary(r.get),
    listWorkflows: unary(r.list),
    deleteWorkflow: unary(r.remove),
  };
}

function validate(req: ValidateWorkflowRequest, opts: CheckOptions): ValidateWorkflowResponse {
  const r = checkWorkflowSource(requireSource(req.source), opts);
  const all = [...r.diagnostics, ...r.warnings].sort((a, b) => a.line - b.line || a.col - b.col);
  return { valid: r.ok, diagnostics: diagnosticsToProto(all) };
}

function plan(req: PlanWorkflowRequest, opts: CheckOptions): PlanWorkflowResponse {
  const source = requireSource(req.source);
  const constraints =
    req.resourceConstraints && parseConstraints(req.resourceConstraints, 'resource_constraints');
  const r = checkWorkflowSource(source, constraints ? { ...opts, constraints } : opts);
  if (!r.ok) throw workflowError(r.diagnostics);
  return { plan: planToProto(r.plan), diagnostics: diagnosticsToProto(r.warnings) };
}
