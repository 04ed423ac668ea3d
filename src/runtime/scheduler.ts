// The scheduler `baton serve` runs: it wakes when a schedule of its namespace is due (the store's
// wake_at; at least every pollMs, to see schedules other processes change), asks the pure decideFires
// what to do, and starts runs in three steps. Claim: one write conditional on the schedule's revision
// advances it and records the fires to start as pending (of several servers sharing the store, one
// wins). Start: each pending fire's run, under a request id derived from schedule and fire time.
// Confirm: the pending fires leave the state, the runs are recorded. A process that dies between claim
// and confirm leaves the pending fires to its restart (or, after staleMs, to any other process), whose
// start finds the runs already made: a fire starts at most one run, and is not lost.

import {
  claimFires,
  claimTrigger,
  confirmFires,
  decideFires,
  mayStartPending,
  readScheduleState,
  type PendingFire,
  type ScheduleState,
  type StartOutcome,
} from '../core/schedules/index.js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import type { ScheduleRecord, Store } from '../store/store.js';
import { ENDED_RUN_STATUSES } from './retention.js';
import { ScheduleNotFoundError, toScheduleView, type ScheduleView } from './schedules.js';

/** Starts the run of one fire and resolves with its run id; the same fire must always give the same run. */
export type FireStarter = (schedule: ScheduleView, fire: PendingFire) => Promise<string>;

export interface SchedulerOptions {
  readonly store: Store;
  readonly namespace: string;
  /** This process's name in claims (the engine's owner, so a dead process's claims are recognised). */
  readonly owner: string;
  readonly start: FireStarter;
  readonly now?: () => number;
  /** The longest the scheduler sleeps (it also wakes for the earliest due schedule). Default 1000 ms. */
  readonly pollMs?: number;
  /** Schedules handled per store read (default 100). */
  readonly batch?: number;
  /** Runs one allow_all schedule may start per decision (default 20). */
  readonly maxStartsPerDecision?: number;
  /** After this long another process starts fires a live claimer left pending (default 30 s). */
  readonly staleMs?: number;
  /**
   * True for a claimer known to be dead (the engine's isDeadOwner: a process of this host that is gone):
   * its pending fires are started at once instead of after `staleMs`. Default: never known.
   */
  readonly isDeadOwner?: (owner: string) => boolean;
  readonly log?: (line: string) => void;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #now: () => number;
  readonly #pollMs: number;
  readonly #staleMs: number;
  readonly #log: (line: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  /** Failed ticks and fires since the start (each also logged). */
  failures = 0;

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#pollMs = o.pollMs ?? 1000;
    this.#staleMs = o.staleMs ?? 30_000;
    this.#log = o.log ?? ((line) => console.error(line));
  }

  /** Starts fires a dead process left pending, then ticks until stopped. */
  start(): void {
    this.#stopped = false;
    this.#run(() => this.#recover().then(() => this.tick()));
  }

  /** Stops ticking; waits for a tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
  }

  /** Looks at the schedules at once (one was just created or unpaused here). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#ticking) this.#again = true;
    else {
      clearTimeout(this.#timer);
      this.#run(() => this.tick());
    }
  }

  #run(work: () => Promise<number>): void {
    this.#ticking = work()
      .catch((e: unknown) => {
        this.#fail('tick', e);
        return this.#pollMs;
      })
      .then((delay) => {
        this.#ticking = undefined;
        if (this.#stopped) return;
        const wait = this.#again ? 0 : delay;
        this.#again = false;
        this.#timer = setTimeout(() => this.#run(() => this.tick()), wait).unref();
      });
  }

  /** Handles every schedule due now; resolves with how long to sleep before the next tick. */
  async tick(): Promise<number> {
    const { store, namespace } = this.#o;
    const batch = this.#o.batch ?? 100;
    const now = this.#now();
    const rows = await store.dueSchedules(namespace, now + this.#pollMs, batch);
    const due = rows.filter((r) => r.wakeAt! <= now);
    for (const r of due) {
      if (this.#stopped) break;
      await this.#handle(r).catch((e: unknown) => this.#fail(`schedule "${r.scheduleId}"`, e));
    }
    if (due.length === batch) return 0;
    const soonest = Math.min(...rows.filter((r) => r.wakeAt! > now).map((r) => r.wakeAt!));
    return Math.max(0, Math.min(this.#pollMs, soonest - this.#now()));
  }

  /**
   * Starts a run of the schedule now, whatever its overlap policy (a deliberate extra run), and resolves
   * with its run id. @throws ScheduleNotFoundError, or the start's own error.
   */
  async trigger(id: string): Promise<string> {
    const { store, namespace, owner } = this.#o;
    for (let i = 0; i < 20; i++) {
      const r = await store.getSchedule(namespace, id);
      if (!r) throw new ScheduleNotFoundError(namespace, id);
      const now = this.#now();
      const state = claimTrigger(readScheduleState(r.state), owner, now);
      const claimed = { ...r, state, wakeAt: this.#retryAt(r, now), updatedAt: now };
      if (!(await store.updateSchedule(namespace, id, r.revision, claimed))) continue;
      const fire = state.pending.at(-1)!;
      const outcomes = await this.#startPending({ ...claimed, revision: r.revision + 1 });
      const mine = outcomes.find((o) => o.fire.manual && o.fire.fireAt === fire.fireAt);
      if (mine && 'runId' in mine) return mine.runId;
      if (mine && 'error' in mine) {
        const { code, message } = mine.error;
        throw new BatonError(isErrorCode(code) ? code : 'BATON_E_INTERNAL', message);
      }
      throw new BatonError(
        'BATON_E_STORE_UNAVAILABLE',
        `the run triggered for schedule "${id}" could not be started yet; it stays pending and is retried`,
      );
    }
    throw new BatonError('BATON_E_STORE_UNAVAILABLE', `schedule "${id}" kept changing; trigger it again`);
  }

  async #handle(r: ScheduleRecord): Promise<void> {
    const { store, namespace, owner } = this.#o;
    const state = readScheduleState(r.state);
    const now = this.#now();
    if (state.pending.length > 0) {
      const dead = state.claimedBy !== undefined && (this.#o.isDeadOwner?.(state.claimedBy) ?? false);
      if (mayStartPending(state, owner, now, this.#staleMs, dead)) await this.#startPending(r);
      return;
    }
    const view = toScheduleView(r);
    const decision = decideFires({
      timing: view.spec.timing,
      overlap: view.spec.overlap,
      catchupWindowMs: view.spec.catchupWindowMs,
      nextFireAt: r.nextFireAt,
      ...(state.buffered !== undefined && { buffered: state.buffered }),
      running: await this.#running(state),
      now,
      maxStarts: this.#o.maxStartsPerDecision ?? 20,
      recheckMs: this.#pollMs,
    });
    const claimed = {
      ...r,
      nextFireAt: decision.nextFireAt,
      state: claimFires(state, decision, owner, now),
      // Until the confirm, look again by staleMs: if this process dies, someone starts what it claimed.
      wakeAt:
        decision.start.length > 0
          ? Math.min(decision.wakeAt ?? Infinity, now + this.#staleMs)
          : decision.wakeAt,
      updatedAt: now,
    };
    if (!(await store.updateSchedule(namespace, r.scheduleId, r.revision, claimed))) return; // another won
    if (decision.missed > 0)
      this.#log(
        `baton: schedule "${r.scheduleId}": ${decision.missed} fire(s) older than its catch-up window ` +
          `(${view.spec.catchupWindowMs / 1000}s) were missed, not started`,
      );
    if (decision.start.length > 0) await this.#startPending({ ...claimed, revision: r.revision + 1 });
  }

  /** Starts every pending fire of the schedule, then confirms; returns each fire's outcome. */
  async #startPending(r: ScheduleRecord): Promise<StartOutcome[]> {
    const view = toScheduleView(r);
    const outcomes: StartOutcome[] = [];
    for (const fire of view.state.pending) {
      try {
        outcomes.push({ fire, runId: await this.#o.start(view, fire) });
      } catch (e) {
        const code = e instanceof BatonError ? e.code : 'BATON_E_INTERNAL';
        const message = e instanceof Error ? e.message : String(e);
        this.#fail(`schedule "${r.scheduleId}" fire ${new Date(fire.fireAt).toISOString()}`, e);
        // A fault that may pass (the store, a shutdown) leaves the fire pending, to be started later.
        if (!(e instanceof BatonError) || !e.retryable) outcomes.push({ fire, error: { code, message } });
      }
    }
    await this.#confirm(r.scheduleId, outcomes);
    return outcomes;
  }

  async #confirm(id: string, outcomes: readonly StartOutcome[]): Promise<void> {
    const { store, namespace } = this.#o;
    for (let i = 0; i < 20 && outcomes.length > 0; i++) {
      const cur = await store.getSchedule(namespace, id);
      if (!cur) return; // deleted meanwhile: its runs stay, nothing to record them on
      const before = readScheduleState(cur.state);
      const after = confirmFires(before, outcomes, this.#now());
      if (after === before) return; // confirmed by another process already
      // Looked at again at the next tick, which decides with the run just started as the previous one.
      const update = { ...cur, state: after, wakeAt: this.#now(), updatedAt: this.#now() };
      if (await store.updateSchedule(namespace, id, cur.revision, update)) return;
    }
  }

  /** A run this schedule started has not ended. */
  async #running(state: ScheduleState): Promise<boolean> {
    if (state.lastRunId === undefined) return false;
    const run = await this.#o.store.getRun(this.#o.namespace, state.lastRunId);
    return run !== undefined && !ENDED_RUN_STATUSES.includes(run.status);
  }

  /** The wake time while a fire is pending: its claimer (or another process) comes back by staleMs. */
  #retryAt(r: ScheduleRecord, now: number): number {
    return Math.min(r.wakeAt ?? Infinity, now + this.#staleMs);
  }

  /** At start: pending fires whose claimer is gone (this host's dead process) are started at once. */
  async #recover(): Promise<number> {
    const { store, namespace, owner } = this.#o;
    let cursor: string | undefined;
    do {
      const page = await store.listSchedules(namespace, { limit: 500, ...(cursor && { cursor }) });
      for (const r of page.schedules) {
        const s = readScheduleState(r.state);
        const dead = s.claimedBy !== undefined && (this.#o.isDeadOwner?.(s.claimedBy) ?? false);
        if (s.pending.length > 0 && mayStartPending(s, owner, this.#now(), this.#staleMs, dead))
          await this.#startPending(r).catch((e: unknown) => this.#fail(`schedule "${r.scheduleId}"`, e));
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return 0;
  }

  #fail(what: string, e: unknown): void {
    this.failures += 1;
    this.#log(`baton: scheduler: ${what} failed (${this.failures} failure(s) so far): ${String(e)}`);
  }
}
