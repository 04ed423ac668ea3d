// Async hooks over the bus: BusHookQueue (AsyncHookQueue) publishes each call to the namespace's hook
// stream, and HookQueueConsumer, one per instance in one consumer group, runs them: any instance runs any
// async hook, a message stays pending until its hook ran and was logged (an instance that dies mid-hook
// leaves it to another after the visibility timeout, with the same idempotency key), and http hooks that
// fail are retried with exponential backoff. Every execution is logged (HookLogSink).

import { createHash } from 'node:crypto';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { fault } from '../telemetry/faults.js';
import type {
  AsyncHookQueue,
  HookConfig,
  HookInvocation,
  HookKind,
  HookLogSink,
  HookRunner,
  HookVerdict,
} from './hook-model.js';

/** The stream a namespace's async hook calls travel on, and the group every instance consumes it in. */
export const hookStream = (namespace: string): string => `ns:${namespace}:hooks:async`;
export const HOOK_GROUP = 'hooks';

/** What one message carries. */
export interface QueuedHook {
  readonly hook: HookConfig;
  readonly inv: HookInvocation;
  /** When it was enqueued (ms): the log's latency starts here. */
  readonly enqueuedAt: number;
}

/** sha256 hex of the invocation's JSON: what the log keeps instead of the input itself. */
export const inputDigest = (inv: HookInvocation): string =>
  createHash('sha256').update(JSON.stringify(inv)).digest('hex');

export class BusHookQueue implements AsyncHookQueue {
  constructor(private readonly bus: Bus) {}

  async enqueue(hook: HookConfig, inv: HookInvocation): Promise<void> {
    const message: QueuedHook = { hook, inv, enqueuedAt: Date.now() };
    await this.bus.publish(hookStream(inv.namespace), message);
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included (default 5). */
  readonly attempts: number;
  /** Wait before the second try; doubled for each next one (default 250 ms). */
  readonly baseMs: number;
  /** Longest wait between two tries (default 10 s). */
  readonly maxMs: number;
}

export const DEFAULT_HTTP_RETRY: RetryPolicy = { attempts: 5, baseMs: 250, maxMs: 10_000 };

export interface HookQueueConsumerOptions {
  readonly bus: Bus;
  readonly namespace: string;
  /** This instance's consumer name in the group (the engine's owner name). */
  readonly consumer: string;
  readonly runners: ReadonlyMap<HookKind, HookRunner> | readonly HookRunner[];
  readonly logs: HookLogSink;
  /** Hooks run at once by this instance (default 16). */
  readonly concurrency?: number;
  /** Retries of failed http hooks (exec and wasm hooks are tried once). */
  readonly httpRetry?: RetryPolicy;
  /**
   * A message not acked this long after delivery is claimed by another instance (default 5 minutes:
   * longer than a hook's timeout and its retries, or it would run twice).
   */
  readonly visibilityTimeoutMs?: number;
}

/** Runs the namespace's async hooks as one consumer of the group; close() waits for hooks in flight. */
export class HookQueueConsumer {
  readonly #o: HookQueueConsumerOptions;
  readonly #runners: ReadonlyMap<HookKind, HookRunner>;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #waiting: (() => void)[] = [];
  readonly #abort = new AbortController();
  #sub: Subscription | undefined;
  /** Hooks this consumer ran to the end (logged), and how many of those ended in error. */
  ran = 0;
  failed = 0;

  constructor(o: HookQueueConsumerOptions) {
    this.#o = o;
    this.#runners = Array.isArray(o.runners)
      ? new Map((o.runners as readonly HookRunner[]).map((r) => [r.kind, r]))
      : (o.runners as ReadonlyMap<HookKind, HookRunner>);
  }

  async start(): Promise<void> {
    this.#sub = await this.#o.bus.subscribe(
      hookStream(this.#o.namespace),
      {
        group: HOOK_GROUP,
        consumer: this.#o.consumer,
        visibilityTimeoutMs: this.#o.visibilityTimeoutMs ?? 300_000,
        onError: (e) => fault('hooks', 'async hook delivery', e),
      },
      (m) => this.#deliver(m),
    );
  }

  /** Stops taking hooks; waits for those running (their retries are cut short). */
  async close(): Promise<void> {
    await this.#sub?.close();
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Waits for a free slot, then starts the hook and returns: the next message may be read meanwhile. */
  async #deliver(m: BusMessage): Promise<void> {
    while (this.#inFlight.size >= (this.#o.concurrency ?? 16))
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    const job = this.#run(m).finally(() => {
      this.#inFlight.delete(job);
      this.#waiting.shift()?.();
    });
    this.#inFlight.add(job);
  }

  async #run(m: BusMessage): Promise<void> {
    const { hook, inv } = m.data as QueuedHook;
    const started = performance.now();
    const result = await this.#attempts(hook, inv);
    if (this.#abort.signal.aborted && result.error !== undefined) return; // left pending: another instance retries
    try {
      await this.#o.logs.record({
        namespace: inv.namespace,
        runId: inv.runId,
        hook: hook.name,
        trigger: inv.trigger,
        mode: 'async',
        inputDigest: inputDigest(inv),
        verdict: result.error !== undefined ? 'error' : result.verdict,
        ...(result.message !== undefined && { message: result.message }),
        ...((result.context !== undefined || result.patch !== undefined) && {
          output: { context: result.context, patch: result.patch },
        }),
        durationMs: performance.now() - started,
        ...(result.error !== undefined && { error: result.error }),
        at: new Date().toISOString(),
      });
    } catch (e) {
      // Not acked: another delivery runs it again (the log is what says it ran).
      fault('hooks', `logging async hook "${hook.name}" of run ${inv.runId}`, e);
      return;
    }
    this.ran += 1;
    if (result.error !== undefined) this.failed += 1;
    await this.#o.bus.ack(m.stream, HOOK_GROUP, [m.id]).catch((e: unknown) => {
      fault('hooks', `acking async hook "${hook.name}" of run ${inv.runId}`, e);
    });
  }

  /** One try, or for an http hook up to the retry policy's, backing off between them. */
  async #attempts(
    hook: HookConfig,
    inv: HookInvocation,
  ): Promise<HookVerdict & { readonly error?: string; readonly tries?: number }> {
    const runner = this.#runners.get(hook.kind);
    if (runner === undefined) return { verdict: 'warn', error: `no runner for ${hook.kind} hooks` };
    const policy =
      hook.kind === 'http' ? (this.#o.httpRetry ?? DEFAULT_HTTP_RETRY) : { attempts: 1, baseMs: 0, maxMs: 0 };
    let last: HookVerdict & { readonly error?: string } = { verdict: 'warn', error: 'not run' };
    for (let n = 1; n <= policy.attempts; n++) {
      last = await runWithTimeout(runner, hook, inv, this.#abort.signal);
      if (last.error === undefined || this.#abort.signal.aborted) return last;
      if (n < policy.attempts) {
        const wait = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
        // Full jitter on half the wait: instances retrying one endpoint spread out.
        if (!(await sleep(wait / 2 + Math.random() * (wait / 2), this.#abort.signal))) return last;
      }
    }
    return policy.attempts > 1 ? { ...last, error: `${last.error} (after ${policy.attempts} tries)` } : last;
  }
}

/** The runner, bounded by the hook's timeout as well (a runner that ignores its signal still ends). */
export async function runWithTimeout(
  runner: HookRunner,
  hook: HookConfig,
  inv: HookInvocation,
  outer: AbortSignal,
): Promise<HookVerdict & { readonly error?: string }> {
  const signal = AbortSignal.any([outer, AbortSignal.timeout(hook.timeout_ms)]);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HookVerdict & { error: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ verdict: 'warn', error: `hook "${hook.name}" timed out after ${hook.timeout_ms} ms` }),
      hook.timeout_ms + 1000,
    );
  });
  try {
    return await Promise.race([
      runner.run(hook, inv, signal).catch((e: unknown) => ({
        verdict: 'warn' as const,
        error: e instanceof Error ? e.message : String(e),
      })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves true after `ms`, false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}
