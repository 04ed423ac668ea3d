// Trying a hook once (HookService.TestHook, `baton hook test`): runs it with the runner of its kind
// against a sample context, outside any run, and returns its verdict. Nothing is logged or journaled.

import { BatonError } from '../errors/registry.js';
import type { HookConfig, HookInvocation, HookKind, HookRunner, VerdictOutcome } from './hook-model.js';
import { runWithTimeout } from './hook-queue.js';

export interface HookTrial {
  readonly verdict: VerdictOutcome | 'error';
  readonly message?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly patch?: unknown;
  readonly error?: string;
  readonly durationMs: number;
}

export interface TrialSubject {
  readonly namespace: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly task?: string;
  readonly agent?: string;
  readonly tool?: string;
}

/** The invocation a trial sends: a run id of "test" and an idempotency key that says it is a trial. */
export function trialInvocation(hook: HookConfig, s: TrialSubject): HookInvocation {
  return {
    trigger: hook.trigger,
    namespace: s.namespace,
    runId: 'test',
    workflow: 'test',
    ...(s.task !== undefined && { task: s.task, attempt: 1 }),
    ...(s.agent !== undefined && { agent: s.agent }),
    ...(s.tool !== undefined && { tool: s.tool }),
    context: s.context ?? {},
    idempotencyKey: `test/${hook.trigger}/${Date.now()}/${hook.name}`,
  };
}

export async function tryHook(
  runners: ReadonlyMap<HookKind, HookRunner>,
  hook: HookConfig,
  subject: TrialSubject,
): Promise<HookTrial> {
  const runner = runners.get(hook.kind);
  if (runner === undefined)
    throw new BatonError('BATON_E_HOOK_REQUEST_INVALID', `this server runs no ${hook.kind} hooks`);
  const started = performance.now();
  const r = await runWithTimeout(runner, hook, trialInvocation(hook, subject), new AbortController().signal);
  return {
    verdict: r.error !== undefined ? 'error' : r.verdict,
    ...(r.message !== undefined && { message: r.message }),
    ...(r.context !== undefined && { context: r.context }),
    ...(r.patch !== undefined && { patch: r.patch }),
    ...(r.error !== undefined && { error: r.error }),
    durationMs: performance.now() - started,
  };
}
