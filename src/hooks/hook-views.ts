// Global hooks and logged executions as plain JSON values: what `baton hook ... --json` prints and what
// the CLI shows alike whether it read the data directory's store or a server's HookService.

import type { HookExecutionRecord } from '../store/store.js';
import type { StoredHook } from './global-hooks.js';

export interface HookView {
  readonly name: string;
  readonly trigger: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly kind: string;
  readonly mode: string;
  readonly fail: string;
  readonly priority: number;
  readonly timeout_ms: number;
  readonly enabled: boolean;
  readonly always_run: boolean;
  readonly matcher?: Readonly<Record<string, string>>;
  readonly id: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface ExecutionView {
  readonly at: string;
  readonly run_id: string;
  readonly hook: string;
  readonly trigger: string;
  readonly mode: string;
  readonly verdict: string;
  readonly message?: string;
  readonly error?: string;
  readonly duration_ms: number;
  readonly input_digest: string;
  readonly output?: unknown;
}

export function hookView(s: StoredHook): HookView {
  const c = s.config;
  return {
    name: c.name,
    trigger: c.trigger,
    command: c.command,
    args: c.args,
    kind: c.kind,
    mode: c.mode,
    fail: c.fail,
    priority: c.priority,
    timeout_ms: c.timeout_ms,
    enabled: c.enabled,
    always_run: c.always_run,
    ...(c.matcher !== undefined && { matcher: c.matcher }),
    id: c.id ?? '',
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
  };
}

export function executionView(e: HookExecutionRecord): ExecutionView {
  return {
    at: new Date(e.at).toISOString(),
    run_id: e.runId,
    hook: e.hook,
    trigger: e.trigger,
    mode: e.mode,
    verdict: e.verdict,
    ...(e.message !== null && e.message !== '' && { message: e.message }),
    ...(e.error !== null && e.error !== '' && { error: e.error }),
    duration_ms: e.durationMs,
    input_digest: e.inputDigest,
    ...(e.output !== null && e.output !== undefined && { output: e.output }),
  };
}
