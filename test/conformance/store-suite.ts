// The Store contract as one vitest suite every adapter runs (SQLite now, PostgreSQL later): an adapter
// is conformant when this passes unchanged against it.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  JournalConflictError,
  PluginConflictError,
  RunOwnershipLostError,
  RunExistsError,
  RunNotFoundError,
  StoreClosedError,
  StoreInvalidArgumentError,
  WorkflowConflictError,
  type JournalRecord,
  type NewRun,
  type RunLease,
  type RunRecord,
  type Store,
  type StoreChange,
} from '../../src/store/store.js';

export interface StoreHarness {
  /** A fresh, empty store. */
  readonly store: Store;
  /** Opens another handle on the same data: a second writer while `store` is open, or a restart after close. */
  connect(): Promise<Store>;
  /** Closes `store` if still open and removes the data; handles from connect() are closed by the suite. */
  cleanup(): Promise<void>;
}

/** What an adapter can do that the contract leaves open; a case that needs more is skipped, saying why. */
export interface StoreCapabilities {
  /** Why watch() does not see another handle's commits (undefined: it does). */
  readonly watchMissesOtherHandles?: string;
}

/** Longer than the 1 ms leases the ownership cases let lapse, as the store's clock counts it. */
const LAPSE_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lapse = () => sleep(LAPSE_MS);

const rec = (seq: number, data: unknown = { n: seq }, type = 'TaskCompleted'): JournalRecord => ({
  seq,
  type,
  v: 1,
  at: 1_700_000_000_000 + seq,
  data,
});
const recs = (from: number, count: number): JournalRecord[] =>
  Array.from({ length: count }, (_, i) => rec(from + i));

const newRun = (runId: string, createdAt: number, extra: Partial<NewRun> = {}): NewRun => ({
  ns: 'acme',
  runId,
  workflowName: 'review',
  workflowVersion: '1',
  status: 'running',
  createdAt,
  input: { pr: runId },
  ...extra,
});

export function storeConformance(
  name: string,
  makeStore: () => Promise<StoreHarness>,
  caps: StoreCapabilities = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    const extra: Store[] = [];
    const connect = async (): Promise<Store> => {
      const s = await h.connect();
      extra.push(s);
      return s;
    };

    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await Promise.all(extra.splice(0).map((s) => s.close()));
      await h.cleanup();
    });

    describe('journal', () => {
      it('reads back what was appended, in seq order, with data intact', async () => {
        const data = { text: 'héllo ✓', nested: { list: [1, null, true], n: 1.5 } };
        await store.append('acme', 'r1', 1, [rec(1, data), rec(2)]);
        await store.append('acme', 'r1', 3, [rec(3)]);
        expect(await store.read('acme', 'r1')).toEqual([rec(1, data), rec(2), rec(3)]);
      });

      it('keeps every JSON value a record may hold, on the single-run and the group path', async () => {
        const values: unknown[] = [
          null,
          false,
          0,
          -1.5e-7,
          '',
          'say "hi" \\ \u0000 \n ✓ 𝄞',
          [],
          {},
          [null, { a: [1, 'x'] }],
        ];
        const records = values.map((data, i) => rec(i + 1, data));
        await store.append('acme', 'one', 1, records);
        await store.appendMany([
          { ns: 'acme', runId: 'many-a', expectedNextSeq: 1, records },
          { ns: 'acme', runId: 'many-b', expectedNextSeq: 1, records: [rec(1, null)] },
        ]);
        for (const runId of ['one', 'many-a']) expect(await store.read('acme', runId)).toEqual(records);
        expect(await store.read('acme', 'many-b')).toEqual([rec(1, null)]);
      });

      it('pages with afterSeq and limit', async () => {
        await store.append('acme', 'r1', 1, recs(1, 10));
        const page = await store.read('acme', 'r1', { afterSeq: 4, limit: 3 });
        expect(page.map((r) => r.seq)).toEqual([5, 6, 7]);
        expect(await store.read('acme', 'r1', { afterSeq: 10 })).toEqual([]);
        expect(await store.read('acme', 'nobody')).toEqual([]);
      });

      it('rejects a stale writer (seq already taken) and a writer that skips ahead, writing nothing', async () => {
        await store.append('acme', 'r1', 1, recs(1, 3));
        const stale = store.append('acme', 'r1', 3, [rec(3, 'stale')]);
        await expect(stale).rejects.toBeInstanceOf(JournalConflictError);
        await expect(stale).rejects.toMatchObject({
          code: 'BATON_E_JOURNAL_CONFLICT',
          runId: 'r1',
          expectedNextSeq: 3,
          actualNextSeq: 4,
        });
        await expect(store.append('acme', 'r1', 6, [rec(6)])).rejects.toBeInstanceOf(JournalConflictError);
        expect(await store.read('acme', 'r1')).toEqual(recs(1, 3));
      });

      it('lets exactly one of two writers of the same seq win, on one handle or two', async () => {
        const other = await connect();
        await store.append('acme', 'r1', 1, [rec(1)]);
        const results = await Promise.allSettled([
          store.append('acme', 'r1', 2, [rec(2, 'A')]),
          other.append('acme', 'r1', 2, [rec(2, 'B')]),
          store.append('acme', 'r1', 2, [rec(2, 'C')]),
        ]);
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? ['ABC'[i]] : []));
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(JournalConflictError);
        }
        expect((await other.read('acme', 'r1')).map((r) => r.data)).toEqual([{ n: 1 }, won[0]]);
      });

      it('refuses records not numbered from expectedNextSeq, and data that is not JSON', async () => {
        await expect(store.append('acme', 'r1', 1, [rec(1), rec(3)])).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
        await expect(store.append('acme', 'r1', 0, [rec(0)])).rejects.toMatchObject({
          code: 'BATON_E_STORE_INVALID',
        });
        await expect(store.append('acme', 'r1', 1, [rec(1), rec(2, { big: 1n })])).rejects.toMatchObject({
          code: 'BATON_E_STORE_INVALID',
          message: expect.stringContaining('record 2') as unknown,
        });
        await expect(store.append('acme', 'r1', 1, [rec(1, () => 1)])).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
        expect(await store.read('acme', 'r1')).toEqual([]);
      });

      it('treats an empty append as a check of expectedNextSeq', async () => {
        await store.append('acme', 'r1', 1, []);
        await store.append('acme', 'r1', 1, [rec(1)]);
        await store.append('acme', 'r1', 2, []);
        await expect(store.append('acme', 'r1', 1, [])).rejects.toBeInstanceOf(JournalConflictError);
      });
    });

    describe('group commit (appendMany)', () => {
      it('commits appends for many runs, and successive appends to one run, in one batch', async () => {
        await store.append('acme', 'b', 1, [rec(1)]);
        await store.appendMany([
          { ns: 'acme', runId: 'a', expectedNextSeq: 1, records: recs(1, 2) },
          { ns: 'acme', runId: 'b', expectedNextSeq: 2, records: recs(2, 1) },
          { ns: 'acme', runId: 'a', expectedNextSeq: 3, records: recs(3, 1) },
        ]);
        expect((await store.read('acme', 'a')).map((r) => r.seq)).toEqual([1, 2, 3]);
        expect((await store.read('acme', 'b')).map((r) => r.seq)).toEqual([1, 2]);
      });

      it('writes nothing for any run when one run in the batch conflicts', async () => {
        await store.append('acme', 'c', 1, [rec(1)]);
        const batch = store.appendMany([
          { ns: 'acme', runId: 'a', expectedNextSeq: 1, records: recs(1, 2) },
          { ns: 'acme', runId: 'c', expectedNextSeq: 1, records: [rec(1, 'stale')] },
          { ns: 'acme', runId: 'b', expectedNextSeq: 1, records: recs(1, 2) },
        ]);
        await expect(batch).rejects.toMatchObject({ code: 'BATON_E_JOURNAL_CONFLICT', runId: 'c' });
        expect(await store.read('acme', 'a')).toEqual([]);
        expect(await store.read('acme', 'b')).toEqual([]);
        expect(await store.read('acme', 'c')).toEqual([rec(1)]);
        // The store is still usable and the same batch without the stale run commits.
        await store.appendMany([{ ns: 'acme', runId: 'a', expectedNextSeq: 1, records: recs(1, 2) }]);
        expect(await store.read('acme', 'a')).toHaveLength(2);
      });

      it('writes nothing when one record in the batch cannot be serialised', async () => {
        const batch = store.appendMany([
          { ns: 'acme', runId: 'a', expectedNextSeq: 1, records: recs(1, 2) },
          { ns: 'acme', runId: 'b', expectedNextSeq: 1, records: [rec(1, { f: 1n })] },
        ]);
        await expect(batch).rejects.toBeInstanceOf(StoreInvalidArgumentError);
        expect(await store.read('acme', 'a')).toEqual([]);
      });
    });

    describe('run ownership and inbox', () => {
      it('lets one owner at a time drive a run; another takes over only after the lease lapses', async () => {
        await store.createRun(newRun('r1', 1000));
        expect(await store.claimRun('acme', 'r1', 'proc-a', 60_000)).toEqual({
          ns: 'acme',
          runId: 'r1',
          owner: 'proc-a',
          epoch: 1,
          previousEpoch: 0,
        });
        expect(await store.claimRun('acme', 'r1', 'proc-b', 60_000)).toBeUndefined();
        // A re-claim by the owner renews the lease and keeps the epoch.
        expect(await store.claimRun('acme', 'r1', 'proc-a', 60_000)).toMatchObject({ epoch: 1 });
        const held = (await store.getRun('acme', 'r1'))!;
        expect(held).toMatchObject({ owner: 'proc-a', epoch: 1 });
        expect(held.leaseUntil).toBeGreaterThan((await store.clock()) + 50_000);
        // A lease lapses by the store's clock.
        await store.claimRun('acme', 'r1', 'proc-a', 1);
        await lapse();
        expect(await store.claimRun('acme', 'r1', 'proc-b', 60_000)).toMatchObject({
          owner: 'proc-b',
          epoch: 2,
          previousOwner: 'proc-a',
          previousEpoch: 1,
        });
        await store.releaseRun('acme', 'r1', { owner: 'proc-a', epoch: 1 }); // deposed: no effect
        expect((await store.getRun('acme', 'r1'))?.owner).toBe('proc-b');
        await store.releaseRun('acme', 'r1', { owner: 'proc-b', epoch: 2 });
        expect(await store.getRun('acme', 'r1')).toMatchObject({ leaseUntil: 0, epoch: 2 });
        expect((await store.getRun('acme', 'r1'))?.owner).toBeUndefined();
        expect(await store.claimRun('acme', 'r1', 'proc-c', 60_000)).toEqual({
          ns: 'acme',
          runId: 'r1',
          owner: 'proc-c',
          epoch: 3,
          previousEpoch: 0,
        });
        expect(await store.claimRun('acme', 'missing', 'proc-c', 60_000)).toBeUndefined();
        // A live lease can be taken over only from the owner the caller names as dead.
        expect(await store.claimRun('acme', 'r1', 'proc-d', 60_000, 'proc-x')).toBeUndefined();
        expect(await store.claimRun('acme', 'r1', 'proc-d', 60_000, 'proc-c')).toMatchObject({
          epoch: 4,
          previousOwner: 'proc-c',
          previousEpoch: 3,
        });
        expect(await store.claimRun('other', 'r1', 'proc-c', 60_000)).toBeUndefined(); // namespaced
        // A run that ended is never claimed again.
        await store.updateRun('acme', 'r1', { status: 'completed', updatedAt: 2, lastSeq: 0, release: true });
        expect(await store.claimRun('acme', 'r1', 'proc-e', 60_000)).toBeUndefined();
      });

      it('tells the time by its own clock, in ms since the epoch', async () => {
        const before = Date.now();
        const clock = await store.clock();
        // The store's clock may be another machine's; on one host it agrees with ours to well within a minute.
        expect(Math.abs(clock - before)).toBeLessThan(60_000);
        expect(Number.isSafeInteger(clock)).toBe(true);
      });

      it('keeps commands posted to a run in order until they are deleted', async () => {
        const a = await store.postToInbox('acme', 'r1', { kind: 'signal', payload: { name: 'go' }, at: 5 });
        const b = await store.postToInbox('acme', 'r1', { kind: 'cancel', payload: { reason: 'x' }, at: 6 });
        await store.postToInbox('acme', 'r2', { kind: 'pause', payload: {}, at: 7 });
        expect(b).toBeGreaterThan(a);
        expect(await store.readInbox('acme', 'r1')).toEqual([
          { id: a, runId: 'r1', kind: 'signal', payload: { name: 'go' }, at: 5 },
          { id: b, runId: 'r1', kind: 'cancel', payload: { reason: 'x' }, at: 6 },
        ]);
        // One read for every run of a namespace: a process polls all the runs it drives at once.
        expect((await store.readInbox('acme', null)).map((m) => `${m.runId}:${m.kind}`)).toEqual([
          'r1:signal',
          'r1:cancel',
          'r2:pause',
        ]);
        expect((await store.readInbox('acme', null, b)).map((m) => m.runId)).toEqual(['r2']);
        expect((await store.readInbox('acme', 'r1', a)).map((m) => m.id)).toEqual([b]);
        await store.deleteInbox('acme', 'r1', a);
        expect((await store.readInbox('acme', 'r1')).map((m) => m.id)).toEqual([b]);
        expect(await store.readInbox('other', 'r1')).toEqual([]);
        expect((await store.readInbox('acme', 'r2')).map((m) => m.kind)).toEqual(['pause']);
        // Ids keep growing after the newest message is deleted.
        await store.deleteInbox('acme', 'r2', Number.MAX_SAFE_INTEGER);
        await store.deleteInbox('acme', 'r1', Number.MAX_SAFE_INTEGER);
        const c = await store.postToInbox('acme', 'r1', { kind: 'resume', payload: {}, at: 8 });
        expect(c).toBeGreaterThan(b + 1);
      });

      it('creates a run with its first journal entries, atomically', async () => {
        const create = { ...newRun('r7', 1000), owner: 'proc-a', leaseMs: 60_000 };
        await store.appendMany([{ ns: 'acme', runId: 'r7', expectedNextSeq: 1, records: [rec(1)], create }]);
        expect(await store.getRun('acme', 'r7')).toMatchObject({
          status: 'running',
          owner: 'proc-a',
          epoch: 1,
        });
        expect((await store.read('acme', 'r7')).map((r) => r.seq)).toEqual([1]);
        // A taken id fails the whole batch: no journal entry is written without its run.
        await expect(
          store.appendMany([
            { ns: 'acme', runId: 'r8', expectedNextSeq: 1, records: [rec(1)], create: newRun('r8', 1) },
            { ns: 'acme', runId: 'r7', expectedNextSeq: 1, records: [rec(1)], create },
          ]),
        ).rejects.toBeInstanceOf(RunExistsError);
        expect(await store.getRun('acme', 'r8')).toBeUndefined();
        expect(await store.read('acme', 'r8')).toEqual([]);
      });

      it('creates a run already claimed, and releases it with the update that ends it', async () => {
        await store.createRun({ ...newRun('r9', 1000), owner: 'proc-a', leaseMs: 60_000 });
        expect(await store.claimRun('acme', 'r9', 'proc-b', 5_000)).toBeUndefined();
        await store.appendMany([
          {
            ns: 'acme',
            runId: 'r9',
            expectedNextSeq: 1,
            records: [rec(1)],
            run: { status: 'completed', updatedAt: 3000, lastSeq: 1, release: true },
          },
        ]);
        expect(await store.getRun('acme', 'r9')).toMatchObject({
          status: 'completed',
          lastSeq: 1,
          leaseUntil: 0,
        });
        expect((await store.getRun('acme', 'r9'))?.owner).toBeUndefined();
        // The run row changes with the journal or not at all.
        await expect(
          store.appendMany([
            {
              ns: 'acme',
              runId: 'r9',
              expectedNextSeq: 2,
              records: [rec(2)],
              run: { status: 'x', updatedAt: 1, lastSeq: 2 },
            },
            { ns: 'acme', runId: 'r9', expectedNextSeq: 9, records: [rec(9)] },
          ]),
        ).rejects.toBeInstanceOf(JournalConflictError);
        expect((await store.getRun('acme', 'r9'))?.status).toBe('completed');
      });
    });

    describe('fenced ownership (RunLease)', () => {
      const A: RunLease = { owner: 'proc-a', epoch: 1 };
      /** Creates run `runId` owned by proc-a (epoch 1) with one journal entry, through a fenced create. */
      const created = (runId: string, leaseMs = 60_000, ns = 'acme') =>
        store.appendMany([
          {
            ns,
            runId,
            expectedNextSeq: 1,
            records: [rec(1)],
            create: { ...newRun(runId, 1000), ns, owner: 'proc-a', leaseMs },
            fence: A,
          },
        ]);
      const fencedAppend = (runId: string, seq: number, fence: RunLease, data?: unknown) =>
        store.appendMany([{ ns: 'acme', runId, expectedNextSeq: seq, records: [rec(seq, data)], fence }]);

      it("refuses a deposed owner's append (takeover or lapsed lease), writing nothing; the new owner's succeeds", async () => {
        await created('r1');
        await fencedAppend('r1', 2, A);
        expect(await store.claimRun('acme', 'r1', 'proc-b', 60_000, 'proc-a')).toMatchObject({ epoch: 2 });
        const stale = fencedAppend('r1', 3, A, 'stale');
        await expect(stale).rejects.toBeInstanceOf(RunOwnershipLostError);
        await expect(stale).rejects.toMatchObject({
          code: 'BATON_E_RUN_OWNERSHIP_LOST',
          ns: 'acme',
          runId: 'r1',
          lease: A,
        });
        expect(await store.read('acme', 'r1')).toEqual(recs(1, 2));
        await fencedAppend('r1', 3, { owner: 'proc-b', epoch: 2 });
        expect((await store.read('acme', 'r1')).map((r) => r.seq)).toEqual([1, 2, 3]);

        // Lease expiry alone fails nothing; a claim of the lapsed lease does.
        await created('r2', 1);
        await lapse();
        await fencedAppend('r2', 2, A);
        expect(await store.claimRun('acme', 'r2', 'proc-b', 60_000)).toMatchObject({
          epoch: 2,
          previousOwner: 'proc-a',
        });
        await expect(fencedAppend('r2', 3, A)).rejects.toBeInstanceOf(RunOwnershipLostError);
        expect(await store.read('acme', 'r2')).toEqual(recs(1, 2));
        // A create is fenced by the owner it creates: another fence fails it.
        await expect(
          store.appendMany([
            {
              ns: 'acme',
              runId: 'r3',
              expectedNextSeq: 1,
              records: [rec(1)],
              create: { ...newRun('r3', 1), owner: 'proc-a', leaseMs: 60_000 },
              fence: { owner: 'proc-a', epoch: 2 },
            },
          ]),
        ).rejects.toBeInstanceOf(RunOwnershipLostError);
        expect(await store.getRun('acme', 'r3')).toBeUndefined();
      });

      it('writes nothing at all for a group commit with one deposed run', async () => {
        await created('r1');
        await created('r2');
        await store.claimRun('acme', 'r2', 'proc-b', 60_000, 'proc-a');
        const batch = store.appendMany([
          { ns: 'acme', runId: 'r1', expectedNextSeq: 2, records: [rec(2)], fence: A },
          { ns: 'acme', runId: 'fresh', expectedNextSeq: 1, records: recs(1, 2) },
          {
            ns: 'acme',
            runId: 'r2',
            expectedNextSeq: 2,
            records: [rec(2)],
            fence: A,
            run: { status: 'completed', updatedAt: 5, lastSeq: 2, release: true },
          },
        ]);
        await expect(batch).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST', runId: 'r2' });
        expect(await store.read('acme', 'r1')).toEqual([rec(1)]);
        expect(await store.read('acme', 'fresh')).toEqual([]);
        expect(await store.getRun('acme', 'r2')).toMatchObject({
          status: 'running',
          owner: 'proc-b',
          epoch: 2,
        });
        // Without the deposed run, the same writes commit.
        await store.appendMany([
          { ns: 'acme', runId: 'r1', expectedNextSeq: 2, records: [rec(2)], fence: A },
          { ns: 'acme', runId: 'fresh', expectedNextSeq: 1, records: recs(1, 2) },
        ]);
        expect(await store.read('acme', 'r1')).toHaveLength(2);
      });

      it("releases nothing for a stale lease: the new owner's lease stays intact", async () => {
        await created('r1');
        const b = (await store.claimRun('acme', 'r1', 'proc-b', 60_000, 'proc-a'))!;
        const before = (await store.getRun('acme', 'r1'))!;
        await store.releaseRun('acme', 'r1', A);
        await store.releaseRun('acme', 'r1', { owner: 'proc-b', epoch: 1 }); // right owner, old epoch
        expect(await store.getRun('acme', 'r1')).toMatchObject({
          owner: 'proc-b',
          epoch: b.epoch,
          leaseUntil: before.leaseUntil,
        });
        // A fenced release with the run's last entry: the owner is cleared only by its own lease.
        await store.appendMany([
          {
            ns: 'acme',
            runId: 'r1',
            expectedNextSeq: 2,
            records: [rec(2)],
            fence: b,
            run: { status: 'completed', updatedAt: 9, lastSeq: 2, release: true },
          },
        ]);
        expect(await store.getRun('acme', 'r1')).toMatchObject({
          status: 'completed',
          leaseUntil: 0,
          epoch: 2,
        });
      });

      it('renews in one call every lease an owner still holds, in every namespace, and returns them with epochs', async () => {
        await created('r1', 1);
        await created('r2', 1, 'globex');
        await created('r3');
        await created('r4');
        await store.claimRun('acme', 'r3', 'proc-b', 60_000, 'proc-a'); // taken over
        await store.updateRun('acme', 'r4', { status: 'completed', updatedAt: 2, lastSeq: 1, release: true });
        await store.createRun({ ...newRun('r5', 1), owner: 'proc-b', leaseMs: 60_000 }); // never ours
        const renewed = await store.renewLeases('proc-a', 60_000);
        expect(renewed.sort((x, y) => (x.runId < y.runId ? -1 : 1))).toEqual([
          { ns: 'acme', runId: 'r1', owner: 'proc-a', epoch: 1, previousOwner: 'proc-a', previousEpoch: 1 },
          { ns: 'globex', runId: 'r2', owner: 'proc-a', epoch: 1, previousOwner: 'proc-a', previousEpoch: 1 },
        ]);
        // The 1 ms leases were extended: nobody can claim them now.
        await lapse();
        expect(await store.claimRun('acme', 'r1', 'proc-b', 60_000)).toBeUndefined();
        expect(await store.renewLeases('proc-nobody', 60_000)).toEqual([]);
      });

      it('claims only lapsed runs that have not ended, each exactly once across concurrent callers', async () => {
        const other = await connect();
        await created('r1', 1); // lapses
        await created('r2'); // live
        await store.createRun(newRun('r3', 1)); // no owner, not ended
        await created('r4', 1);
        await store.updateRun('acme', 'r4', { status: 'failed', updatedAt: 2, lastSeq: 1 }); // ended
        await created('r5', 1, 'globex'); // lapses, another namespace
        for (let i = 0; i < 8; i++) await created(`m${i}`, 1); // more lapsed runs to contend for
        await lapse();
        const one = await store.claimExpiredRuns('proc-x', 60_000, 1);
        expect(one).toHaveLength(1);
        const [x, y] = await Promise.all([
          store.claimExpiredRuns('proc-x', 60_000, 100),
          other.claimExpiredRuns('proc-y', 60_000, 100),
        ]);
        const all = [...one, ...x, ...y];
        const ids = all.map((c) => `${c.ns}/${c.runId}`).sort();
        expect(ids).toEqual(
          ['acme/r1', 'acme/r3', 'globex/r5', ...Array.from({ length: 8 }, (_, i) => `acme/m${i}`)].sort(),
        );
        expect(all.find((c) => c.runId === 'r1')).toMatchObject({
          epoch: 2,
          previousOwner: 'proc-a',
          previousEpoch: 1,
        });
        const r3 = all.find((c) => c.runId === 'r3')!;
        expect(r3).toMatchObject({ epoch: 1, previousEpoch: 0 });
        expect(r3.previousOwner).toBeUndefined();
        for (const c of all)
          expect(await store.getRun(c.ns, c.runId)).toMatchObject({ owner: c.owner, epoch: c.epoch });
        expect(await store.claimExpiredRuns('proc-z', 60_000, 100)).toEqual([]);
      });

      it('refuses saveSnapshot and deleteInbox with a stale fence, changing nothing', async () => {
        await created('r1');
        await store.saveSnapshot('acme', 'r1', 1, { at: 1 }, A);
        const id = await store.postToInbox('acme', 'r1', { kind: 'signal', payload: {}, at: 1 });
        await store.claimRun('acme', 'r1', 'proc-b', 60_000, 'proc-a');
        await expect(store.saveSnapshot('acme', 'r1', 5, { at: 5 }, A)).rejects.toBeInstanceOf(
          RunOwnershipLostError,
        );
        await expect(store.deleteInbox('acme', 'r1', id, A)).rejects.toMatchObject({
          code: 'BATON_E_RUN_OWNERSHIP_LOST',
        });
        expect(await store.loadSnapshot('acme', 'r1')).toEqual({ seq: 1, state: { at: 1 } });
        expect((await store.readInbox('acme', 'r1')).map((m) => m.id)).toEqual([id]);
        const b = { owner: 'proc-b', epoch: 2 };
        await store.saveSnapshot('acme', 'r1', 5, { at: 5 }, b);
        await store.deleteInbox('acme', 'r1', id, b);
        expect(await store.loadSnapshot('acme', 'r1')).toEqual({ seq: 5, state: { at: 5 } });
        expect(await store.readInbox('acme', 'r1')).toEqual([]);
      });
    });

    describe('inbox writers and watch()', () => {
      it('gives concurrent inbox writers on several handles distinct increasing ids, and a reader by cursor loses none', async () => {
        const writers = [store, await connect(), await connect()];
        const perWriter = 25;
        const reader = await connect();
        let done = false;
        const got: number[] = [];
        const reading = (async () => {
          let cursor = 0;
          for (;;) {
            const finished = done; // read once more after the writers finished
            const page = await reader.readInbox('acme', null, cursor);
            got.push(...page.map((m) => m.id));
            cursor = page.at(-1)?.id ?? cursor;
            if (finished) return;
          }
        })();
        const posted = await Promise.all(
          writers.map(async (w, k) => {
            const ids: number[] = [];
            for (let i = 0; i < perWriter; i++)
              ids.push(await w.postToInbox('acme', `r${k}`, { kind: 'signal', payload: { k, i }, at: i }));
            return ids;
          }),
        );
        done = true;
        await reading;
        for (const ids of posted) expect(ids).toEqual([...ids].sort((a, b) => a - b)); // increasing per writer
        const all = posted.flat().sort((a, b) => a - b);
        expect(new Set(all).size).toBe(writers.length * perWriter);
        expect((await store.readInbox('acme', null)).map((m) => m.id)).toEqual(all);
        expect(got).toEqual(all); // in id order, none skipped by the cursor
      });

      it("fires watch() after the store's own appends and inbox posts; a throwing listener breaks nothing", async () => {
        const seen: StoreChange[] = [];
        const stop = store.watch((c) => seen.push(c));
        const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        const stopBad = store.watch(() => {
          throw new Error('listener bug');
        });
        try {
          await store.append('acme', 'r1', 1, [rec(1)]);
          await store.appendMany([
            { ns: 'acme', runId: 'r1', expectedNextSeq: 2, records: [rec(2)] },
            { ns: 'globex', runId: 'r2', expectedNextSeq: 1, records: [rec(1)] },
          ]);
          await store.postToInbox('acme', 'r3', { kind: 'cancel', payload: {}, at: 1 });
          await vi.waitFor(() =>
            expect(seen).toEqual(
              expect.arrayContaining([
                { kind: 'journal', ns: 'acme', runId: 'r1' },
                { kind: 'journal', ns: 'globex', runId: 'r2' },
                { kind: 'inbox', ns: 'acme', runId: 'r3' },
              ]),
            ),
          );
          await vi.waitFor(() => expect(errors).toHaveBeenCalled());
          stop();
          stopBad();
          const count = seen.length;
          await store.append('acme', 'r1', 3, [rec(3)]);
          await store.read('acme', 'r1');
          await sleep(50); // a notification in flight would arrive by now
          expect(seen).toHaveLength(count);
        } finally {
          errors.mockRestore();
        }
      });

      const otherHandles = caps.watchMissesOtherHandles;
      if (otherHandles !== undefined)
        console.info(`store conformance (${name}): watch() across handles skipped: ${otherHandles}`);
      (otherHandles === undefined ? it : it.skip)(
        `fires watch() after another handle's commits${otherHandles === undefined ? '' : ` (skipped: ${otherHandles})`}`,
        async () => {
          const other = await connect();
          const seen: StoreChange[] = [];
          const stop = store.watch((c) => seen.push(c));
          try {
            await other.append('acme', 'r9', 1, [rec(1)]);
            await other.postToInbox('acme', 'r9', { kind: 'pause', payload: {}, at: 1 });
            await vi.waitFor(() =>
              expect(seen).toEqual(
                expect.arrayContaining([
                  { kind: 'journal', ns: 'acme', runId: 'r9' },
                  { kind: 'inbox', ns: 'acme', runId: 'r9' },
                ]),
              ),
            );
          } finally {
            stop();
          }
        },
      );
    });

    describe('plugins', () => {
      const wasm = (n: number) => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, n]);
      const plugin = (version: string, n: number, name = 'acme/auction') => ({
        name,
        version,
        sha256: `${'ab'.repeat(31)}${n.toString(16).padStart(2, '0')}`,
        manifest: { name, version, kind: 'pattern', abi: '1.1' },
        wasm: wasm(n),
      });

      it('stores a plugin by sha256, idempotently, and refuses other bytes under the same name@version', async () => {
        expect(await store.putPlugin('acme', plugin('1.0.0', 1))).toBe(true);
        expect(await store.putPlugin('acme', plugin('1.0.0', 1))).toBe(false);
        expect(await store.putPlugin('acme', plugin('1.1.0', 2))).toBe(true);
        const changed = store.putPlugin('acme', plugin('1.0.0', 3));
        await expect(changed).rejects.toBeInstanceOf(PluginConflictError);
        await expect(changed).rejects.toMatchObject({ code: 'BATON_E_PLUGIN_EXISTS', version: '1.0.0' });
        expect(await store.getPlugin('acme', plugin('1.0.0', 1).sha256)).toEqual(plugin('1.0.0', 1));
        expect(await store.getPlugin('acme', plugin('1.0.0', 3).sha256)).toBeUndefined();
        expect(await store.getPlugin('globex', plugin('1.0.0', 1).sha256)).toBeUndefined(); // namespaced
      });

      it('lists plugins without their bytes and deletes one version', async () => {
        await store.putPlugin('acme', plugin('1.0.0', 1));
        await store.putPlugin('acme', plugin('2.0.0', 2));
        await store.putPlugin('acme', plugin('1.0.0', 3, 'acme/bid'));
        const listed = await store.listPlugins('acme');
        expect(listed.map((p) => `${p.name}@${p.version}`)).toEqual([
          'acme/auction@1.0.0',
          'acme/auction@2.0.0',
          'acme/bid@1.0.0',
        ]);
        expect(listed[0]).toMatchObject({ sha256: plugin('1.0.0', 1).sha256, sizeBytes: 9 });
        expect(listed[0]).not.toHaveProperty('wasm');
        expect(await store.deletePlugin('acme', 'acme/auction', '1.0.0')).toBe(true);
        expect(await store.deletePlugin('acme', 'acme/auction', '1.0.0')).toBe(false);
        expect(await store.getPlugin('acme', plugin('1.0.0', 1).sha256)).toBeUndefined();
        expect((await store.listPlugins('acme')).map((p) => p.version)).toEqual(['2.0.0', '1.0.0']);
      });
    });

    describe('runs', () => {
      it('creates, reads and updates a run; summary is kept unless replaced', async () => {
        await store.createRun(newRun('r1', 1000));
        expect(await store.getRun('acme', 'r1')).toEqual({
          ns: 'acme',
          runId: 'r1',
          workflowName: 'review',
          workflowVersion: '1',
          status: 'running',
          createdAt: 1000,
          updatedAt: 1000,
          lastSeq: 0,
          input: { pr: 'r1' },
          leaseUntil: 0,
          epoch: 0,
        } satisfies RunRecord);
        await store.updateRun('acme', 'r1', {
          status: 'paused',
          updatedAt: 2000,
          lastSeq: 7,
          summary: { done: 3 },
        });
        await store.updateRun('acme', 'r1', { status: 'running', updatedAt: 3000, lastSeq: 9 });
        expect(await store.getRun('acme', 'r1')).toMatchObject({
          status: 'running',
          updatedAt: 3000,
          lastSeq: 9,
          summary: { done: 3 },
        });
        expect(await store.getRun('acme', 'missing')).toBeUndefined();
      });

      it('refuses a duplicate run id and an update of a missing run', async () => {
        await store.createRun(newRun('r1', 1000));
        await expect(store.createRun(newRun('r1', 2000, { status: 'other' }))).rejects.toBeInstanceOf(
          RunExistsError,
        );
        expect((await store.getRun('acme', 'r1'))?.status).toBe('running');
        const update = store.updateRun('acme', 'nope', { status: 'x', updatedAt: 1, lastSeq: 1 });
        await expect(update).rejects.toBeInstanceOf(RunNotFoundError);
        await expect(update).rejects.toMatchObject({ code: 'BATON_E_RUN_NOT_FOUND', runId: 'nope' });
      });

      it('lists newest first with stable cursor pages, even as new runs arrive', async () => {
        // Pairs of runs share a createdAt (ties are broken by run id), and are created out of order.
        const runs = Array.from({ length: 25 }, (_, i) =>
          newRun(`run-${String(i).padStart(2, '0')}`, 1000 + (i >> 1)),
        );
        for (let i = 0; i < 25; i++) await store.createRun(runs[(i * 7) % 25]!);
        const expected = runs
          .sort((a, b) => b.createdAt - a.createdAt || (a.runId < b.runId ? 1 : -1))
          .map((r) => r.runId);
        expect((await store.listRuns('acme', { limit: 1000 })).runs.map((r) => r.runId)).toEqual(expected);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listRuns('acme', { limit: 10, ...(cursor ? { cursor } : {}) });
          seen.push(...page.runs.map((r) => r.runId));
          cursor = page.nextCursor;
          pages++;
          // A run created mid-listing is newer than every cursor, so it never shifts later pages.
          if (pages === 1) await store.createRun(newRun('late', 5000));
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(expected);
      });

      it('filters by status and workflow name, and pages the filtered list', async () => {
        await store.createRun(newRun('a', 1, { status: 'completed' }));
        await store.createRun(newRun('b', 2, { workflowName: 'deploy' }));
        await store.createRun(newRun('c', 3, { status: 'completed', workflowName: 'deploy' }));
        await store.createRun(newRun('d', 4, { status: 'completed' }));
        const ids = async (o: Parameters<Store['listRuns']>[1]) =>
          (await store.listRuns('acme', o)).runs.map((r) => r.runId);
        expect(await ids({ status: 'completed' })).toEqual(['d', 'c', 'a']);
        expect(await ids({ workflowName: 'deploy' })).toEqual(['c', 'b']);
        expect(await ids({ status: 'completed', workflowName: 'deploy' })).toEqual(['c']);
        const first = await store.listRuns('acme', { status: 'completed', limit: 2 });
        expect(first.runs.map((r) => r.runId)).toEqual(['d', 'c']);
        const second = await store.listRuns('acme', {
          status: 'completed',
          limit: 2,
          cursor: first.nextCursor!,
        });
        expect(second.runs.map((r) => r.runId)).toEqual(['a']);
        expect(second.nextCursor).toBeUndefined();
      });

      it('refuses a malformed cursor and an out-of-range limit', async () => {
        await expect(store.listRuns('acme', { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
        await expect(store.listRuns('acme', { limit: 0 })).rejects.toBeInstanceOf(StoreInvalidArgumentError);
        await expect(store.listRuns('acme', { limit: 100_000 })).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
      });
    });

    describe('snapshots', () => {
      it('loads the latest snapshot and ignores an older one saved late', async () => {
        expect(await store.loadSnapshot('acme', 'r1')).toBeUndefined();
        await store.saveSnapshot('acme', 'r1', 100, { tasks: { a: 'done' } });
        await store.saveSnapshot('acme', 'r1', 200, { tasks: { a: 'done', b: 'done' } });
        await store.saveSnapshot('acme', 'r1', 150, { stale: true });
        expect(await store.loadSnapshot('acme', 'r1')).toEqual({
          seq: 200,
          state: { tasks: { a: 'done', b: 'done' } },
        });
      });
    });

    describe('workflows', () => {
      const wf = (version: string, source = `name: review\nversion: ${version}\n`) => ({
        name: 'review',
        version,
        source,
        spec: { name: 'review', version, tasks: [{ id: 't' }] },
      });

      it('stores versions; without a version, get returns the most recently stored one', async () => {
        await store.putWorkflow('acme', wf('2'));
        await store.putWorkflow('acme', wf('10'));
        await store.putWorkflow('acme', wf('1.5'));
        expect(await store.getWorkflow('acme', 'review', '10')).toEqual(wf('10'));
        expect((await store.getWorkflow('acme', 'review'))?.version).toBe('1.5');
        expect(await store.getWorkflow('acme', 'review', '3')).toBeUndefined();
        expect(await store.getWorkflow('acme', 'other')).toBeUndefined();
        expect(await store.listWorkflows('acme')).toEqual([
          { name: 'review', version: '2' },
          { name: 'review', version: '10' },
          { name: 'review', version: '1.5' },
        ]);
      });

      it('is idempotent for the same source and refuses a different source under the same version', async () => {
        await store.putWorkflow('acme', wf('1'));
        await store.putWorkflow('acme', wf('2'));
        await store.putWorkflow('acme', wf('1'));
        expect((await store.getWorkflow('acme', 'review'))?.version).toBe('2');
        const changed = store.putWorkflow('acme', wf('1', 'name: review\nversion: 1\n# edited\n'));
        await expect(changed).rejects.toBeInstanceOf(WorkflowConflictError);
        await expect(changed).rejects.toMatchObject({ code: 'BATON_E_WORKFLOW_CONFLICT', version: '1' });
        expect((await store.getWorkflow('acme', 'review', '1'))?.source).toBe(wf('1').source);
      });

      it('deletes one version (the previous becomes latest) or all of them', async () => {
        await store.putWorkflow('acme', wf('1'));
        await store.putWorkflow('acme', wf('2'));
        await store.putWorkflow('acme', { ...wf('1'), name: 'deploy' });
        expect(await store.deleteWorkflow('acme', 'review', '2')).toBe(1);
        expect((await store.getWorkflow('acme', 'review'))?.version).toBe('1');
        expect(await store.deleteWorkflow('acme', 'review', '2')).toBe(0);
        await store.putWorkflow('acme', wf('3'));
        expect(await store.deleteWorkflow('acme', 'review')).toBe(2);
        expect(await store.listWorkflows('acme')).toEqual([{ name: 'deploy', version: '1' }]);
      });
    });

    describe('dedupe (markSeen)', () => {
      it('answers true only the first time a (scope, id) is seen', async () => {
        expect(await store.markSeen('acme', 'events:r1', 'e1')).toBe(true);
        expect(await store.markSeen('acme', 'events:r1', 'e1')).toBe(false);
        expect(await store.markSeen('acme', 'events:r2', 'e1')).toBe(true);
        expect(await store.markSeen('acme', 'events:r1', 'e2')).toBe(true);
      });
    });

    describe('namespaces', () => {
      it('keeps the same run id, workflow and event id in two namespaces apart', async () => {
        for (const ns of ['acme', 'globex']) {
          await store.append(ns, 'r1', 1, [rec(1, { ns })]);
          await store.createRun({ ...newRun('r1', 1000), ns, input: { ns } });
          await store.saveSnapshot(ns, 'r1', 1, { ns });
          await store.putWorkflow(ns, { name: 'review', version: '1', source: `# ${ns}`, spec: { ns } });
          expect(await store.markSeen(ns, 'events', 'e1')).toBe(true);
        }
        await store.append('acme', 'r1', 2, [rec(2)]);
        expect((await store.read('globex', 'r1')).map((r) => r.data)).toEqual([{ ns: 'globex' }]);
        expect((await store.getRun('globex', 'r1'))?.input).toEqual({ ns: 'globex' });
        expect((await store.loadSnapshot('globex', 'r1'))?.state).toEqual({ ns: 'globex' });
        expect((await store.getWorkflow('globex', 'review'))?.source).toBe('# globex');
        expect((await store.listRuns('globex')).runs).toHaveLength(1);
        expect(await store.deleteWorkflow('acme', 'review')).toBe(1);
        expect(await store.listWorkflows('globex')).toEqual([{ name: 'review', version: '1' }]);
        expect(await store.getRun('initech', 'r1')).toBeUndefined();
      });
    });

    describe('lifecycle', () => {
      it('keeps everything across close and reopen', async () => {
        await store.append('acme', 'r1', 1, recs(1, 3));
        await store.createRun(newRun('r1', 1000));
        await store.saveSnapshot('acme', 'r1', 2, { at: 2 });
        await store.putWorkflow('acme', { name: 'review', version: '1', source: 's', spec: {} });
        await store.markSeen('acme', 'events', 'e1');
        await store.close();

        const reopened = await connect();
        expect(await reopened.read('acme', 'r1')).toEqual(recs(1, 3));
        expect((await reopened.getRun('acme', 'r1'))?.runId).toBe('r1');
        expect(await reopened.loadSnapshot('acme', 'r1')).toEqual({ seq: 2, state: { at: 2 } });
        expect((await reopened.getWorkflow('acme', 'review'))?.source).toBe('s');
        expect(await reopened.markSeen('acme', 'events', 'e1')).toBe(false);
        // The journal continues where it ended, and a stale seq still conflicts.
        await reopened.append('acme', 'r1', 4, [rec(4)]);
        await expect(reopened.append('acme', 'r1', 4, [rec(4)])).rejects.toBeInstanceOf(JournalConflictError);
      });

      it('opens the same data repeatedly without re-applying migrations or losing data', async () => {
        await store.append('acme', 'r1', 1, [rec(1)]);
        await store.close();
        for (let i = 0; i < 3; i++) {
          const s = await connect();
          await s.append('acme', 'r1', i + 2, [rec(i + 2)]);
          await s.close();
        }
        const last = await connect();
        expect((await last.read('acme', 'r1')).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      });

      it('rejects every call after close with StoreClosedError; closing twice is harmless', async () => {
        await store.close();
        await store.close();
        await expect(store.read('acme', 'r1')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.append('acme', 'r1', 1, [rec(1)])).rejects.toMatchObject({
          code: 'BATON_E_STORE_CLOSED',
        });
        await expect(store.markSeen('acme', 's', 'i')).rejects.toBeInstanceOf(StoreClosedError);
      });
    });
  });
}
