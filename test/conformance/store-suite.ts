// The Store contract as one vitest suite every adapter runs (SQLite now, PostgreSQL later): an adapter
// is conformant when this passes unchanged against it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hooksConformance } from './store-hooks.js';
import { ownershipConformance } from './store-ownership.js';
import {
  JournalConflictError,
  PluginConflictError,
  RunExistsError,
  RunNotFoundError,
  ScheduleExistsError,
  StoreClosedError,
  StoreInvalidArgumentError,
  WorkflowConflictError,
  type JournalRecord,
  type ClaimRequest,
  type NewRun,
  type NewSchedule,
  type RunRecord,
  type Store,
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

const newSchedule = (scheduleId: string, extra: Partial<NewSchedule> = {}): NewSchedule => ({
  ns: 'acme',
  scheduleId,
  spec: { cron: '0 2 * * *', workflow: 'review' },
  paused: false,
  note: '',
  nextFireAt: 5000,
  wakeAt: 5000,
  state: { pending: [] },
  createdAt: 1000,
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
        const before = await store.clock();
        const a = await store.claimRun('acme', 'r1', 'proc-a', 60_000);
        expect(a).toEqual({ ns: 'acme', runId: 'r1', owner: 'proc-a', epoch: 1, previousEpoch: 0 });
        const row = await store.getRun('acme', 'r1');
        expect(row).toMatchObject({ owner: 'proc-a', epoch: 1 });
        // The lease runs by the store's clock.
        expect(row!.leaseUntil).toBeGreaterThanOrEqual(before + 60_000);
        expect(row!.leaseUntil).toBeLessThanOrEqual((await store.clock()) + 60_000);
        expect(await store.claimRun('acme', 'r1', 'proc-b', 60_000)).toBeUndefined();
        // A re-claim by the owner renews the lease and keeps the epoch.
        expect(await store.claimRun('acme', 'r1', 'proc-a', 60_000)).toMatchObject({
          owner: 'proc-a',
          epoch: 1,
          previousOwner: 'proc-a',
          previousEpoch: 1,
        });
        // A live lease can be taken over only from the owner the caller names as dead.
        expect(await store.claimRun('acme', 'r1', 'proc-d', 60_000, 'proc-x')).toBeUndefined();
        const d = await store.claimRun('acme', 'r1', 'proc-d', 60_000, 'proc-a');
        expect(d).toMatchObject({ owner: 'proc-d', epoch: 2, previousOwner: 'proc-a', previousEpoch: 1 });
        await store.releaseRun('acme', 'r1', a!); // not the owner any more: no effect
        expect(await store.getRun('acme', 'r1')).toMatchObject({ owner: 'proc-d', epoch: 2 });
        await store.releaseRun('acme', 'r1', d!);
        expect(await store.getRun('acme', 'r1')).toMatchObject({ leaseUntil: 0, epoch: 2 });
        expect((await store.getRun('acme', 'r1'))?.owner).toBeUndefined();
        // Claimed from nobody: the epoch still moves on.
        const c = await store.claimRun('acme', 'r1', 'proc-c', 1);
        expect(c).toEqual({ ns: 'acme', runId: 'r1', owner: 'proc-c', epoch: 3, previousEpoch: 0 });
        await sleep(20); // proc-c's lease lapses by the store's clock
        expect(await store.claimRun('acme', 'r1', 'proc-e', 60_000)).toMatchObject({
          epoch: 4,
          previousOwner: 'proc-c',
          previousEpoch: 3,
        });
        expect(await store.claimRun('acme', 'missing', 'proc-c', 5_000)).toBeUndefined();
        expect(await store.claimRun('other', 'r1', 'proc-c', 5_000)).toBeUndefined(); // namespaced
        // A run that ended is never claimed again.
        await store.updateRun('acme', 'r1', { status: 'completed', updatedAt: 2, lastSeq: 0, release: true });
        expect(await store.claimRun('acme', 'r1', 'proc-f', 5_000)).toBeUndefined();
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
        const create = { ...newRun('r7', 1000), owner: 'proc-a', leaseMs: 9_000 };
        const fence = { owner: 'proc-a', epoch: 1 };
        await store.appendMany([
          { ns: 'acme', runId: 'r7', expectedNextSeq: 1, records: [rec(1)], create, fence },
        ]);
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
        await store.createRun({ ...newRun('r9', 1000), owner: 'proc-a', leaseMs: 50_000 });
        expect(await store.claimRun('acme', 'r9', 'proc-b', 5_000)).toBeUndefined();
        await store.appendMany([
          {
            ns: 'acme',
            runId: 'r9',
            expectedNextSeq: 1,
            records: [rec(1)],
            run: { status: 'completed', updatedAt: 3000, lastSeq: 1, release: true },
            fence: { owner: 'proc-a', epoch: 1 },
          },
        ]);
        expect(await store.getRun('acme', 'r9')).toMatchObject({
          status: 'completed',
          lastSeq: 1,
          leaseUntil: 0,
          epoch: 1,
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

    ownershipConformance(() => ({ store, connect }), caps);
    hooksConformance(() => ({ store, connect }));
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

    describe('run deletion and retention', () => {
      const ENDED = ['completed', 'failed', 'cancelled'];
      /** A run with two journal entries, a snapshot and an inbox message, in `status`, updated at `at`. */
      async function seed(runId: string, status: string, at: number, ns = 'acme'): Promise<void> {
        await store.createRun({ ...newRun(runId, at - 10), ns });
        await store.append(ns, runId, 1, recs(1, 2));
        await store.saveSnapshot(ns, runId, 2, { at });
        await store.postToInbox(ns, runId, { kind: 'signal', payload: {}, at });
        await store.updateRun(ns, runId, { status, updatedAt: at, lastSeq: 2 });
      }
      const gone = async (runId: string, ns = 'acme') => {
        expect(await store.getRun(ns, runId)).toBeUndefined();
        expect(await store.read(ns, runId)).toEqual([]);
        expect(await store.loadSnapshot(ns, runId)).toBeUndefined();
        expect(await store.readInbox(ns, runId)).toEqual([]);
      };

      it('deletes an ended run with its journal, snapshot and inbox, and nothing of other runs', async () => {
        await seed('done', 'completed', 2000);
        await seed('other', 'completed', 2000);
        expect(await store.deleteRun('acme', 'done', ENDED)).toEqual({ deleted: true });
        await gone('done');
        expect(await store.read('acme', 'other')).toHaveLength(2);
        expect(await store.readInbox('acme', 'other')).toHaveLength(1);
        // Its id can be used again, from seq 1.
        await store.append('acme', 'done', 1, [rec(1)]);
      });

      it('refuses a run whose status is not listed, and says there is no such run', async () => {
        await seed('live', 'executing', 2000);
        expect(await store.deleteRun('acme', 'live', ENDED)).toEqual({ deleted: false, status: 'executing' });
        expect(await store.read('acme', 'live')).toHaveLength(2);
        expect(await store.deleteRun('acme', 'nope', ENDED)).toEqual({ deleted: false });
        expect(await store.deleteRun('globex', 'live', ENDED)).toEqual({ deleted: false });
      });

      it('purges ended runs last updated before a time, in bounded batches, oldest first', async () => {
        for (let i = 0; i < 5; i++) await seed(`old${i}`, ENDED[i % 3]!, 1000 + i);
        await seed('young', 'completed', 9000);
        await seed('running', 'executing', 1000);
        await seed('paused', 'paused', 1000);
        await seed('other-ns', 'completed', 1000, 'globex');
        const first = await store.purgeRuns('acme', { statuses: ENDED, updatedBefore: 5000, limit: 2 });
        expect(first).toEqual(['old0', 'old1']);
        const rest = await store.purgeRuns('acme', { statuses: ENDED, updatedBefore: 5000, limit: 2 });
        expect(rest).toEqual(['old2', 'old3']);
        expect(await store.purgeRuns('acme', { statuses: ENDED, updatedBefore: 5000, limit: 2 })).toEqual([
          'old4',
        ]);
        expect(await store.purgeRuns('acme', { statuses: ENDED, updatedBefore: 5000, limit: 2 })).toEqual([]);
        for (let i = 0; i < 5; i++) await gone(`old${i}`);
        const left = (await store.listRuns('acme')).runs.map((r) => r.runId).sort();
        expect(left).toEqual(['paused', 'running', 'young']);
        expect(await store.getRun('globex', 'other-ns')).toBeDefined();
        await expect(
          store.purgeRuns('acme', { statuses: ENDED, updatedBefore: 5000, limit: 0 }),
        ).rejects.toBeInstanceOf(StoreInvalidArgumentError);
      });
    });

    describe('schedules', () => {
      it('creates, reads, lists by id with cursor pages, and deletes schedules', async () => {
        for (const id of ['c', 'a', 'b']) await store.createSchedule(newSchedule(id));
        await store.createSchedule(newSchedule('a', { ns: 'globex' }));
        expect(await store.getSchedule('acme', 'a')).toEqual({
          ...newSchedule('a'),
          revision: 1,
          updatedAt: 1000,
        });
        const page = await store.listSchedules('acme', { limit: 2 });
        expect(page.schedules.map((s) => s.scheduleId)).toEqual(['a', 'b']);
        const next = await store.listSchedules('acme', { limit: 2, cursor: page.nextCursor! });
        expect(next.schedules.map((s) => s.scheduleId)).toEqual(['c']);
        expect(next.nextCursor).toBeUndefined();
        expect(await store.deleteSchedule('acme', 'b')).toBe(true);
        expect(await store.deleteSchedule('acme', 'b')).toBe(false);
        expect(await store.getSchedule('acme', 'b')).toBeUndefined();
        expect((await store.listSchedules('globex')).schedules.map((s) => s.scheduleId)).toEqual(['a']);
        await expect(store.listSchedules('acme', { cursor: 'nope' })).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
      });

      it('refuses a duplicate schedule id and a spec that is not JSON', async () => {
        await store.createSchedule(newSchedule('a'));
        await expect(store.createSchedule(newSchedule('a'))).rejects.toBeInstanceOf(ScheduleExistsError);
        await expect(store.createSchedule(newSchedule('x', { spec: { n: 1n } }))).rejects.toBeInstanceOf(
          StoreInvalidArgumentError,
        );
      });

      it('updates only at the expected revision: of two claims of the same fire exactly one wins', async () => {
        await store.createSchedule(newSchedule('a'));
        const other = await connect();
        const claim = (s: Store, by: string) =>
          s.updateSchedule('acme', 'a', 1, {
            spec: newSchedule('a').spec,
            paused: false,
            note: '',
            nextFireAt: 6000,
            wakeAt: 6000,
            state: { pending: [5000], by },
            updatedAt: 5001,
          });
        const results = await Promise.all([claim(store, 'one'), claim(other, 'two')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const after = (await store.getSchedule('acme', 'a'))!;
        expect(after).toMatchObject({ revision: 2, nextFireAt: 6000, updatedAt: 5001, createdAt: 1000 });
        expect((after.state as { by: string }).by).toBe(results[0] ? 'one' : 'two');
        expect(await claim(store, 'late')).toBe(false);
        expect(await store.updateSchedule('acme', 'gone', 1, { ...newSchedule('gone'), updatedAt: 1 })).toBe(
          false,
        );
      });

      it('lists due schedules (not paused, wakeAt reached), earliest first, at most limit', async () => {
        await store.createSchedule(newSchedule('late', { wakeAt: 3000 }));
        await store.createSchedule(newSchedule('early', { wakeAt: 2000 }));
        await store.createSchedule(newSchedule('future', { wakeAt: 9000 }));
        await store.createSchedule(newSchedule('paused', { wakeAt: 1000, paused: true }));
        await store.createSchedule(newSchedule('never', { wakeAt: null, nextFireAt: null }));
        await store.createSchedule(newSchedule('elsewhere', { ns: 'globex', wakeAt: 1000 }));
        const due = await store.dueSchedules('acme', 5000, 10);
        expect(due.map((s) => s.scheduleId)).toEqual(['early', 'late']);
        expect((await store.dueSchedules('acme', 5000, 1)).map((s) => s.scheduleId)).toEqual(['early']);
        const a = (await store.getSchedule('acme', 'paused'))!;
        await store.updateSchedule('acme', 'paused', a.revision, { ...a, paused: false, updatedAt: 2 });
        expect((await store.dueSchedules('acme', 5000, 10))[0]!.scheduleId).toBe('paused');
      });

      it('keeps schedules across close and reopen', async () => {
        await store.createSchedule(newSchedule('a', { paused: true, note: 'holiday' }));
        await store.close();
        const reopened = await connect();
        expect(await reopened.getSchedule('acme', 'a')).toMatchObject({ paused: true, note: 'holiday' });
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

    describe('start request ids (findRunByRequest)', () => {
      it('finds the run a request_id created, per namespace, and refuses a second run of it', async () => {
        await store.createRun(newRun('r1', 1000, { requestId: 'once' }));
        await store.createRun(newRun('r2', 1001));
        expect(await store.findRunByRequest('acme', 'once')).toBe('r1');
        expect(await store.findRunByRequest('acme', 'other')).toBeUndefined();
        expect(await store.findRunByRequest('globex', 'once')).toBeUndefined();
        const dup = store.createRun(newRun('r3', 1002, { requestId: 'once' }));
        await expect(dup).rejects.toBeInstanceOf(RunExistsError);
        await expect(dup).rejects.toThrow(/request_id "once"/);
        // Nothing of the refused run was written.
        expect(await store.getRun('acme', 'r3')).toBeUndefined();
        await store.createRun({ ...newRun('r1', 1003, { requestId: 'once' }), ns: 'globex' });
        expect(await store.findRunByRequest('globex', 'once')).toBe('r1');
      });

      it('creates the run and its request_id in the same group commit as its first entries', async () => {
        await store.appendMany([
          {
            ns: 'acme',
            runId: 'r1',
            expectedNextSeq: 1,
            records: [rec(1)],
            create: newRun('r1', 1000, { requestId: 'k' }),
          },
        ]);
        const dup = store.appendMany([
          {
            ns: 'acme',
            runId: 'r2',
            expectedNextSeq: 1,
            records: [rec(1)],
            create: newRun('r2', 1001, { requestId: 'k' }),
          },
        ]);
        await expect(dup).rejects.toBeInstanceOf(RunExistsError);
        expect(await store.read('acme', 'r2')).toEqual([]);
        expect(await store.findRunByRequest('acme', 'k')).toBe('r1');
      });
    });

    describe('workers: roster and work claims', () => {
      const w = (workerId: string, routes = ['q']) => ({
        workerId,
        routes,
        capabilities: ['c'],
        capacity: 2,
        inFlight: 1,
      });
      const claim = (instance: string, now: number, extra: Partial<ClaimRequest> = {}): ClaimRequest => ({
        idem: 'r1/3/0',
        runId: 'r1',
        route: 'q',
        entryId: '1-0',
        instance,
        workerId: '',
        now,
        staleBefore: now - 1000,
        ...extra,
      });

      it("replaces an instance's roster rows, keeps other instances', and drops and hides stale rows", async () => {
        await store.putWorkers('acme', 'i1', [w('a'), w('b', ['q', 'x'])], 1000, 0);
        await store.putWorkers('acme', 'i2', [w('c')], 1500, 0);
        await store.putWorkers('acme', 'i1', [w('b', ['x'])], 2000, 0);
        expect(await store.listWorkers('acme', 0)).toEqual([
          {
            workerId: 'b',
            instance: 'i1',
            routes: ['x'],
            capabilities: ['c'],
            capacity: 2,
            inFlight: 1,
            heartbeatAt: 2000,
          },
          {
            workerId: 'c',
            instance: 'i2',
            routes: ['q'],
            capabilities: ['c'],
            capacity: 2,
            inFlight: 1,
            heartbeatAt: 1500,
          },
        ]);
        expect((await store.listWorkers('acme', 1500)).map((r) => r.workerId)).toEqual(['b']);
        await store.putWorkers('acme', 'i1', [w('b')], 3000, 2000); // i2 last heartbeated at 1500: gone
        expect((await store.listWorkers('acme', 0)).map((r) => r.instance)).toEqual(['i1']);
        expect(await store.listWorkers('globex', 0)).toEqual([]);
      });

      it('gives an attempt to one instance until its claim goes stale, then to another; a done claim to none', async () => {
        expect(await store.claimWork('acme', claim('i1', 1000, { workerId: 'w1' }))).toEqual({
          kind: 'claimed',
        });
        expect(await store.claimWork('acme', claim('i1', 1100))).toEqual({ kind: 'claimed' });
        const held = await store.claimWork('acme', claim('i2', 1200, { entryId: '2-0' }));
        expect(held).toMatchObject({
          kind: 'held',
          claim: { instance: 'i1', workerId: 'w1', entryId: '1-0' },
        });
        await store.renewWork('acme', 'i1', 5000);
        expect(await store.claimWork('acme', claim('i2', 5500))).toMatchObject({ kind: 'held' });
        // i1 went silent: its claim is taken over, keeping the worker hint; or at once when known dead.
        const taken = await store.claimWork('acme', claim('i2', 7000, { entryId: '2-0' }));
        expect(taken).toMatchObject({ kind: 'claimed', previous: { instance: 'i1', workerId: 'w1' } });
        expect(await store.getWork('acme', 'r1/3/0')).toMatchObject({
          instance: 'i2',
          workerId: 'w1',
          entryId: '2-0',
        });
        expect(await store.claimWork('acme', claim('i3', 7100, { takeOverFrom: 'i2' }))).toMatchObject({
          kind: 'claimed',
        });
        await store.assignWork('acme', 'r1/3/0', 'i2', 'w9', 7200); // i2 no longer holds it: no effect
        await store.assignWork('acme', 'r1/3/0', 'i3', 'w3', 7200);
        expect(await store.getWork('acme', 'r1/3/0')).toMatchObject({
          instance: 'i3',
          workerId: 'w3',
          done: false,
        });
        expect(await store.finishWork('acme', 'r1/3/0', 7300)).toBe(true);
        expect(await store.finishWork('acme', 'r1/3/0', 7400)).toBe(false);
        expect(await store.claimWork('acme', claim('i1', 99_999))).toMatchObject({ kind: 'done' });
      });

      it('releases a claim only for its holder, records a result nobody claimed, and prunes old claims', async () => {
        await store.claimWork('acme', claim('i1', 1000));
        await store.releaseWork('acme', 'r1/3/0', 'i2');
        expect(await store.claimWork('acme', claim('i2', 1100))).toMatchObject({ kind: 'held' });
        await store.assignWork('acme', 'r1/3/0', 'i1', 'w1', 1150);
        await store.releaseWork('acme', 'r1/3/0', 'i1');
        // Free for anyone at once, with the worker that had it as a hint.
        expect(await store.claimWork('acme', claim('i2', 1200))).toMatchObject({
          kind: 'claimed',
          previous: { instance: '', workerId: 'w1' },
        });
        expect(await store.finishWork('acme', 'other', 1300)).toBe(true);
        expect(await store.getWork('acme', 'other')).toMatchObject({ done: true });
        expect(await store.pruneWork('acme', 1250)).toBe(1);
        expect(await store.getWork('acme', 'r1/3/0')).toBeUndefined();
        expect(await store.getWork('acme', 'other')).toMatchObject({ done: true });
      });

      it('posts a result to the run inbox and closes its claim in one step, claimed or not', async () => {
        await store.claimWork('acme', claim('i1', 1000));
        const payload = { idem: 'r1/3/0', output: { ok: true } };
        const id = await store.postResult(
          'acme',
          'r1',
          { kind: 'result', payload, at: 1100 },
          'r1/3/0',
          1100,
        );
        expect(await store.readInbox('acme', 'r1')).toEqual([
          { id, runId: 'r1', kind: 'result', payload, at: 1100 },
        ]);
        expect(await store.getWork('acme', 'r1/3/0')).toMatchObject({ instance: 'i1', done: true });
        expect(await store.claimWork('acme', claim('i2', 99_999))).toMatchObject({ kind: 'done' });
        // A result nobody claimed (its holder's claim was pruned) is recorded done all the same.
        const late = await store.postResult(
          'acme',
          'r1',
          { kind: 'result', payload, at: 1200 },
          'nobody',
          1200,
        );
        expect(late).toBeGreaterThan(id);
        expect(await store.getWork('acme', 'nobody')).toMatchObject({ done: true });
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
