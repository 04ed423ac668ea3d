// Converts Baton's domain values (diagnostics, execution plans) into their baton.v1 messages, and
// request messages shared by several services (resource constraints) into domain values.

import type { ExecutionPlan, ThrottleReason, Usage as DomainUsage } from '../plan/index.js';
import type { Diagnostic as DomainDiagnostic } from '../spec/diagnostic.js';
import { ResourceConstraints, type ResourceConstraintsSpec } from '../spec/schema.js';
import { ApiError } from './errors.js';
import {
  Severity,
  type Diagnostic,
  type ResourceConstraints as ConstraintsMessage,
  type ExecutionPlan as PlanMessage,
  type Usage,
} from './gen/baton/v1/common.js';

/** A document path as the API spells it: ['workflow', 'tasks', 3, 'id'] -> "workflow.tasks.3.id". */
export const fieldPath = (path: DomainDiagnostic['path']): string => path.join('.');

export function diagnosticToProto(d: DomainDiagnostic): Diagnostic {
  return {
    code: d.code,
    severity: d.severity === 'error' ? Severity.SEVERITY_ERROR : Severity.SEVERITY_WARNING,
    message: d.message,
    line: d.line,
    column: d.col,
    fieldPath: fieldPath(d.path),
    expected: d.expected ?? '',
    found: d.found ?? '',
    hint: d.hint ?? '',
  };
}

/**
 * Most diagnostics a response lists. A 7 MB source can hold 300,000 problems (~90 MB of response, past
 * what a default gRPC client takes: it would fail with its own "message larger than max"); the first
 * thousand say what is wrong, and a last one says how many more there are.
 */
export const MAX_LISTED_DIAGNOSTICS = 1000;

/** `diagnostics` as a response lists them: the first MAX_LISTED_DIAGNOSTICS, then how many are left out. */
export function diagnosticsToProto(diagnostics: readonly DomainDiagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_LISTED_DIAGNOSTICS) return diagnostics.map(diagnosticToProto);
  const left = diagnostics.length - MAX_LISTED_DIAGNOSTICS;
  return [
    ...diagnostics.slice(0, MAX_LISTED_DIAGNOSTICS).map(diagnosticToProto),
    {
      code: 'BATON_E_TOO_MANY_DIAGNOSTICS',
      severity: Severity.SEVERITY_WARNING,
      message: `${left} more diagnostics are not listed (a response lists at most ${MAX_LISTED_DIAGNOSTICS}): fix these first, or run \`baton validate\` on the file to see them all`,
      line: 0,
      column: 0,
      fieldPath: '',
      expected: '',
      found: '',
      hint: '',
    },
  ];
}

const usageToProto = (u: DomainUsage): Usage => ({
  agents: u.agents,
  cpuMillis: u.cpu,
  memoryBytes: u.memory,
});

const reasonToProto = (r: ThrottleReason): string =>
  r.constraint === 'max_instances' ? `max_instances:${r.agent}` : r.constraint;

export function planToProto(plan: ExecutionPlan): PlanMessage {
  const { allocation } = plan;
  return {
    taskCount: plan.taskCount,
    levels: plan.levels.map((taskIds) => ({ taskIds: [...taskIds] })),
    maxWidth: plan.maxWidth,
    criticalPath: [...plan.criticalPath],
    agents: allocation.agents.map((a) => ({
      agentId: a.id,
      instances: a.instances,
      maxInstances: a.maxInstances,
      peakConcurrency: a.peakConcurrency,
      cpuMillis: a.cpu,
      memoryBytes: a.memory,
    })),
    peak: usageToProto(allocation.peak),
    throttled: allocation.throttled.map((t) => ({
      level: t.level,
      demand: usageToProto(t.demand),
      allotted: usageToProto(t.allotted),
      constrainedBy: t.by.map(reasonToProto),
    })),
  };
}

/**
 * Parsed with the workflow language's own schema, so "500m" means the same here as in a file; `at` is
 * the request field holding the constraints, for the error's field path.
 */
export function parseConstraints(c: ConstraintsMessage, at: string): ResourceConstraintsSpec {
  const parsed = ResourceConstraints.safeParse({
    ...(c.maxAgents !== undefined && { max_agents: c.maxAgents }),
    ...(c.maxCpu !== undefined && { max_cpu: c.maxCpu }),
    ...(c.maxMemory !== undefined && { max_memory: c.maxMemory }),
  });
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new ApiError('BATON_E_REQUEST_INVALID', issue?.message ?? 'is invalid', {
    fieldPath: [at, ...(issue?.path ?? [])].join('.'),
  });
}
