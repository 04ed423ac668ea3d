// A StartRun request_id is an idempotency key, as payment APIs use theirs: a retry of the same request
// gets the run the first one started, and a request with other content under a key already used is
// refused (BATON_E_REQUEST_ID_REUSED), so a client that reuses a key by mistake finds out instead of
// silently getting someone else's run. The first request is not stored apart: its content is the run's
// RunStarted entry (workflow, input with defaults applied, timeout, constraints, default retry), which
// every run keeps as its first journal entry.

import type { RunStarted } from '../core/entries.js';
import type { WorkflowSpec } from '../spec/schema.js';
import { quote } from '../errors/quote.js';
import { toEntry } from '../runtime/records.js';
import { resolveRunInput } from '../spec/run-input.js';
import type { Store } from '../store/store.js';
import { sameJson } from '../store/store-args.js';
import { ApiError } from './errors.js';
import type { StartPlan } from './run-request.js';

/** The parts of a start a reused key is checked on; `version` only when the request pins one. */
export interface StartContent {
  readonly plan: StartPlan;
  /** False when the request asks for the latest registered version: a retry after a newer version was
   * registered is still the same request, and gets the first run. */
  readonly versionPinned: boolean;
}

/**
 * A workflow as a reused request_id compares it: without its retry policy (compared apart, as an
 * option) and without module endpoints' paths, which the run journals made absolute (against the
 * server's agents directory): a retry sends them as written.
 */
function definitionOf(w: WorkflowSpec): unknown {
  const { retry: _retry, ...rest } = w;
  const agents = Object.fromEntries(
    Object.entries(w.agents).map(([id, a]) => {
      const ep = a.endpoint;
      return [id, ep && 'module' in ep ? { ...a, endpoint: { ...ep, module: '' } } : a];
    }),
  );
  return { ...rest, agents };
}

/** What differs between a start and the run its request_id already started: empty for a retry. */
export function startDifferences(first: RunStarted, content: StartContent): string[] {
  const { workflow, input, options } = content.plan;
  const was = first.workflow;
  if (workflow.name !== was.name)
    return [`workflow (the run is of ${quote(was.name)}, the request asks for ${quote(workflow.name)})`];
  const out: string[] = [];
  if (content.versionPinned && workflow.version !== was.version)
    out.push(
      `version (the run is of ${quote(was.version)}, the request asks for ${quote(workflow.version)})`,
    );
  // Same name and version, other tasks or agents (an edited source sent again under its old version).
  const sameVersion = workflow.version === was.version;
  if (sameVersion && !sameJson(definitionOf(workflow), definitionOf(was)))
    out.push(`workflow definition (the same name and version ${quote(was.version)}, other content)`);
  // The run's input has the workflow's defaults applied: the request's input is compared the same way.
  let resolved: unknown;
  try {
    resolved = resolveRunInput(was, input);
  } catch {
    resolved = input; // not even valid for the run's workflow: it differs
  }
  if (!sameJson(resolved, first.input)) out.push('input');
  const differing = [
    !sameJson(options.timeoutMs, first.options.timeoutMs) && 'timeout',
    !sameJson(options.constraints, first.options.constraints) && 'resource_constraints',
    // The request's default retry policy lives in the run's workflow (when the workflow has none).
    sameVersion && !sameJson(workflow.retry, was.retry) && 'retry policy',
  ].filter((d): d is string => d !== false);
  if (differing.length > 0) out.push(`options (${differing.join(', ')})`);
  return out;
}

/** The run's RunStarted entry: its first. */
export async function runStartedOf(store: Store, ns: string, runId: string): Promise<RunStarted | undefined> {
  const [record] = await store.read(ns, runId, { limit: 1 });
  const entry = record && toEntry(record);
  return entry?.type === 'RunStarted' ? entry : undefined;
}

/**
 * @throws ApiError BATON_E_REQUEST_ID_REUSED when the run `requestId` started was started with other
 * content. A run whose first entry is gone (deleted meanwhile) is not checked: it is the answer as before.
 */
export async function checkSameStart(
  store: Store,
  ns: string,
  requestId: string,
  runId: string,
  content: StartContent,
): Promise<void> {
  const first = await runStartedOf(store, ns, runId);
  if (first === undefined) return;
  const differs = startDifferences(first, content);
  if (differs.length === 0) return;
  throw new ApiError(
    'BATON_E_REQUEST_ID_REUSED',
    `request_id ${quote(requestId)} already started run ${quote(runId)} with other content: ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}; retry with the same content to get that run, or use a new request_id for a new run`,
    { fieldPath: 'request_id' },
  );
}
