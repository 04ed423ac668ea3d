// One trigger's hooks run as a chain: those whose trigger and matcher fit, in ascending priority, each
// under its timeout; the first deny stops the rest (always_run hooks still run), transforms apply in
// turn to what the trigger guards (and only that), and the verdicts fold into one (HookDecided).

import { recordHook } from '../telemetry/metrics.js';
import {
  activeContext,
  contextOf,
  endSpan,
  SpanKind,
  startSpan,
  traceparentOf,
  withContext,
} from '../telemetry/tracing.js';
import { createHash } from 'node:crypto';
import type {
  HookConfig,
  HookExecution,
  HookInvocation,
  HookKind,
  HookLogSink,
  HookRunner,
  HookVerdict,
} from './hook-model.js';
import { failed } from './hook-verdict.js';
import { mergePatch } from './merge-patch.js';
import { fault } from '../telemetry/faults.js';

/** One hook's part in a chain, as HookDecided journals it. */
export interface ChainStep {
  readonly name: string;
  readonly ref: string;
  readonly outcome: 'allow' | 'warn' | 'deny' | 'transform' | 'skipped';
  readonly message?: string;
  readonly durationMs: number;
  readonly error?: string;
}

export interface ChainResult {
  readonly outcome: 'allow' | 'warn' | 'deny' | 'transform';
  readonly message?: string;
  /** The hook that denied, or the last that transformed. */
  readonly hook?: string;
  readonly steps: readonly ChainStep[];
  /** What the trigger guards after every accepted transform (undefined when it guards nothing). */
  readonly guarded?: unknown;
  /** Context the hooks added, merged in order. */
  readonly context: Readonly<Record<string, unknown>>;
}

/**
 * What a trigger lets hooks change: the value (pre_task `{input, agent}`, a tool's `{args}`), where it sits
 * in the invocation's context, and a check of a patched value (an error message refuses the transform).
 */
export interface Guard {
  readonly value: Readonly<Record<string, unknown>>;
  readonly check?: (next: Record<string, unknown>) => string | undefined;
}

export interface ChainOptions {
  readonly runners: Partial<Record<HookKind, HookRunner>>;
  readonly logs?: HookLogSink;
  /** Added to each hook's timeout before the chain gives up on a runner that did not stop it. */
  readonly graceMs?: number;
}

/** A matcher pattern: `*` matches any run of characters, `{a,b}` either alternative; else literal. */
export function globMatch(pattern: string, value: string | undefined): boolean {
  if (pattern === '*') return true;
  if (value === undefined) return false;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map(escape)
          .join('|')})`;
        i = end;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`).test(value);
}
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The task id an attempt key names (`research[2]#3` -> `research`). */
const taskOf = (inv: HookInvocation): string | undefined => inv.task?.replace(/[[@#/].*$/, '');

/** Whether `hook` runs for this invocation: enabled, its trigger, and every matcher field fits. */
export function hookMatches(hook: HookConfig, inv: HookInvocation): boolean {
  if (!hook.enabled || hook.trigger !== inv.trigger) return false;
  const m = hook.matcher;
  if (m === undefined) return true;
  if (m.agent !== undefined && !globMatch(m.agent, inv.agent)) return false;
  if (m.task !== undefined && !globMatch(m.task, taskOf(inv))) return false;
  if (m.tool !== undefined && !globMatch(m.tool, inv.tool)) return false;
  return true;
}

/** The hooks of a chain, in the order they run: ascending priority, ties in the order given. */
export function chainOrder(hooks: readonly HookConfig[], inv: HookInvocation): HookConfig[] {
  return hooks
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => hookMatches(h, inv))
    .sort((a, b) => a.h.priority - b.h.priority || a.i - b.i)
    .map(({ h }) => h);
}

/** What the journal names a hook by: its command (with args), URL, or plugin id and sha256. */
async function refOf(hook: HookConfig, runner: HookRunner | undefined): Promise<string> {
  const withRef = runner as { ref?: (h: HookConfig) => Promise<string> } | undefined;
  if (withRef?.ref !== undefined) {
    try {
      return await withRef.ref(hook);
    } catch {
      return hook.command; // not resolvable: run() reports why, as the hook's failure
    }
  }
  return hook.kind === 'exec' ? [hook.command, ...hook.args].join(' ') : hook.command;
}

/**
 * Runs `hooks` (already bound to the run; matched here) for one invocation. `base` is the invocation
 * without its idempotency key (each hook gets `${base.idempotencyKey}/${hook.name}`).
 */
export async function runChain(
  hooks: readonly HookConfig[],
  base: HookInvocation,
  guard: Guard | undefined,
  signal: AbortSignal,
  opts: ChainOptions,
): Promise<ChainResult> {
  // One span for the chain, under the caller's (or the run's journaled) trace; the hooks get its
  // traceparent (exec: TRACEPARENT, http: the traceparent header) so their own spans join the run's trace.
  const span = startSpan(
    `baton.hooks ${base.trigger}`,
    SpanKind.INTERNAL,
    {
      'baton.hook.trigger': base.trigger,
      'baton.run.id': base.runId,
      ...(base.task !== undefined ? { 'baton.task.key': base.task } : {}),
    },
    contextOf(base.traceparent, undefined, activeContext()),
  );
  const inv = span === undefined ? base : { ...base, traceparent: traceparentOf(span)! };
  try {
    const r = await withContext(span?.ctx, () => chainSteps(hooks, inv, guard, signal, opts));
    span?.span.setAttribute('baton.hook.outcome', r.outcome);
    endSpan(span);
    return r;
  } catch (e) {
    endSpan(span, e);
    throw e;
  }
}

async function chainSteps(
  hooks: readonly HookConfig[],
  base: HookInvocation,
  guard: Guard | undefined,
  signal: AbortSignal,
  opts: ChainOptions,
): Promise<ChainResult> {
  const steps: ChainStep[] = [];
  let guarded = guard?.value;
  let context: Record<string, unknown> = {};
  let denied: { hook: string; message?: string } | undefined;
  let transformedBy: string | undefined;
  const warnings: string[] = [];
  for (const hook of chainOrder(hooks, base)) {
    const runner = opts.runners[hook.kind];
    const ref = await refOf(hook, runner);
    if (denied !== undefined && !hook.always_run) {
      steps.push({ name: hook.name, ref, outcome: 'skipped', durationMs: 0 });
      continue;
    }
    const inv: HookInvocation = {
      ...base,
      context: guarded === undefined ? base.context : { ...base.context, ...guarded },
      idempotencyKey: `${base.idempotencyKey}/${hook.name}`,
    };
    const t0 = performance.now();
    let v =
      runner === undefined
        ? failed(hook, `no runner for ${hook.kind} hooks`)
        : await runOne(runner, hook, inv, signal, opts.graceMs ?? 2000);
    if (v.verdict === 'transform') {
      const problem = guard === undefined ? `${inv.trigger} guards nothing a hook may change` : undefined;
      const next = problem === undefined ? mergePatch(guarded, v.patch) : undefined;
      const bad = problem ?? (isRecord(next) ? guard!.check?.(next) : 'the patch must leave an object');
      if (bad !== undefined) v = failed(hook, `its transform was refused: ${bad}`);
      else if (denied === undefined) {
        guarded = next as Record<string, unknown>;
        transformedBy = hook.name;
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    recordHook(hook.name, inv.trigger, v.verdict, (performance.now() - t0) / 1000);
    steps.push({
      name: hook.name,
      ref,
      outcome: v.verdict,
      ...(v.message !== undefined ? { message: v.message } : {}),
      durationMs,
      ...(v.error !== undefined ? { error: v.error } : {}),
    });
    if (v.context !== undefined) context = { ...context, ...v.context };
    if (v.verdict === 'deny' && denied === undefined)
      denied = { hook: hook.name, ...(v.message !== undefined ? { message: v.message } : {}) };
    if (v.verdict === 'warn') warnings.push(`${hook.name}: ${v.message ?? 'warning'}`);
    void log(opts.logs, hook, inv, v, durationMs);
  }
  const result = { steps, context, ...(guarded !== undefined ? { guarded } : {}) };
  if (denied !== undefined)
    return {
      ...result,
      outcome: 'deny',
      hook: denied.hook,
      ...(denied.message !== undefined ? { message: denied.message } : {}),
    };
  if (transformedBy !== undefined)
    return {
      ...result,
      outcome: 'transform',
      hook: transformedBy,
      ...(warnings.length > 0 ? { message: warnings.join('; ') } : {}),
    };
  if (warnings.length > 0) return { ...result, outcome: 'warn', message: warnings.join('; ') };
  return { ...result, outcome: 'allow' };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One hook under its timeout: a runner that does not stop by the timeout plus grace is abandoned. */
async function runOne(
  runner: HookRunner,
  hook: HookConfig,
  inv: HookInvocation,
  signal: AbortSignal,
  graceMs: number,
): Promise<HookVerdict & { error?: string }> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<HookVerdict & { error?: string }>((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve(failed(hook, `timed out after ${hook.timeout_ms} ms`));
    }, hook.timeout_ms + graceMs);
  });
  try {
    return await Promise.race([
      runner.run(hook, inv, ac.signal).catch((e: unknown) => failed(hook, (e as Error).message ?? String(e))),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}

const MAX_LOGGED_OUTPUT = 64 * 1024;

/** The execution as logged: digest of the invocation, the verdict, its output truncated to 64 KiB. */
export function execution(
  hook: HookConfig,
  inv: HookInvocation,
  v: HookVerdict & { error?: string },
  durationMs: number,
): HookExecution {
  const output =
    v.context !== undefined || v.patch !== undefined ? { context: v.context, patch: v.patch } : undefined;
  const text = output === undefined ? undefined : JSON.stringify(output);
  return {
    namespace: inv.namespace,
    runId: inv.runId,
    hook: hook.name,
    trigger: inv.trigger,
    mode: hook.mode,
    inputDigest: createHash('sha256').update(JSON.stringify(inv)).digest('hex'),
    verdict: v.error !== undefined ? 'error' : v.verdict,
    ...(v.message !== undefined ? { message: v.message } : {}),
    ...(text === undefined
      ? {}
      : {
          output: text.length > MAX_LOGGED_OUTPUT ? { truncated: text.slice(0, MAX_LOGGED_OUTPUT) } : output,
        }),
    durationMs,
    ...(v.error !== undefined ? { error: v.error } : {}),
    at: new Date().toISOString(),
  };
}

async function log(
  logs: HookLogSink | undefined,
  hook: HookConfig,
  inv: HookInvocation,
  v: HookVerdict & { error?: string },
  durationMs: number,
): Promise<void> {
  if (logs === undefined) return;
  try {
    await logs.record(execution(hook, inv, v, durationMs));
  } catch (e) {
    fault('hooks', `logging an execution of hook ${hook.name}`, e);
  }
}
