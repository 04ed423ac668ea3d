// The hook execution log over the store: StoreHookLog records every execution (blocking or async) in
// the hook_executions table, the records of one event-loop turn in one transaction; HookLogRetention
// deletes them once older than `hook_log_retention` (7 days by default), periodically.

import type { NewHookExecutionRecord, Store } from '../store/store.js';
import { fault } from '../telemetry/faults.js';
import type { HookExecution, HookLogSink } from './hook-model.js';

/** The log keeps executions this long unless `hook_log_retention` says otherwise. */
export const DEFAULT_HOOK_LOG_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** An output longer than this (as JSON) is kept as its first characters, marked truncated. */
export const MAX_LOGGED_OUTPUT = 64 * 1024;

/** The output as logged: as is when its JSON fits, else `{ truncated: true, json: <first 64 KiB> }`. */
export function loggedOutput(output: unknown): unknown {
  if (output === undefined || output === null) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (e) {
    return { unserializable: e instanceof Error ? e.message : String(e) };
  }
  if (json === undefined) return null;
  return json.length <= MAX_LOGGED_OUTPUT
    ? output
    : { truncated: true, json: json.slice(0, MAX_LOGGED_OUTPUT) };
}

export function toLogRecord(e: HookExecution): NewHookExecutionRecord {
  const at = Date.parse(e.at);
  return {
    ns: e.namespace,
    runId: e.runId,
    hook: e.hook,
    trigger: e.trigger,
    mode: e.mode,
    inputDigest: e.inputDigest,
    verdict: e.verdict,
    message: e.message ?? null,
    output: loggedOutput(e.output),
    durationMs: e.durationMs,
    error: e.error ?? null,
    at: Number.isFinite(at) ? at : Date.now(),
  };
}

/** HookLogSink over the store: record() settles once its record (with its turn's others) is written. */
export class StoreHookLog implements HookLogSink {
  #pending: { record: NewHookExecutionRecord; done: (e?: Error) => void }[] = [];
  #scheduled = false;

  constructor(private readonly store: Store) {}

  record(e: HookExecution): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({
        record: toLogRecord(e),
        done: (err) => (err === undefined ? resolve() : reject(err)),
      });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    try {
      await this.store.appendHookExecutions(batch.map((p) => p.record));
      for (const p of batch) p.done();
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      for (const p of batch) p.done(error);
    }
  }
}

export interface HookLogRetentionOptions {
  readonly store: Store;
  /** Executions logged longer ago than this are deleted (default 7 days). */
  readonly olderThanMs?: number;
  /** How often to sweep (default 10 minutes; the first sweep runs at start). */
  readonly everyMs?: number;
  /** Rows deleted per statement (default 1,000). */
  readonly batch?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** Deletes logged executions older than the retention, now and every `everyMs`, until stopped. */
export class HookLogRetention {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  #stopped = false;
  /** Executions deleted since the start. */
  purged = 0;

  constructor(private readonly o: HookLogRetentionOptions) {}

  start(): void {
    const tick = () => {
      this.#sweeping = this.sweep().finally(() => {
        this.#sweeping = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.o.everyMs ?? 600_000).unref();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#sweeping) await Promise.allSettled([this.#sweeping]);
  }

  /** One sweep: batches until one comes back short. Never rejects (a failure is a fault). */
  async sweep(): Promise<number> {
    const batch = this.o.batch ?? 1000;
    const before = (this.o.now ?? Date.now)() - (this.o.olderThanMs ?? DEFAULT_HOOK_LOG_RETENTION_MS);
    let purged = 0;
    try {
      for (;;) {
        const n = await this.o.store.purgeHookExecutions(before, batch);
        purged += n;
        if (n < batch || this.#stopped) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      fault('hooks', 'purging the hook execution log', e);
    }
    this.purged += purged;
    if (purged > 0)
      (this.o.log ?? ((l: string) => console.error(l)))(
        `baton: hook log: deleted ${purged} execution(s) logged before ${new Date(before).toISOString()}`,
      );
    return purged;
  }
}
