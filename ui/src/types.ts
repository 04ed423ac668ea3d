// The proto3 JSON shapes of the baton.v1 messages the UI reads (see proto/baton/v1/*.proto): field names
// in lowerCamelCase, enums by name, times as RFC 3339 strings, 64-bit integers as strings.

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    fieldPath?: string;
    line?: number;
    column?: number;
    hint?: string;
    violations?: Array<{ fieldPath: string; code: string; message: string; subject: string }>;
  };
}

export type RunStatus =
  | 'RUN_STATUS_PLANNING'
  | 'RUN_STATUS_EXECUTING'
  | 'RUN_STATUS_PAUSED'
  | 'RUN_STATUS_COMPLETED'
  | 'RUN_STATUS_FAILED'
  | 'RUN_STATUS_CANCELLED';

export interface Run {
  runId: string;
  workflow?: { name?: string; version?: string };
  status?: RunStatus;
  currentPhase?: string;
  agents?: Array<{ agentId: string; status?: string; currentTask?: string; progress?: number }>;
  performanceMetrics?: {
    totalRuntimeSeconds?: number;
    agentsAllocated?: number;
    tasksCompleted?: number;
    coordinationOverhead?: number;
  };
  startedAt?: string;
  endedAt?: string;
  failureCode?: string;
  failureMessage?: string;
  taskCounts?: Record<string, number>;
  waits?: Array<{ taskId: string; gate: string; channel: string; event?: string }>;
  breakers?: Array<{ agentId: string; state?: string; consecutiveFailures?: number; retryAt?: string }>;
}

export interface RunEvent {
  cursor: string;
  seq: string;
  type: string;
  at: string;
  taskId?: string;
  actor?: string;
  data?: Record<string, unknown>;
}

export interface Diagnostic {
  code: string;
  severity?: string;
  message: string;
  line?: number;
  column?: number;
  fieldPath?: string;
  hint?: string;
}

export interface RegisteredWorkflow {
  name: string;
  version: string;
  source?: string;
  sourceSha256?: string;
  registeredAt?: string;
  description?: string;
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  RUN_STATUS_PLANNING: 'planning',
  RUN_STATUS_EXECUTING: 'executing',
  RUN_STATUS_PAUSED: 'paused',
  RUN_STATUS_COMPLETED: 'completed',
  RUN_STATUS_FAILED: 'failed',
  RUN_STATUS_CANCELLED: 'cancelled',
};
