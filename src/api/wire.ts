// Converts Baton's domain values (diagnostics, execution plans) into their baton.v1 messages.

import type { ExecutionPlan, ThrottleReason, Usage as DomainUsage } from '../plan/index.js';
import type { Diagnostic as DomainDiagnostic } from '../spec/diagnostic.js';
import {
  Severity,
  type Diagnostic,
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
