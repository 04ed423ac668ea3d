// Converts between baton.v1 hook messages and the hooks layer: a Hook message into the input
// GlobalHookAdmin validates (snake_case, unset fields left out), a HookConfig into a Hook message, a
// logged execution into a HookExecution message.

import type { StoredHook } from '../hooks/global-hooks.js';
import type { HookConfig } from '../hooks/hook-model.js';
import type { HookExecutionRecord } from '../store/store.js';
import type { Hook, HookExecution } from './gen/baton/v1/hook.js';

/** What GlobalHookAdmin.create/update take, from a request's Hook (empty strings are "unset"). */
export function hookInput(h: Hook | undefined): Record<string, unknown> {
  if (h === undefined) return {};
  const matcher = h.matcher && {
    ...(h.matcher.agent !== '' && { agent: h.matcher.agent }),
    ...(h.matcher.task !== '' && { task: h.matcher.task }),
    ...(h.matcher.tool !== '' && { tool: h.matcher.tool }),
  };
  return {
    name: h.name,
    trigger: h.trigger,
    command: h.command,
    args: h.args,
    always_run: h.alwaysRun,
    ...(h.timeoutMs !== undefined && { timeout_ms: h.timeoutMs }),
    ...(h.enabled !== undefined && { enabled: h.enabled }),
    ...(h.priority !== undefined && { priority: h.priority }),
    ...(h.kind !== '' && { kind: h.kind }),
    ...(h.mode !== '' && { mode: h.mode }),
    ...(h.fail !== '' && { fail: h.fail }),
    ...(matcher && Object.keys(matcher).length > 0 && { matcher }),
  };
}

export const storedToProto = (s: StoredHook): Hook => hookToProto(s.config, s);

export function hookToProto(c: HookConfig, times?: { createdAt: number; updatedAt: number }): Hook {
  return {
    hookId: c.id ?? '',
    name: c.name,
    trigger: c.trigger,
    command: c.command,
    args: [...c.args],
    alwaysRun: c.always_run,
    timeoutMs: c.timeout_ms,
    enabled: c.enabled,
    priority: c.priority,
    kind: c.kind,
    mode: c.mode,
    fail: c.fail,
    matcher: { agent: c.matcher?.agent ?? '', task: c.matcher?.task ?? '', tool: c.matcher?.tool ?? '' },
    createdAt: times && new Date(times.createdAt),
    updatedAt: times && new Date(times.updatedAt),
  };
}

export function executionToProto(e: HookExecutionRecord): HookExecution {
  return {
    runId: e.runId,
    hook: e.hook,
    trigger: e.trigger,
    mode: e.mode,
    inputDigest: e.inputDigest,
    verdict: e.verdict,
    message: e.message ?? '',
    output: e.output ?? undefined,
    durationMs: e.durationMs,
    error: e.error ?? '',
    at: new Date(e.at),
  };
}
