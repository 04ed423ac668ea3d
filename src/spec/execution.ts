// SPEC.md's Workflow Execution Request (zod: what a caller may send to start a run) and Workflow
// Status Response (types: what Baton reports back), and the reader for a resource-constraints file.

import { z } from 'zod';
import { parseYamlAs, type LoadOptions, type Parsed } from './load.js';
import {
  Duration,
  ResourceConstraints,
  RetryPolicy,
  type ResourceConstraintsSpec,
  type RetryPolicySpec,
} from './schema.js';

export const RetryPreset = z.enum(['exponential_backoff', 'fixed', 'none']);
export type RetryPresetName = z.output<typeof RetryPreset>;

/** What each named retry policy means, in milliseconds; a RetryPolicy object states its own. */
export const RETRY_PRESETS: Readonly<Record<RetryPresetName, RetryPolicySpec>> = {
  exponential_backoff: {
    initial_interval: 1000,
    backoff_coefficient: 2,
    max_interval: 60_000,
    max_attempts: 5,
  },
  fixed: { initial_interval: 1000, backoff_coefficient: 1, max_attempts: 5 },
  none: { max_attempts: 1 },
};

export const ExecutionOptions = z.strictObject({
  timeout: Duration.optional().meta({ description: 'Run timeout; a bare number is seconds' }),
  /** A preset name is replaced by its policy, so the engine only ever sees RetryPolicySpec. */
  retry_policy: z
    .union([RetryPreset, RetryPolicy])
    .transform((p): RetryPolicySpec => (typeof p === 'string' ? RETRY_PRESETS[p] : p))
    .optional(),
  resource_constraints: ResourceConstraints.optional(),
});

export const ExecutionRequest = z.strictObject({
  workflow_id: z.string().min(1),
  input_data: z.record(z.string(), z.unknown()).default({}),
  execution_options: ExecutionOptions.default({}),
});

export type ExecutionOptionsSpec = z.output<typeof ExecutionOptions>;
export type ExecutionRequestSpec = z.output<typeof ExecutionRequest>;

export type WorkflowRunStatus = 'planning' | 'executing' | 'paused' | 'completed' | 'failed';
export type AgentRunStatus = 'assigned' | 'running' | 'completed';

export interface AgentStatus {
  readonly agent_id: string;
  readonly status: AgentRunStatus;
  /** The task the agent is working on; empty when it has none. */
  readonly current_task: string;
  /** Fraction of its current task done, 0 to 1. */
  readonly progress: number;
}

export interface PerformanceMetrics {
  /** Seconds since the run started. */
  readonly total_runtime: number;
  readonly agents_allocated: number;
  readonly tasks_completed: number;
  /** Fraction of the runtime spent coordinating rather than in agents, 0 to 1. */
  readonly coordination_overhead: number;
}

export interface WorkflowStatusResponse {
  readonly workflow_id: string;
  readonly status: WorkflowRunStatus;
  readonly current_phase: string;
  readonly agents: readonly AgentStatus[];
  readonly performance_metrics: PerformanceMetrics;
}

/**
 * A constraints file holds the constraints themselves, `resource_constraints:` around them, or a whole
 * execution request. The top-level keys say which, so diagnostics speak of the shape the author chose.
 */
function constraintsFileSchema(doc: unknown): z.ZodType<ResourceConstraintsSpec> {
  const has = (key: string): boolean =>
    doc !== null && typeof doc === 'object' && Object.prototype.hasOwnProperty.call(doc, key);
  if (has('workflow_id') || has('execution_options'))
    return ExecutionRequest.transform((r) => r.execution_options.resource_constraints ?? {});
  if (has('resource_constraints'))
    return z
      .strictObject({ resource_constraints: ResourceConstraints })
      .transform((f) => f.resource_constraints);
  return ResourceConstraints;
}

/** Reads resource constraints (YAML or JSON), e.g. for `baton plan --constraints FILE`. Never throws. */
export function parseResourceConstraints(
  source: string | Uint8Array,
  opts: LoadOptions = {},
): Parsed<ResourceConstraintsSpec> {
  return parseYamlAs(constraintsFileSchema, source, opts);
}
