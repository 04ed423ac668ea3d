// Commands other processes posted to the runs this engine drives (signal, cancel, pause, resume, modify):
// read for all of them in one query, woken by the store's watch() for a post it sees, with a poll as the
// backstop (SQLite sees only its own handle's commits). The inbox id is the event id, so a message
// journaled twice (a crash before its deletion) is a duplicate; a deletion carries the owner's fence.

import type { InboxMessage, Store } from '../store/store.js';
import { RunOwnershipLostError } from '../store/store.js';
import type { InputFields } from '../core/index.js';
import { commandEntry, isDuplicateEvent, type RunCommand } from './engine-policy.js';
import { fault } from '../telemetry/faults.js';
import type { RunActor } from './run-actor.js';

export interface InboxHost {
  readonly store: Store;
  readonly namespace: string;
  /** The actor driving a run in this engine, if any. */
  actor(runId: string): RunActor | undefined;
  /**
   * True for a run that ended in this engine lately: what still reaches its inbox (a worker's result
   * that was sent ahead and journaled, a late retry) can never be taken, and is deleted.
   */
  endedHere?(runId: string): boolean;
  readonly driving: () => boolean;
  /** A write of the actor's was refused: this engine no longer owns its run. */
  lost(actor: RunActor, error: RunOwnershipLostError): void;
  /**
   * A worker's result (an inbox message of kind `result`) for an attempt this process still waits for:
   * true when the waiting attempt took it, then calling `journaled` once the run journaled it. The
   * attempt ends as if its worker had answered here (one turn journals the outcome and what follows),
   * rather than the result being journaled first and the attempt let go after.
   */
  readonly takeResult?: (runId: string, payload: unknown, journaled: () => void) => boolean;
  /**
   * A worker's tool call (`tool_call`) or its result (`tool_result`), forwarded by the instance its
   * worker is on, for an attempt of a run this engine drives: true when the attempt waiting here took
   * it, calling `handled` once it has answered. Nothing is journaled for the message itself (the
   * hooks' verdicts are); one nobody here takes is dropped, and its sender asks again.
   */
  readonly takeTool?: (runId: string, kind: string, payload: unknown, handled: () => void) => boolean;
}

const TOOL_MESSAGES = new Set(['tool_call', 'tool_result']);

export class RunInbox {
  /** Highest inbox id this engine has read. */
  #cursor = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #unwatch: () => void;
  /**
   * Per actor, messages delivered to it and not yet journaled or dropped: a second copy meanwhile is
   * ignored. Kept per actor: an actor that stopped first leaves them to the run's next actor.
   */
  readonly #delivered = new WeakMap<RunActor, Set<number>>();
  /** A read is under way / another was asked for meanwhile (it runs right after). */
  #reading = false;
  #again = false;

  constructor(
    private readonly host: InboxHost,
    pollMs: number,
  ) {
    this.#timer = setInterval(() => this.wake(), pollMs);
    this.#timer.unref();
    this.#unwatch = host.store.watch((change) => {
      if (change.kind !== 'inbox' || change.ns !== host.namespace) return;
      if (!host.actor(change.runId) && !host.endedHere?.(change.runId)) return;
      // A worker's result sent along with the change is journaled without a read.
      if (change.message) this.deliver([change.message]);
      else this.wake();
    });
  }

  /** Reads soon: at once if no read is under way, else right after the current one. */
  wake(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    if (!this.host.driving()) return;
    this.#reading = true;
    void this.#poll().finally(() => {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Everything waiting for one run (a run just taken over: its commands were posted before). */
  async readRun(runId: string): Promise<void> {
    this.deliver(await this.host.store.readInbox(this.host.namespace, runId));
  }

  close(): void {
    clearInterval(this.#timer);
    this.#unwatch();
  }

  /** One read for every run this engine drives: what was posted since the last read. */
  async #poll(): Promise<void> {
    let messages: InboxMessage[];
    try {
      messages = await this.host.store.readInbox(this.host.namespace, null, this.#cursor);
    } catch (e) {
      fault('run-inbox', 'reading the inbox failed', e);
      return;
    }
    const last = messages.at(-1);
    if (last) this.#cursor = Math.max(this.#cursor, last.id);
    this.deliver(messages);
  }

  deliver(messages: readonly InboxMessage[]): void {
    const byRun = new Map<string, InboxMessage[]>();
    for (const m of messages) {
      const run = byRun.get(m.runId);
      if (run) run.push(m);
      else byRun.set(m.runId, [m]);
    }
    for (const [runId, all] of byRun) {
      const actor = this.host.actor(runId);
      if (!actor) {
        if (this.host.endedHere?.(runId)) void this.#deleteEnded(runId, all.at(-1)!.id);
        continue;
      }
      let delivered = this.#delivered.get(actor);
      if (!delivered) this.#delivered.set(actor, (delivered = new Set()));
      // Delivered twice (sent along on the bus and read, or read for a run taken over): the first copy
      // is on its way to the journal, and must not be deleted before it gets there.
      const mine = all.filter((m) => !delivered.has(m.id));
      if (mine.length === 0) continue;
      // A run's messages are deleted (up to its last one) once every one of them is journaled or dropped.
      let left = mine.length;
      const upTo = mine.at(-1)!.id;
      for (const m of mine) delivered.add(m.id);
      const done = () => {
        if (--left > 0) return;
        for (const m of mine) delivered.delete(m.id);
        void this.#delete(actor, upTo);
      };
      for (const m of mine) {
        if (TOOL_MESSAGES.has(m.kind)) {
          if (!this.host.takeTool?.(runId, m.kind, m.payload, done)) done();
          continue;
        }
        const cmd = { kind: m.kind, ...(m.payload as object) } as RunCommand;
        // A result is checked here (its attempt still in flight, the first copy of it) before anything
        // takes it. A modification that no longer fits the run is not journaled; its sender sees none.
        const entry = commandEntry(`inbox:${m.id}`, cmd, actor.state);
        if (Array.isArray(entry) || isDuplicateEvent(actor, entry as InputFields)) done();
        else if (!(m.kind === 'result' && this.host.takeResult?.(runId, m.payload, done)))
          actor.submit(entry as InputFields, done);
      }
    }
  }

  /**
   * A worker's result sent ahead of its inbox post (agents/work-entry.ts WakeEntry.ahead): checked as a
   * posted result is (its attempt in flight, not taken yet; marking it taken makes the posted copy a
   * duplicate), then given to the attempt waiting here or journaled. Nothing to delete: the posted copy
   * is deleted when it arrives and is dropped.
   */
  deliverAhead(runId: string, result: unknown): void {
    const actor = this.host.actor(runId);
    if (!actor || actor.isStopped || result === null || typeof result !== 'object') return;
    const cmd = { kind: 'result', ...result } as unknown as RunCommand;
    const entry = commandEntry('ahead', cmd, actor.state);
    if (Array.isArray(entry)) return;
    if (!this.host.takeResult?.(runId, result, () => undefined)) actor.submit(entry as InputFields);
  }

  /** Drops what reached the inbox of a run that ended here (its lease is gone: no fence to carry). */
  async #deleteEnded(runId: string, upToId: number): Promise<void> {
    try {
      await this.host.store.deleteInbox(this.host.namespace, runId, upToId);
    } catch (e) {
      fault('run-inbox', `deleting what reached ended run ${runId} failed`, e);
    }
  }

  /** Drops the run's journaled commands, under the actor's fence. */
  async #delete(actor: RunActor, upToId: number): Promise<void> {
    try {
      await this.host.store.deleteInbox(this.host.namespace, actor.runId, upToId, actor.fence);
    } catch (e) {
      if (e instanceof RunOwnershipLostError) this.host.lost(actor, e);
      else fault('run-inbox', `deleting journaled commands of run ${actor.runId} failed`, e);
    }
  }
}
