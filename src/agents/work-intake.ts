// An instance's side of work for remote workers: it consumes the bus streams of the routes its
// connected workers serve (one consumer group per route, this instance one consumer in it), taking an
// entry only when a worker here has room, and hands it to the local worker hub. A claim in the store
// (work_claims) makes one instance run an attempt however often the bus delivers it: an entry another
// live instance holds is left pending (the bus re-delivers it after its visibility timeout), one whose
// holder went silent (or died on this host) is taken over, and one whose result is recorded is acked and
// dropped. The outcome goes to the run's owner: settled directly when the owner is this process, else
// posted to the run's inbox in the store (durable; the owner journals it, deduplicated by idempotency
// key). The entry is acked once the result is recorded. Claims and the roster rows of this instance's
// workers are renewed every third of the lease.

import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { FROM_END, type Bus, type BusMessage, type Subscription } from '../bus/bus.js';
import type { ClaimOutcome, Store } from '../store/store.js';
import { TaskState } from '@a2a-js/sdk';
import type { AgentOutcome } from './adapter.js';
import {
  WORK_GROUP,
  controlStream,
  entryInvocation,
  parseCancelEntry,
  parseWorkEntry,
  runEventsStream,
  wakeStream,
  workStream,
  type WakeEntry,
  type WorkEntry,
} from './work-entry.js';
import type { WorkQueue } from './work-queue.js';
import type { HubObserver, ResultReceipt, WorkerHub, WorkerResult } from './worker-hub.js';
import { outcomeOf } from './worker-result.js';
import { OwnerLink } from './owner-link.js';
import type { SharedRoster } from './worker-roster.js';
import { fault } from '../telemetry/faults.js';
import { logger } from '../telemetry/logger.js';

export interface WorkIntakeOptions {
  readonly hub: WorkerHub;
  readonly bus: Bus;
  readonly store: Store;
  readonly namespace: string;
  /** This instance's name (the engine's owner name). */
  readonly instance: string;
  /** The owner side in this process: an attempt it waits for is settled directly. */
  readonly queue?: WorkQueue;
  readonly roster?: SharedRoster;
  /** The worker lease: claims and roster rows are renewed every third of it; an instance silent for it is presumed dead. */
  readonly leaseMs: number;
  /** How long an entry stays with one instance unacknowledged before another may take it (default 2 x leaseMs). */
  readonly visibilityTimeoutMs?: number;
  /** True for an instance known to be dead (a process on this host that is gone): its claims are taken at once. */
  readonly isDead?: (instance: string) => boolean;
  readonly now?: () => number;
  /**
   * How long a tool call forwarded to the run's owner waits for each answer when its task has no
   * deadline (default 10 minutes); the task's deadline bounds it otherwise.
   */
  readonly toolAnswerMs?: number;
}

/** An attempt this instance took off the bus. */
interface Held {
  readonly entry: WorkEntry;
  /** Bus entries that carried it here (a re-issue publishes another): all acked once it is recorded. */
  readonly entryIds: Set<string>;
  readonly abort: AbortController;
  /** Why the intake took it back: the owner cancelled it, no worker serves its route here, shutdown. */
  why?: 'cancel' | 'release' | 'close';
  /** The outcome, once the worker reported it (kept until it is recorded). */
  outcome?: AgentOutcome;
  /** When the outcome was handed to an owner in this process (recorded once that owner journals it). */
  handedAt?: number;
  /** A post to the run's inbox is under way. */
  posting?: boolean;
  /** The run's owner as the latest delivery of the attempt names it (a takeover re-issues it). */
  owner: string;
  /**
   * The worker the claim already names (the one the hub was expected to pick): its assignment needs no
   * write of its own. Cleared once used, so a later assignment (a lapsed lease) is written.
   */
  named?: string;
}

/** Done claims (and claims nobody renews) are deleted after this long. */
const CLAIM_RETENTION_MS = 60 * 60 * 1000;

export class WorkIntake implements HubObserver {
  private readonly subs = new Map<string, Promise<Subscription>>();
  private readonly held = new Map<string, Held>();
  /** Questions and tool calls of attempts held here, to their run's owner and back. */
  private readonly owners: OwnerLink;
  /** Per route, deliveries waiting for a worker here to have room. */
  private readonly waiting = new Map<string, Array<(ok: boolean) => void>>();
  /** Per route, slots promised to entries whose claim is under way (not yet handed to the hub). */
  private readonly reserved = new Map<string, number>();
  /** Per worker, claims under way that name it (nextWorker counts them as its load). */
  private readonly promised = new Map<string, number>();
  /** Attempts whose claim is under way, with the bus entries that carried them here so far. */
  private readonly claiming = new Map<string, Set<string>>();
  /** Entries another live instance holds, retried here when that claim would go stale. */
  private readonly parked = new Map<string, NodeJS.Timeout>();
  private control: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly visibilityTimeoutMs: number;
  private lastPrune = 0;
  private rosterScheduled = false;
  private closed = false;

  constructor(private readonly o: WorkIntakeOptions) {
    this.now = o.now ?? Date.now;
    this.visibilityTimeoutMs = o.visibilityTimeoutMs ?? 2 * o.leaseMs;
    this.owners = new OwnerLink(o, this.now, (idem) => {
      const held = this.held.get(idem);
      return held && { owner: held.owner, signal: held.abort.signal };
    });
  }

  async start(): Promise<void> {
    this.control = await this.o.bus.subscribe(
      controlStream(this.o.namespace),
      { fromId: FROM_END, onError: (e) => fault('work-intake', 'a control message', e) },
      (m) => this.onControl(m),
    );
    this.o.hub.observe(this);
    this.timer = setInterval(() => void this.tick(), Math.max(20, Math.floor(this.o.leaseMs / 3)));
    this.timer.unref();
    await this.tick();
  }

  /**
   * Stops consuming. Attempts held here and not finished are given up (`giveUp`, the default) so the
   * next instance takes them at once; without it they wait for their claims to go stale, as after a crash.
   */
  async close(giveUp = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.o.hub.observe(undefined);
    for (const waiters of this.waiting.values()) for (const resolve of waiters) resolve(false);
    this.waiting.clear();
    for (const timer of this.parked.values()) clearTimeout(timer);
    this.parked.clear();
    // Work not finished here is given up, so the next instance takes it at once (the worker that had
    // it stays on the claim as a hint; it may reconnect there).
    const unfinished = [...this.held.values()].filter((h) => !h.outcome);
    if (giveUp)
      await Promise.all(
        unfinished.map((h) =>
          this.o.store.releaseWork(this.o.namespace, h.entry.idem, this.o.instance).catch((e: unknown) => {
            fault('work-intake', `giving up ${h.entry.idem}`, e);
          }),
        ),
      );
    for (const h of unfinished) {
      h.why ??= 'close';
      h.abort.abort(new Error('the server is shutting down'));
    }
    // A subscription that failed to open was reported where it failed; only the open ones need closing.
    const settled = await Promise.allSettled([...this.subs.values()]);
    const subs = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    this.subs.clear();
    await Promise.all([this.control, ...subs].flatMap((s) => (s ? [s.close()] : [])));
  }

  // ── HubObserver ───────────────────────────────────────────────────────────────────────────────

  changed(workers = false): void {
    if (this.closed) return;
    // Connections are shared at once; in-flight counts only with the periodic renewal.
    if (workers) this.rosterSoon();
    for (const route of this.o.hub.connectedRoutes()) if (!this.subs.has(route)) this.subscribe(route);
    for (const [route, waiters] of this.waiting) {
      let free = this.free(route);
      while (free-- > 0 && waiters.length > 0) {
        this.reserve(route, 1);
        waiters.shift()!(true);
      }
      if (waiters.length === 0) this.waiting.delete(route);
    }
  }

  assigned(messageId: string, workerId: string): void {
    const held = this.held.get(messageId);
    if (!held) return;
    const named = held.named;
    held.named = undefined;
    if (named === workerId) return; // the claim said so already
    const { namespace: ns, instance } = this.o;
    this.o.store.assignWork(ns, messageId, instance, workerId, this.now()).catch((e: unknown) => {
      fault('work-intake', `recording that worker "${workerId}" has ${messageId}`, e);
    });
  }

  /** A worker here reports work this instance does not hold: post it for the run if it is still owed. */
  async orphanResult(workerId: string, messageId: string, result: WorkerResult) {
    const claim = await this.o.store.getWork(this.o.namespace, messageId);
    if (!claim || claim.done || claim.runId === '') return undefined;
    const receipt = await this.record(claim.runId, messageId, undefined, outcomeOf(result));
    if (receipt.accepted && claim.entryId !== '')
      await this.ack(claim.route, [claim.entryId]).catch((e: unknown) => {
        fault('work-intake', `acking ${claim.entryId} for ${messageId}`, e);
      });
    return receipt;
  }

  // ── Consuming ─────────────────────────────────────────────────────────────────────────────────

  private subscribe(route: string): void {
    const sub = this.o.bus.subscribe(
      workStream(this.o.namespace, route),
      {
        group: WORK_GROUP,
        consumer: this.o.instance,
        visibilityTimeoutMs: this.visibilityTimeoutMs,
        onError: (e, m) => fault('work-intake', `entry ${m.id} on route "${route}"`, e),
      },
      (m) => this.onEntry(route, m),
    );
    this.subs.set(route, sub);
    sub.catch((e: unknown) => {
      fault('work-intake', `subscribing to route "${route}"`, e);
      if (this.subs.get(route) === sub) this.subs.delete(route);
    });
  }

  private async onEntry(route: string, m: BusMessage): Promise<void> {
    const entry = parseWorkEntry(m.data);
    if (!entry) {
      logger('work-intake').warn(`dropped entry ${m.id} on route "${route}": not a work entry`);
      return void (await this.ack(route, [m.id]));
    }
    if (this.again(entry, m)) return;
    await this.take(route, entry, m);
  }

  /**
   * Takes an entry once a worker here has room for it (so instances share the stream by their free
   * capacity), reserving that room while the claim is under way. The claim is not awaited: the bus
   * hands this subscription its next entry at once, so the entries of one read are claimed together
   * rather than one store round trip after another.
   */
  private async take(route: string, entry: WorkEntry, m: BusMessage): Promise<void> {
    if (!(await this.slot(route))) return;
    if (this.again(entry, m)) return this.reserve(route, -1);
    const ids = new Set([m.id]);
    this.claiming.set(entry.idem, ids);
    // The claim names the worker the hub would give it to now (it has room: a slot is reserved), so
    // the usual case costs no second write to say which worker has it.
    const worker = this.o.hub.nextWorker(route, (id) => this.promised.get(id) ?? 0) ?? '';
    this.promise(worker, 1);
    this.claim(entry, m.id, worker).then(
      (claim) => {
        this.promise(worker, -1);
        this.claimed(route, entry, m, ids, claim, worker);
      },
      (e: unknown) => {
        // Left pending: the bus delivers it again after its visibility timeout.
        this.promise(worker, -1);
        this.claiming.delete(entry.idem);
        this.reserve(route, -1);
        console.error(`baton: work intake: claiming ${entry.idem} on route "${route}" failed:`, e);
      },
    );
  }

  private claimed(
    route: string,
    entry: WorkEntry,
    m: BusMessage,
    ids: Set<string>,
    claim: ClaimOutcome,
    named: string,
  ): void {
    this.claiming.delete(entry.idem);
    if (claim.kind !== 'claimed' || this.closed) {
      this.reserve(route, -1);
      if (claim.kind === 'done') return void this.ack(route, [...ids]);
      if (claim.kind === 'held') return this.park(route, entry, m, claim.claim.updatedAt);
      // Closed while claiming: given up at once, as close() gives up what it holds.
      void this.o.store.releaseWork(this.o.namespace, entry.idem, this.o.instance).catch((e: unknown) => {
        console.warn(`baton: work intake: giving up ${entry.idem} failed:`, e);
      });
      return;
    }
    // A worker had it before (the holder died or went silent): that worker may come back for it.
    const grace = (claim.previous?.workerId ?? '') !== '';
    const held: Held = { entry, entryIds: ids, abort: new AbortController(), owner: entry.owner, named };
    this.held.set(entry.idem, held);
    const inv = entryInvocation(entry, grace, (u) => this.progress(entry, u), this.owners.journal(entry));
    // The hub takes the slot as it queues the job (synchronously): the reservation gives way to it.
    const outcome = this.o.hub.invokeOn(route, inv, held.abort.signal, named);
    this.reserve(route, -1);
    // Not given to the worker the claim names (queued, or gone meanwhile): the claim says no worker.
    if (held.named !== undefined && held.named !== '' && this.o.hub.isQueued(entry.idem)) {
      held.named = undefined;
      this.assigned(entry.idem, '');
    }
    void outcome
      .then((o) => this.settled(held, o))
      .catch((e: unknown) => fault('work-intake', `taking ${entry.idem}`, e));
  }

  /**
   * Another live instance holds the attempt: the entry stays pending with this consumer, and the claim
   * is tried again when the holder's would go stale (a dead holder's work moves within about a lease,
   * not the bus's visibility timeout); a holder that finishes marks it done, and the retry acks it.
   */
  private park(route: string, entry: WorkEntry, m: BusMessage, renewedAt: number): void {
    if (this.closed || this.parked.has(entry.idem)) return;
    const wait = Math.max(20, renewedAt + this.o.leaseMs - this.now() + 10);
    const timer = setTimeout(() => {
      this.parked.delete(entry.idem);
      void this.take(route, entry, m).catch((e: unknown) => {
        fault('work-intake', `taking ${entry.idem} again`, e);
      });
    }, wait);
    timer.unref();
    this.parked.set(entry.idem, timer);
  }

  /** Another delivery of an attempt held here: noted (acked with it); a result not yet recorded is recorded now. */
  private again(entry: WorkEntry, m: BusMessage): boolean {
    if (this.parked.has(entry.idem)) return true;
    const claiming = this.claiming.get(entry.idem);
    if (claiming) return (claiming.add(m.id), true);
    const known = this.held.get(entry.idem);
    if (!known) return false;
    known.entryIds.add(m.id);
    known.owner = entry.owner;
    // Issued again while its outcome waits to be journaled: the owner that had it no longer does.
    if (known.outcome) void this.deliver(known, known.outcome);
    return true;
  }

  private promise(workerId: string, n: number): void {
    if (workerId === '') return;
    const left = (this.promised.get(workerId) ?? 0) + n;
    if (left > 0) this.promised.set(workerId, left);
    else this.promised.delete(workerId);
  }

  /** Free room for `route`: the hub's free slots less those promised to claims under way. */
  private free(route: string): number {
    return this.o.hub.freeSlots(route) - (this.reserved.get(route) ?? 0);
  }

  private reserve(route: string, n: number): void {
    const left = (this.reserved.get(route) ?? 0) + n;
    if (left > 0) this.reserved.set(route, left);
    else this.reserved.delete(route);
    // A reservation given back without the hub taking the slot frees room for a waiting entry.
    if (n < 0 && this.waiting.has(route)) this.changed();
  }

  /** Resolves true with a slot of `route` reserved for the caller, false when the intake stops taking it. */
  private slot(route: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.free(route) > 0) {
      this.reserve(route, 1);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiters = this.waiting.get(route);
      if (waiters) waiters.push(resolve);
      else this.waiting.set(route, [resolve]);
    });
  }

  private async claim(entry: WorkEntry, entryId: string, workerId: string): Promise<ClaimOutcome> {
    const { namespace: ns, instance, leaseMs } = this.o;
    const now = this.now();
    const req = { idem: entry.idem, runId: entry.runId, route: entry.route, entryId, instance, workerId };
    const first = await this.o.store.claimWork(ns, { ...req, now, staleBefore: now - leaseMs });
    if (first.kind !== 'held' || !this.o.isDead?.(first.claim.instance)) return first;
    return this.o.store.claimWork(ns, {
      ...req,
      now,
      staleBefore: now - leaseMs,
      takeOverFrom: first.claim.instance,
    });
  }

  // ── Outcomes ──────────────────────────────────────────────────────────────────────────────────

  private async settled(held: Held, outcome: AgentOutcome): Promise<void> {
    const { entry } = held;
    if (outcome.state === TaskState.TASK_STATE_CANCELED) {
      this.held.delete(entry.idem);
      if (held.why === 'close') return; // the claim goes stale; another instance runs it
      await this.o.store.releaseWork(this.o.namespace, entry.idem, this.o.instance).catch((e: unknown) => {
        fault('work-intake', `releasing ${entry.idem}`, e);
      });
      // Cancelled by its owner: nothing more to do with its entries. Released: another instance takes them.
      if (held.why === 'cancel') await this.ack(entry.route, [...held.entryIds]);
      return;
    }
    held.outcome = outcome;
    await this.deliver(held, outcome);
  }

  /**
   * Gives the outcome to the owner: directly when it waits in this process (recorded once it has
   * journaled it), else through the run's inbox (recorded once posted). Called again (a new delivery
   * of the attempt, or the renewal finding it still unrecorded a lease later) when that owner stopped
   * before journaling it: it goes to whoever waits for the attempt now, or to the inbox.
   */
  private async deliver(held: Held, outcome: AgentOutcome): Promise<void> {
    const { entry } = held;
    if (held.posting) return;
    const local = this.o.queue?.local(entry.idem);
    if (local) {
      held.handedAt = this.now();
      const journaled = outcome.state === TaskState.TASK_STATE_CANCELED ? undefined : outcome.journaled;
      local.settle({
        ...outcome,
        journaled: (applied: boolean) => {
          journaled?.(applied);
          void this.recorded(held, false);
        },
      } as AgentOutcome);
      return;
    }
    held.posting = true;
    const receipt = await this.record(entry.runId, entry.idem, entry, outcome);
    held.posting = false;
    if (receipt.accepted) await this.recorded(held, true);
  }

  /** Posts an outcome to its run's inbox and marks the attempt done; the worker's receipt follows. */
  private async record(
    runId: string,
    idem: string,
    entry: WorkEntry | undefined,
    outcome: AgentOutcome,
  ): Promise<ResultReceipt> {
    if (outcome.state === TaskState.TASK_STATE_CANCELED) return { accepted: false, reason: outcome.reason };
    const payload = {
      idem,
      ...(entry ? { key: entry.key, attempt: entry.attempt } : {}),
      ...(outcome.state === TaskState.TASK_STATE_COMPLETED
        ? { output: outcome.output }
        : {
            error: {
              ...outcome.error,
              kind:
                outcome.error.code === 'BATON_E_AGENT_TIMEOUT' ? ('timeout' as const) : ('error' as const),
            },
          }),
    };
    const { namespace: ns } = this.o;
    const message = { kind: 'result', payload, at: this.now() };
    // The owner elsewhere gets the result ahead of the durable post (one bus hop instead of a commit and
    // its notification), so the run goes on meanwhile; the post below stays the record.
    if (entry && entry.owner !== this.o.instance) {
      const ahead: WakeEntry = { runId, ahead: payload };
      this.o.bus
        .publish(wakeStream(ns, entry.owner), ahead)
        .catch((e: unknown) => fault('work-intake', `sending the result of ${idem} ahead to its owner`, e));
    }
    let id: number;
    for (let tries = 1; ; tries++) {
      try {
        // The result and its claim's end in one durable commit.
        id = await this.o.store.postResult(ns, runId, message, idem, this.now());
        break;
      } catch (e) {
        fault('work-intake', `recording the result of ${idem} for run ${runId} (try ${tries})`, e);
        // The worker gets no receipt and keeps its result; it reports it again after a reconnect.
        if (tries >= 3 || this.closed) return { accepted: false, reason: 'the result could not be recorded' };
        await new Promise((r) => setTimeout(r, 100 * tries));
      }
    }
    outcome.journaled?.(true);
    // The owner would read it from its inbox (woken by the store, or its poll): sent along, it is
    // journaled without that read. What is sent is what was committed, inbox id included. A store whose
    // change feed carries the message to every instance (PostgreSQL) has sent it already.
    if (entry && entry.owner !== this.o.instance && this.o.store.sendsResults !== true) {
      const wake: WakeEntry = { runId, message: { id, runId, ...message } };
      this.o.bus
        .publish(wakeStream(ns, entry.owner), wake)
        .catch((e: unknown) => fault('work-intake', `waking the owner of run "${runId}"`, e));
    }
    return { accepted: true };
  }

  /** The outcome is recorded (`finished`: and the claim marked done): the attempt's entries are acked. */
  private async recorded(held: Held, finished: boolean): Promise<void> {
    const { entry } = held;
    if (this.held.get(entry.idem) === held) this.held.delete(entry.idem);
    if (!finished)
      await this.o.store.finishWork(this.o.namespace, entry.idem, this.now()).catch((e: unknown) => {
        fault('work-intake', `marking ${entry.idem} done`, e);
      });
    await this.ack(entry.route, [...held.entryIds]);
  }

  private async ack(route: string, ids: readonly string[]): Promise<void> {
    await this.o.bus.ack(workStream(this.o.namespace, route), WORK_GROUP, ids).catch((e: unknown) => {
      fault('work-intake', `acking ${ids.join(', ')} on route "${route}"`, e);
    });
  }

  /** A worker's progress: to the owner's attempt in this process, else straight onto the run's stream. */
  private progress(entry: WorkEntry, u: TaskStatusUpdateEvent): void {
    const local = this.o.queue?.local(entry.idem);
    if (local) return local.invocation.onUpdate?.(u);
    const progress = (u.metadata as { progress?: unknown } | undefined)?.progress;
    const part = u.status?.message?.parts[0]?.content;
    const event = {
      channel: 'agent_status',
      name: 'progress',
      data: {
        agent_id: entry.route,
        task: entry.taskId,
        key: entry.key,
        attempt: entry.attempt,
        progress: typeof progress === 'number' ? progress : null,
        text: part?.$case === 'text' ? part.value : null,
      },
      run: entry.runId,
    };
    this.o.bus
      .publish(runEventsStream(this.o.namespace, entry.runId), event)
      .catch((e: unknown) => fault('work-intake', `publishing an event of run "${entry.runId}"`, e));
  }

  private onControl(m: BusMessage): void {
    if (this.owners.answer(m.data)) return;
    const cancel = parseCancelEntry(m.data);
    const held = cancel && this.held.get(cancel.idem);
    if (!held || held.outcome) return;
    held.why = 'cancel';
    held.abort.abort(new Error(cancel.reason));
  }

  // ── Renewal ───────────────────────────────────────────────────────────────────────────────────

  /** Workers came or went: other instances should see it before the next renewal. */
  private rosterSoon(): void {
    if (this.rosterScheduled) return;
    this.rosterScheduled = true;
    setTimeout(() => {
      this.rosterScheduled = false;
      if (!this.closed)
        void this.writeRoster(this.now()).catch((e: unknown) =>
          fault('work-intake', 'writing the roster', e),
        );
    }, 10).unref();
  }

  private async writeRoster(now: number): Promise<void> {
    const workers = this.o.hub.workerViews().filter((w) => w.connected);
    await this.o.store.putWorkers(this.o.namespace, this.o.instance, workers, now, now - 3 * this.o.leaseMs);
  }

  /** Renews this instance's claims and roster rows; drops routes no worker here serves any more. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    const { store, namespace: ns, instance, hub } = this.o;
    const now = this.now();
    try {
      await store.renewWork(ns, instance, now);
      await this.writeRoster(now);
      await this.o.roster?.refresh();
      if (now - this.lastPrune > CLAIM_RETENTION_MS / 10) {
        this.lastPrune = now;
        await store.pruneWork(ns, now - CLAIM_RETENTION_MS);
      }
    } catch (e) {
      fault('work-intake', 'renewing claims and the roster', e);
    }
    const served = hub.connectedRoutes();
    for (const [route, sub] of this.subs) {
      if (served.has(route)) continue;
      this.subs.delete(route);
      for (const resolve of this.waiting.get(route) ?? []) resolve(false);
      this.waiting.delete(route);
      void sub
        .then((s) => s.close())
        .catch((e: unknown) => fault('work-intake', 'closing a route subscription', e));
    }
    for (const h of this.held.values()) {
      // Handed to an owner here that stopped before journaling it (shutdown, run taken over).
      if (h.outcome && h.handedAt !== undefined && now - h.handedAt > this.o.leaseMs)
        void this.deliver(h, h.outcome);
    }
    // Work waiting here for a worker that left (its lease lapsed) goes back to the other instances.
    for (const h of this.held.values()) {
      const route = h.entry.route;
      if (served.has(route) || h.outcome || h.why || !hub.isQueued(h.entry.idem)) continue;
      h.why = 'release';
      h.abort.abort(new Error(`no worker serves "${route}" on this instance any more`));
    }
    this.changed();
  }
}
