// Turns a StartRunRequest into what Engine.start takes: the checked workflow (with the request's default
// retry policy applied), the input, and the run options. Every rejection names the request field at fault.

import { createHash } from 'node:crypto';
import { checkWorkflowSource, type CheckOptions } from '../plan/index.js';
import { RETRY_PRESETS, type RetryPresetName } from '../spec/execution.js';
import { RetryPolicy, type RetryPolicySpec, type WorkflowSpec } from '../spec/schema.js';
import type { StartOptions } from '../runtime/engine.js';
import {
  RetryPreset,
  type ExecutionOptions,
  type RetryPolicy as RetryPolicyMessage,
} from './gen/baton/v1/common.js';
import type { Duration } from './gen/google/protobuf/duration.js';
import type { StartRunRequest } from './gen/baton/v1/run.js';
import { ApiError } from './errors.js';
import { parseConstraints } from './wire.js';
import { requireSource, workflowError } from './workflow-service.js';

export interface StartPlan {
  readonly workflow: WorkflowSpec;
  readonly input: Record<string, unknown>;
  readonly options: StartOptions;
}

const PRESETS: Partial<Record<RetryPreset, RetryPresetName>> = {
  [RetryPreset.RETRY_PRESET_EXPONENTIAL_BACKOFF]: 'exponential_backoff',
  [RetryPreset.RETRY_PRESET_FIXED]: 'fixed',
  [RetryPreset.RETRY_PRESET_NONE]: 'none',
};

const invalid = (fieldPath: string, message: string) =>
  new ApiError('BATON_E_REQUEST_INVALID', message, { fieldPath });

const seconds = (d: Duration): number => d.seconds + d.nanos / 1e9;

/**
 * Checks the request as `baton run` checks a file. Module endpoints resolve against `baseDir` (the
 * server's working directory): a request carries YAML, not a file with a folder of its own.
 */
export function parseStartRequest(req: StartRunRequest, check: CheckOptions, baseDir: string): StartPlan {
  const source = requireSource(req.workflowSource, 'workflow_source');
  const eo: Partial<ExecutionOptions> = req.executionOptions ?? {};
  const constraints =
    eo.resourceConstraints &&
    parseConstraints(eo.resourceConstraints, 'execution_options.resource_constraints');
  const r = checkWorkflowSource(source, constraints ? { ...check, constraints } : check);
  if (!r.ok) throw workflowError(r.diagnostics);
  const named = (field: string, asked: string, actual: string) => {
    if (asked !== '' && asked !== actual)
      throw invalid(field, `is "${asked}" but the workflow source declares "${actual}"`);
  };
  named('workflow_id', req.workflowId, r.spec.name);
  named('workflow_version', req.workflowVersion, r.spec.version);
  const retry = defaultRetry(eo);
  return {
    workflow: retry && r.spec.retry === undefined ? { ...r.spec, retry } : r.spec,
    input: req.inputData ?? {},
    options: {
      baseDir,
      ...(constraints && { constraints }),
      ...(eo.timeout && { timeoutMs: timeoutMs(eo.timeout) }),
      ...(req.requestId !== '' && { runId: runIdFor(req.requestId) }),
    },
  };
}

/** The run id a request id stands for: a retried Start finds the run its first attempt created. */
export const runIdFor = (requestId: string): string =>
  `req-${createHash('sha256').update(requestId).digest('hex').slice(0, 24)}`;

function timeoutMs(d: Duration): number {
  const ms = Math.round(seconds(d) * 1000);
  if (ms <= 0) throw invalid('execution_options.timeout', 'must be positive');
  return ms;
}

/** The request's default retry policy, from a preset name or a policy of its own. */
function defaultRetry(eo: Partial<ExecutionOptions>): RetryPolicySpec | undefined {
  if (eo.retryPreset !== undefined) {
    const name = PRESETS[eo.retryPreset];
    if (!name) throw invalid('execution_options.retry_preset', 'names no preset');
    return RETRY_PRESETS[name];
  }
  return eo.retryPolicy && parseRetryPolicy(eo.retryPolicy);
}

/** Parsed with the workflow language's schema (durations as seconds), so its bounds apply here too. */
function parseRetryPolicy(p: RetryPolicyMessage): RetryPolicySpec {
  const parsed = RetryPolicy.safeParse({
    ...(p.initialInterval && { initial_interval: seconds(p.initialInterval) }),
    ...(p.backoffCoefficient !== undefined && { backoff_coefficient: p.backoffCoefficient }),
    ...(p.maxInterval && { max_interval: seconds(p.maxInterval) }),
    ...(p.maxAttempts !== undefined && { max_attempts: p.maxAttempts }),
    ...(p.jitter !== undefined && { jitter: p.jitter }),
    ...(p.nonRetryableErrors.length > 0 && { non_retryable_errors: p.nonRetryableErrors }),
  });
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw invalid(
    ['execution_options.retry_policy', ...(issue?.path ?? [])].join('.'),
    issue?.message ?? 'is invalid',
  );
}
