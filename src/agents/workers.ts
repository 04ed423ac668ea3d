// Remote workers for a server that may be one of several: the local worker hub (the Work streams of
// workers connected here), the owner side that publishes attempts on the bus (work-queue.ts), the
// intake that takes them off it for workers here (work-intake.ts), and the shared roster in the store
// (worker-roster.ts). Built before the engine (its `adapterFor` and `onTurn` come from here), attached
// once the store and bus are open; until then attempts go to the hub directly, as in one process.

import { FROM_END, type Bus, type Subscription } from '../bus/bus.js';
import type { InboxMessage, Store } from '../store/store.js';
import type { AgentAdapter } from './adapter.js';
import { wakeAhead, wakeMessage, wakeStream } from './work-entry.js';
import { WorkIntake } from './work-intake.js';
import { WorkQueue } from './work-queue.js';
import { WorkerHub, type WorkerHubOptions } from './worker-hub.js';
import { SharedRoster } from './worker-roster.js';
import { workerAdapterFor, type AdapterFor, type WorkerRouting } from './worker-routing.js';

export interface AttachOptions {
  readonly bus: Bus;
  readonly store: Store;
  readonly namespace: string;
  /** This instance's name: the engine's owner name. */
  readonly instance: string;
  /** True for an instance known to be dead (a process on this host that is gone). */
  readonly isDead?: (instance: string) => boolean;
  /** See WorkIntakeOptions.visibilityTimeoutMs (default 2 x the worker lease). */
  readonly visibilityTimeoutMs?: number;
  /** See WorkIntakeOptions.toolAnswerMs (default 10 minutes). */
  readonly toolAnswerMs?: number;
  /**
   * Reads the owner's inboxes now (the engine's pollInboxes): called when another instance posted a
   * worker's result for a run this one owns, so the result is journaled without waiting for the poll.
   */
  readonly wake?: () => void;
  /**
   * Journals inbox messages sent along with a wake-up (the engine's deliverInbox): a worker's result
   * posted by another instance reaches the run without a read of the inbox. Without it, `wake` reads.
   */
  readonly deliver?: (messages: readonly InboxMessage[]) => void;
  /**
   * A worker's result another instance sent ahead of posting it (the engine's deliverResultAhead): the
   * run journals it now if its attempt still waits; the posted copy that follows is dropped.
   */
  readonly deliverAhead?: (runId: string, result: unknown) => void;
}

export class RemoteWorkers implements WorkerRouting {
  readonly hub: WorkerHub;
  private queue: WorkQueue | undefined;
  private intake: WorkIntake | undefined;
  private shared: SharedRoster | undefined;
  private wakeups: Subscription | undefined;
  /** This instance's name, once attached. */
  instance: string | undefined;

  constructor(options: WorkerHubOptions = {}) {
    this.hub = new WorkerHub(options);
  }

  /** The roster of every instance's workers, once attached. */
  get roster(): SharedRoster | undefined {
    return this.shared;
  }

  /** For the engine: worker routing first, then `fallback`. */
  adapterFor(fallback?: AdapterFor): AdapterFor {
    return workerAdapterFor(this, fallback);
  }

  /** For the engine's onTurn: outcomes a run journaled from its inbox release the attempts waiting here. */
  readonly onTurn = (
    actor: { readonly runId: string },
    records: readonly { type: string; data: unknown }[],
  ) => this.queue?.onTurn(actor, records);

  /** For the engine's inbox (EngineOptions.takeResult): a worker's result to the attempt waiting here. */
  readonly takeResult = (runId: string, payload: unknown, journaled: () => void): boolean =>
    this.queue?.takeResult(runId, payload, journaled) ?? false;

  /** For the engine's inbox (EngineOptions.takeTool): a worker's tool call from another instance. */
  readonly takeTool = (runId: string, kind: string, payload: unknown, handled: () => void): boolean =>
    this.queue?.takeTool(runId, kind, payload, handled) ?? false;

  serves(route: string): boolean {
    return this.hub.serves(route) || this.shared?.serves(route) === true;
  }

  adapter(route: string, journaled: string): AgentAdapter {
    return this.queue ? this.queue.adapter(route, journaled) : this.hub.adapter(route, journaled);
  }

  /** Puts work on the bus from now on, and starts taking it off for the workers connected here. */
  async attach(o: AttachOptions): Promise<void> {
    const leaseMs = this.hub.leaseMs;
    this.shared = new SharedRoster(o.store, o.namespace, leaseMs);
    this.instance = o.instance;
    this.queue = new WorkQueue({ bus: o.bus, store: o.store, namespace: o.namespace, instance: o.instance });
    this.intake = new WorkIntake({
      hub: this.hub,
      bus: o.bus,
      store: o.store,
      namespace: o.namespace,
      instance: o.instance,
      queue: this.queue,
      roster: this.shared,
      leaseMs,
      ...(o.visibilityTimeoutMs === undefined ? {} : { visibilityTimeoutMs: o.visibilityTimeoutMs }),
      ...(o.isDead ? { isDead: o.isDead } : {}),
      ...(o.toolAnswerMs === undefined ? {} : { toolAnswerMs: o.toolAnswerMs }),
    });
    await this.intake.start();
    const { wake, deliver, deliverAhead } = o;
    if (wake || deliver || deliverAhead)
      this.wakeups = await o.bus.subscribe(wakeStream(o.namespace, o.instance), { fromId: FROM_END }, (m) => {
        const ahead = wakeAhead(m.data);
        if (ahead) return void deliverAhead?.(ahead.runId, ahead.result);
        const message = deliver && wakeMessage(m.data);
        if (message) deliver([message]);
        else wake?.();
      });
  }

  /**
   * Ends every worker's stream and stops consuming. Work held here and not finished is given up for the
   * next instance (`giveUp: false` leaves it to its claims going stale, as a crash would).
   */
  async close(options: { giveUp?: boolean } = {}): Promise<void> {
    this.hub.close();
    await this.wakeups?.close();
    await this.intake?.close(options.giveUp ?? true);
    this.queue?.close();
  }
}
