// Whether the store answers, for health checks: a cheap call (the store's clock) every interval, one at
// a time, bounded by a timeout (a database behind a dropped network may hang a call for the driver's
// whole connect timeout). The owner is told when the answer changes: `baton serve` turns its
// grpc.health.v1 status NOT_SERVING while the store is unreachable, so load balancers send work elsewhere.

import type { Store } from '../store/store.js';
import { fault } from '../telemetry/faults.js';

export interface StoreProbeOptions {
  /** Time between two probes (default 1 s). */
  readonly intervalMs?: number;
  /** A probe that has not answered after this long counts as a failure (default 2 s). */
  readonly timeoutMs?: number;
  /** Called when the store stops or starts answering; `error` says why it stopped. */
  readonly onChange: (up: boolean, error?: unknown) => void;
}

export class StoreProbe {
  readonly #store: Store;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #onChange: (up: boolean, error?: unknown) => void;
  #up = true;
  #timer: NodeJS.Timeout | undefined;
  /** The probe in flight (a hung one is not repeated until it settles). */
  #pending: Promise<void> | undefined;
  #stopped = false;

  constructor(store: Store, options: StoreProbeOptions) {
    this.#store = store;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#onChange = options.onChange;
  }

  /** True unless the last probe failed (or is overdue). */
  get up(): boolean {
    return this.#up;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One probe now: resolves with whether the store answered within the timeout. */
  async probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => {
      timer = setTimeout(() => resolve('overdue'), this.#timeoutMs);
    });
    this.#pending ??= this.#store.clock().then(
      () => this.#set(true),
      (e: unknown) => this.#set(false, e),
    );
    const pending = this.#pending;
    try {
      if ((await Promise.race([pending, overdue])) === 'overdue')
        this.#set(false, new Error(`the store did not answer within ${this.#timeoutMs} ms`));
    } finally {
      clearTimeout(timer);
    }
    void pending.finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    return this.#up;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.probe().finally(() => this.#schedule()), this.#intervalMs);
    this.#timer.unref();
  }

  #set(up: boolean, error?: unknown): void {
    if (up === this.#up) return;
    this.#up = up;
    if (!up) fault('store-probe', 'the store stopped answering', error);
    try {
      this.#onChange(up, error);
    } catch (e) {
      fault('store-probe', 'a listener failed', e);
    }
  }
}
