// Turns a StartRunRequest into what Engine.start takes: the checked workflow (its source from the request
// or the workflow registry, with the request's default retry policy applied), the input, and the run
// options. Every rejection names the request field at fault.

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
import { workflowError } from './workflow-errors.js';
import { checkId, type RegistryDeps } from './workflow-registry.js';
import { quote } from '../errors/quote.js';

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
 * Checks the request as `baton run` checks a file. The workflow is the request's `workflow_source`, or
 * the registered version `workflow_id` names ("name" for the latest, "name@version" for one version).
 * Module endpoints resolve against `baseDir` (the server's working directory): a request carries YAML,
 * not a file with a folder of its own.
 */
export async function parseStartRequest(
  req: StartRunRequest,
  check: CheckOptions,
  baseDir: string,
  registry?: RegistryDeps,
): Promise<StartPlan> {
  const wanted = workflowWanted(req);
  const source = req.workflowSource !== '' ? req.workflowSource : await registeredSource(wanted, registry);
  const eo: Partial<ExecutionOptions> = req.executionOptions ?? {};
  const constraints =
    eo.resourceConstraints &&
    parseConstraints(eo.resourceConstraints, 'execution_options.resource_constraints');
  const r = checkWorkflowSource(source, constraints ? { ...check, constraints } : check);
  if (!r.ok) throw workflowError(r.diagnostics);
  const named = (field: string, asked: string | undefined, actual: string) => {
    if (asked !== undefined && asked !== actual)
      throw invalid(field, `is ${quote(asked)} but the workflow source declares ${quote(actual)}`);
  };
  named('workflow_id', wanted.name, r.spec.name);
  named(wanted.versionField, wanted.version, r.spec.version);
  const retry = defaultRetry(eo);
  return {
    workflow: retry && r.spec.retry === undefined ? { ...r.spec, retry } : r.spec,
    input: req.inputData ?? {},
    options: {
      baseDir,
      ...(constraints && { constraints }),
      ...(eo.timeout && { timeoutMs: timeoutMs(eo.timeout) }),
      ...(req.requestId !== '' && { requestId: req.requestId }),
    },
  };
}

/** Whether a request runs one version (pinned, or the source it sends) rather than the latest registered. */
export const versionPinned = (req: StartRunRequest): boolean =>
  req.workflowSource !== '' || req.workflowVersion !== '' || req.workflowId.includes('@');

interface WorkflowWanted {
  readonly name?: string;
  readonly version?: string;
  /** The request field the version came from, for errors. */
  readonly versionField: string;
}

/** The name and version a request asks for: `workflow_id` ("name" or "name@version") and `workflow_version`. */
function workflowWanted(req: StartRunRequest): WorkflowWanted {
  const at = req.workflowId.lastIndexOf('@');
  const name = checkId(at < 0 ? req.workflowId : req.workflowId.slice(0, at), 'workflow_id', false);
  if (at >= 0 && name === undefined) throw invalid('workflow_id', 'has no name before "@"');
  const pinned = at < 0 ? undefined : checkId(req.workflowId.slice(at + 1), 'workflow_id', false);
  if (at >= 0 && pinned === undefined) throw invalid('workflow_id', 'has no version after "@"');
  const version = checkId(req.workflowVersion, 'workflow_version', false);
  if (pinned !== undefined && version !== undefined && pinned !== version)
    throw invalid('workflow_version', `is ${quote(version)} but workflow_id pins version ${quote(pinned)}`);
  const v = pinned ?? version;
  return {
    ...(name !== undefined && { name }),
    ...(v !== undefined && { version: v }),
    versionField: pinned !== undefined ? 'workflow_id' : 'workflow_version',
  };
}

async function registeredSource(wanted: WorkflowWanted, registry: RegistryDeps | undefined): Promise<string> {
  if (wanted.name === undefined)
    throw invalid(
      'workflow_id',
      'is required: the name (or name@version) of a registered workflow, unless workflow_source is given',
    );
  if (!registry) throw invalid('workflow_source', 'is required: this server keeps no workflow registry');
  const w = await registry.store.getWorkflow(registry.namespace, wanted.name, wanted.version);
  if (!w) {
    const what = wanted.version === undefined ? quote(wanted.name) : `${wanted.name}@${wanted.version}`;
    throw new ApiError(
      'BATON_E_WORKFLOW_NOT_FOUND',
      `workflow ${what} is not registered (RegisterWorkflow it first, or send workflow_source)`,
      {
        fieldPath:
          wanted.versionField === 'workflow_version' && wanted.version ? 'workflow_version' : 'workflow_id',
      },
    );
  }
  return w.source;
}

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
