// The runtime's side of hooks: binds a run's hooks when it starts (its workflow's and the namespace's
// global ones, journaled in RunStarted), answers decide()'s RunHooks by running the blocking chain (the
// actor journals the verdict as HookDecided before anything acts on it; session_end's too, once the run
// ended), fires the hooks that never hold a run (async ones, notification) after the commit that caused
// them, and runs the tool triggers an agent asks for (ctx.tool).

import type { BoundHook, InputFields, RunHooks, RunState } from '../core/index.js';
import type { JournalRecord } from '../store/store.js';
import { hookRecord, toolSubject } from '../core/index.js';
import type { WorkflowSpec } from '../spec/schema.js';
import { runChain, type ChainResult, type Guard } from '../hooks/hook-chain.js';
import {
  compileHook,
  type AsyncHookQueue,
  type GlobalHooks,
  type HookConfig,
  type HookInvocation,
  type HookKind,
  type HookLogSink,
  type HookRunner,
  type HookTrigger,
} from '../hooks/hook-model.js';
import type { AgentStatsSource } from '../hooks/agent-stats.js';
import { fault } from '../telemetry/faults.js';
import { currentTraceparent } from '../telemetry/tracing.js';

export interface RunHooksOptions {
  readonly runners: Partial<Record<HookKind, HookRunner>>;
  readonly global?: GlobalHooks;
  readonly logs?: HookLogSink;
  readonly queue?: AsyncHookQueue;
  /** Per-agent records from past runs, passed to pre_task hooks as context.stats (automated assignment). */
  readonly stats?: AgentStatsSource;
}

/** The tool kinds an agent's ctx.tool guards, and their pre/post triggers. */
export type ToolKind = 'search' | 'edit' | 'command';

/** What a tool call's pre-hooks decided: go on with these args, or stop. */
export type ToolVerdict =
  | { readonly ok: true; readonly args: unknown; readonly message?: string }
  | { readonly ok: false; readonly hook?: string; readonly message: string };

const hooksOf = (s: RunState): readonly HookConfig[] =>
  (s.options.hooks ?? []) as unknown as readonly HookConfig[];
/** The hooks that hold what they guard (a tool call, a task): blocking ones; async ones only hear of it. */
const holding = (s: RunState): readonly HookConfig[] => hooksOf(s).filter((h) => h.mode === 'blocking');

/** Run and task state changes that notification hooks hear about. */
const NOTIFIED = new Set([
  'RunStarted',
  'RunPaused',
  'RunResumed',
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
  'TaskDispatched',
  'TaskCompleted',
  'TaskFailed',
  'TaskSkipped',
  'RetryScheduled',
  'CompensationStarted',
]);

export class RunHookHost {
  /** Hand-overs to the queue under way: a clean stop waits for them before it lets its runs go. */
  readonly #handing = new Set<Promise<void>>();

  constructor(private readonly opts: RunHooksOptions) {}

  /** Resolves once every hook fired so far is in the queue (or its refusal reported). */
  async handedOver(): Promise<void> {
    await Promise.all([...this.#handing]);
  }

  /** The hooks a new run is bound to: its workflow's, then the namespace's global ones. */
  async bind(ns: string, spec: WorkflowSpec, withGlobal = true): Promise<BoundHook[]> {
    const own = (spec.hooks ?? []).map(compileHook);
    const global = this.opts.global === undefined || !withGlobal ? [] : await this.opts.global.list(ns);
    return [...own, ...global] as unknown as BoundHook[];
  }

  /** Answers a RunHooks command: the blocking hooks of its trigger, folded into a HookDecided entry. */
  async answer(s: RunState, c: RunHooks, signal: AbortSignal): Promise<InputFields> {
    const trigger = c.trigger as HookTrigger;
    if (trigger === 'session_end') return this.sessionEnd(s, c, signal);
    const blocking = hooksOf(s).filter((h) => h.mode === 'blocking');
    const base = this.invocation(s, trigger, c.subject, await this.withStats(s, trigger, c.context), {
      ...(c.key !== undefined ? { task: c.key } : {}),
      ...(c.agent !== undefined && c.agent !== null ? { agent: c.agent } : {}),
      ...(c.attempt !== undefined ? { attempt: c.attempt } : {}),
    });
    const guard = trigger === 'pre_task' ? preTaskGuard(c) : undefined;
    const r = await runChain(blocking, base, guard, signal, this.opts);
    return decided(trigger, c.subject, r, (g) =>
      trigger === 'pre_task' && r.outcome === 'transform' ? { input: g.input, agent: g.agent } : {},
    );
  }

  /**
   * session_end, once the run ended: every enabled hook of it (nothing is left to hold), async ones handed
   * to the queue (durable once the bus has them), the others run here; then the record (HookDecided).
   * Until it is journaled the run's end is not final in the store: a process that dies before leaves the
   * run to a takeover, which asks them again under the same idempotency keys.
   */
  private async sessionEnd(s: RunState, c: RunHooks, signal: AbortSignal): Promise<InputFields> {
    const chosen = hooksOf(s).filter((h) => h.trigger === 'session_end' && h.enabled);
    const base = this.invocation(s, 'session_end', c.subject, c.context, {});
    const queue = this.opts.queue;
    const queued = queue === undefined ? [] : chosen.filter((h) => h.mode === 'async');
    await Promise.all(
      queued.map((h) => queue!.enqueue(h, { ...base, idempotencyKey: `${base.idempotencyKey}/${h.name}` })),
    );
    const local = chosen.filter((h) => !queued.includes(h));
    const r = await runChain(local, base, undefined, signal, this.opts);
    return decided('session_end', c.subject, r, () => ({}));
  }

  /** A pre_task context with each candidate's record (context.stats), when a source is wired. */
  private async withStats(
    s: RunState,
    trigger: HookTrigger,
    context: RunHooks['context'],
  ): Promise<RunHooks['context']> {
    const candidates = context.candidates;
    if (trigger !== 'pre_task' || this.opts.stats === undefined || !Array.isArray(candidates)) return context;
    try {
      const stats = { ...(await this.opts.stats.forAgents(s.namespace, candidates as string[])) };
      // The cost an agent of this run's workflow declares now wins over the one past runs declared.
      for (const id of candidates as string[]) {
        const cost = (s.workflow?.agents[id]?.config as { cost?: unknown } | undefined)?.cost;
        if (typeof cost === 'number' && Number.isFinite(cost) && stats[id] !== undefined)
          stats[id] = { ...stats[id], cost };
      }
      return { ...context, stats };
    } catch (e) {
      fault('hooks', 'agent statistics for a pre_task hook', e);
      return context;
    }
  }

  /**
   * An agent's tool call (ctx.tool): its pre-hooks' verdict, journaled through `journal` (asked once: a
   * replayed attempt reads the verdict its first run journaled), then the tool, then its post-hooks.
   */
  async tool<T>(
    s: RunState,
    at: { key: string; attempt: number; agent?: string; call: number },
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => Promise<T>,
    journal: (fields: InputFields) => Promise<void>,
    signal: AbortSignal,
  ): Promise<T> {
    const pre = await this.toolVerdict(s, at, kind, args, journal, signal);
    if (!pre.ok) throw new ToolDenied(pre);
    const result = await fn(pre.args);
    const post = `post_${kind}` as HookTrigger;
    const subject = toolSubject(at.key, at.attempt, at.call);
    if (kind !== 'search') {
      const ctx = { tool: kind, args: pre.args, result };
      this.fire(s, hooksOf(s), post, subject, ctx, at.key, false);
    }
    if (kind !== 'search' && holding(s).some((h) => h.trigger === post && h.enabled)) {
      if (hookRecord(s, post, subject) === undefined) {
        const base = this.invocation(
          s,
          post,
          subject,
          { tool: kind, args: pre.args, result: result },
          {
            task: at.key,
            attempt: at.attempt,
            tool: kind,
            ...(at.agent !== undefined ? { agent: at.agent } : {}),
          },
        );
        const r = await runChain(holding(s), base, undefined, signal, this.opts);
        await journal(decided(post, subject, r, () => ({})));
      }
    }
    return result;
  }

  private async toolVerdict(
    s: RunState,
    at: { key: string; attempt: number; agent?: string; call: number },
    kind: ToolKind,
    args: unknown,
    journal: (fields: InputFields) => Promise<void>,
    signal: AbortSignal,
  ): Promise<ToolVerdict> {
    const trigger = `pre_${kind}` as HookTrigger;
    const subject = toolSubject(at.key, at.attempt, at.call);
    let v = hookRecord(s, trigger, subject);
    // Async pre-hooks hear of the call (once: queued ones by idempotency key) but never hold it.
    if (v === undefined) this.fire(s, hooksOf(s), trigger, subject, { tool: kind, args }, at.key, false);
    if (!holding(s).some((h) => h.trigger === trigger && h.enabled)) return { ok: true, args };
    if (v === undefined) {
      const base = this.invocation(
        s,
        trigger,
        subject,
        { tool: kind, args },
        {
          task: at.key,
          attempt: at.attempt,
          tool: kind,
          ...(at.agent !== undefined ? { agent: at.agent } : {}),
        },
      );
      const r = await runChain(holding(s), base, { value: { args } }, signal, this.opts);
      const fields = decided(trigger, subject, r, (g) => (r.outcome === 'transform' ? { args: g.args } : {}));
      await journal(fields);
      v = hookRecord(s, trigger, subject) ?? (fields as unknown as typeof v)!;
    }
    if (v.outcome === 'deny') {
      const by = v.hook === undefined ? 'a hook' : `hook "${v.hook}"`;
      return {
        ok: false,
        ...(v.hook !== undefined ? { hook: v.hook } : {}),
        message: `${by} denied ${trigger}${v.message === undefined ? '' : `: ${v.message}`}`,
      };
    }
    return {
      ok: true,
      args: v.args !== undefined ? v.args : args,
      ...(v.message !== undefined ? { message: v.message } : {}),
    };
  }

  /**
   * After a commit: the hooks that never hold the run. Async hooks of every trigger fire at their
   * point (handed to the queue when there is one), notification hooks on run and task state changes.
   * (session_end's are asked by decide(), like a blocking trigger's: see sessionEnd.)
   */
  observe(s: RunState, records: readonly JournalRecord[]): void {
    const hooks = hooksOf(s);
    if (hooks.length === 0) return;
    for (const r of records) {
      const e = { type: r.type, ...(r.data as object) } as { type: string; key?: string; attempt?: number };
      if (NOTIFIED.has(e.type)) {
        this.fire(
          s,
          hooks,
          'notification',
          `${r.seq}`,
          { event: e.type, status: s.status, seq: r.seq, entry: e },
          e.key,
          true,
        );
      }
      if (e.type === 'RunStarted')
        this.fire(s, hooks, 'session_start', 'run', { input: s.input }, undefined, false);
      if (e.type === 'TaskDispatched')
        this.fire(s, hooks, 'pre_task', `${e.key}/${e.attempt}`, { entry: e }, e.key, false);
      if (e.type === 'TaskCompleted')
        this.fire(s, hooks, 'post_task', `${e.key}/${e.attempt}`, { entry: e }, e.key, false);
      if (e.type === 'RunTakenOver' || e.type === 'RunResumed')
        this.fire(s, hooks, 'session_restore', `restore@${r.seq}`, { entry: e }, undefined, false);
    }
  }

  /**
   * True when the run has hooks that observe() fires (async ones, notification): they are not journaled,
   * so a process that dies between a commit and handing them over loses them unless the next owner
   * fires them again (see refire).
   */
  fires(s: RunState): boolean {
    return hooksOf(s).some((h) => h.enabled && (h.mode === 'async' || h.trigger === 'notification'));
  }

  /**
   * A takeover from an owner that did not let go (it died, or went silent): the journal's entries up to
   * it fire their async and notification hooks again, under their idempotency keys (at least once: that
   * owner may have died before handing them over; a receiver drops a key it has seen). An owner that
   * stopped cleanly handed them over before releasing its runs (Engine.close).
   */
  refire(s: RunState, records: readonly JournalRecord[]): void {
    this.observe(s, records);
  }

  /** Fires the non-holding hooks of `trigger` (`all`: blocking ones too) without waiting for them. */
  private fire(
    s: RunState,
    hooks: readonly HookConfig[],
    trigger: HookTrigger,
    subject: string,
    context: Record<string, unknown>,
    task: string | undefined,
    all: boolean,
  ): void {
    const chosen = hooks.filter((h) => h.trigger === trigger && h.enabled && (all || h.mode === 'async'));
    if (chosen.length === 0) return;
    const inv = this.invocation(s, trigger, subject, context, task === undefined ? {} : { task });
    const queue = this.opts.queue;
    const queued = queue === undefined ? [] : chosen.filter((h) => h.mode === 'async');
    const local = chosen.filter((h) => !queued.includes(h));
    for (const h of queued) {
      const handing = queue!
        .enqueue(h, { ...inv, idempotencyKey: `${inv.idempotencyKey}/${h.name}` })
        .catch((e: unknown) => fault('hooks', `queueing hook ${h.name} (${trigger})`, e))
        .finally(() => this.#handing.delete(handing));
      this.#handing.add(handing);
    }
    if (local.length === 0) return;
    // In process, after the commit, never awaited by the run: each hook still has its timeout.
    runChain(local, inv, undefined, new AbortController().signal, this.opts).catch((e: unknown) =>
      fault('hooks', `running ${trigger} hooks of run ${s.runId}`, e),
    );
  }

  private invocation(
    s: RunState,
    trigger: HookTrigger,
    subject: string,
    context: Readonly<Record<string, unknown>>,
    extra: { task?: string; agent?: string; attempt?: number; tool?: string },
  ): HookInvocation {
    return {
      trigger,
      namespace: s.namespace,
      runId: s.runId,
      workflow: s.workflow?.name ?? '',
      ...extra,
      context,
      idempotencyKey: `${s.runId}/${trigger}/${subject}`,
      // The caller's span (an attempt's, in ctx.tool) or the run's journaled one: hook-chain.ts parents
      // its span on it.
      ...traceOf(s),
    };
  }
}

function traceOf(s: RunState): { traceparent?: string } {
  const tp = currentTraceparent() ?? s.options.traceparent;
  return tp === undefined ? {} : { traceparent: tp };
}

/** A tool call a pre-hook denied: the agent's tool is not run. */
export class ToolDenied extends Error {
  readonly code = 'BATON_E_HOOK_DENIED';
  /** A retry would ask the same hooks the same question: the attempt fails once (handler.ts). */
  readonly retryable = false;
  constructor(readonly verdict: Extract<ToolVerdict, { ok: false }>) {
    super(
      verdict.hook === undefined || verdict.message.includes(verdict.hook)
        ? verdict.message
        : `hook "${verdict.hook}" denied the tool call: ${verdict.message}`,
    );
    this.name = 'ToolDenied';
  }
}

/** pre_task guards the attempt's input and agent; the agent only among the capable ones. */
function preTaskGuard(c: RunHooks): Guard {
  const candidates = (c.context.candidates as string[] | undefined) ?? [];
  return {
    value: { input: c.context.input, agent: c.agent ?? null },
    check: (next) => {
      const extra = Object.keys(next).filter((k) => k !== 'input' && k !== 'agent');
      if (extra.length > 0) return `pre_task may change only input and agent, not ${extra.join(', ')}`;
      if (next.agent !== (c.agent ?? null) && !candidates.includes(next.agent as string))
        return `agent "${String(next.agent)}" is not one of the capable agents (${candidates.join(', ')})`;
      return undefined;
    },
  };
}

function decided(
  trigger: string,
  subject: string,
  r: ChainResult,
  transformed: (guarded: Record<string, unknown>) => Record<string, unknown>,
): InputFields {
  return {
    type: 'HookDecided',
    trigger,
    subject,
    outcome: r.outcome,
    ...(r.message !== undefined ? { message: r.message } : {}),
    ...(r.hook !== undefined ? { hook: r.hook } : {}),
    hooks: r.steps,
    ...(r.outcome === 'transform' && r.guarded !== undefined
      ? transformed(r.guarded as Record<string, unknown>)
      : {}),
  };
}
