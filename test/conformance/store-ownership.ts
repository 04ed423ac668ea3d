// The fenced-ownership part of the Store contract (store.ts RunLease, claimRun, renewLeases,
// claimExpiredRuns, fenced writes, watch): run by store-suite.ts for every adapter. Leases are short and
// the tests wait for them to lapse, because expiry is by the store's clock, not the test's.

import { describe, expect, it } from 'vitest';
import {
  RunOwnershipLostError,
  type AppendRequest,
  type JournalRecord,
  type NewRun,
  type RunLease,
  type Store,
  type StoreChange,
} from '../../src/store/store.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `ok` holds: notifications from a database arrive asynchronously. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await sleep(10);
  if (!ok()) throw new Error(`never happened: ${what}`);
}

const rec = (seq: number, data: unknown = { n: seq }): JournalRecord => ({
  seq,
  type: 'TaskCompleted',
  v: 1,
  at: 1_700_000_000_000 + seq,
  data,
});

const run = (runId: string, extra: Partial<NewRun> = {}): NewRun => ({
  ns: 'acme',
  runId,
  workflowName: 'review',
  workflowVersion: '1',
  status: 'executing',
  createdAt: 1000,
  input: {},
  ...extra,
});

const fenced = (runId: string, next: number, fence: RunLease, ns = 'acme'): AppendRequest => ({
  ns,
  runId,
  expectedNextSeq: next,
  records: [rec(next, { by: fence.owner })],
  fence,
});

export function ownershipConformance(
  ctx: () => { store: Store; connect: () => Promise<Store> },
  caps: { readonly watchMissesOtherHandles?: string } = {},
): void {
  describe('fenced run ownership', () => {
    it('accepts the current fence, refuses a deposed one (takeover or lapsed lease) and writes nothing', async () => {
      const { store, connect } = ctx();
      const other = await connect();
      await store.createRun(run('f1', { owner: 'a', leaseMs: 60_000 }));
      const a = { owner: 'a', epoch: 1 };
      await store.appendMany([fenced('f1', 1, a)]);
      // Taken over from an owner the caller knows is dead, on another handle.
      const b = await other.claimRun('acme', 'f1', 'b', 60_000, 'a');
      expect(b).toMatchObject({ owner: 'b', epoch: 2, previousOwner: 'a', previousEpoch: 1 });
      const stale = store.appendMany([fenced('f1', 2, a)]);
      await expect(stale).rejects.toBeInstanceOf(RunOwnershipLostError);
      await expect(stale).rejects.toMatchObject({
        code: 'BATON_E_RUN_OWNERSHIP_LOST',
        ns: 'acme',
        runId: 'f1',
        lease: a,
      });
      expect(await store.read('acme', 'f1')).toEqual([rec(1, { by: 'a' })]);
      await store.appendMany([fenced('f1', 2, b!)]);
      expect((await other.read('acme', 'f1')).map((r) => r.data)).toEqual([{ by: 'a' }, { by: 'b' }]);

      // A lapsed lease alone does not fail the owner's append; a claim after it does.
      await store.createRun(run('f2', { owner: 'a', leaseMs: 1 }));
      await sleep(20);
      await store.appendMany([fenced('f2', 1, a)]);
      const c = await store.claimRun('acme', 'f2', 'c', 60_000);
      expect(c).toMatchObject({ owner: 'c', epoch: 2, previousOwner: 'a', previousEpoch: 1 });
      await expect(store.appendMany([fenced('f2', 2, a)])).rejects.toBeInstanceOf(RunOwnershipLostError);
      await expect(other.appendMany([fenced('f2', 2, a)])).rejects.toBeInstanceOf(RunOwnershipLostError);
      await store.appendMany([fenced('f2', 2, c!)]);
      expect(await store.read('acme', 'f2')).toHaveLength(2);
      // A fence for a run that has no row fails as well.
      await expect(store.appendMany([fenced('nobody', 1, a)])).rejects.toBeInstanceOf(RunOwnershipLostError);
    });

    it('writes nothing of a group commit that holds one deposed run', async () => {
      const { store } = ctx();
      for (const id of ['x', 'y', 'z']) await store.createRun(run(id, { owner: 'a', leaseMs: 60_000 }));
      const a = { owner: 'a', epoch: 1 };
      await store.claimRun('acme', 'y', 'b', 60_000, 'a');
      const batch = store.appendMany([
        fenced('x', 1, a),
        fenced('y', 1, a),
        { ns: 'acme', runId: 'z', expectedNextSeq: 1, records: [rec(1)] },
      ]);
      await expect(batch).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST', runId: 'y' });
      for (const id of ['x', 'y', 'z']) expect(await store.read('acme', id)).toEqual([]);
      // Without the deposed run the same batch commits.
      await store.appendMany([
        fenced('x', 1, a),
        { ns: 'acme', runId: 'z', expectedNextSeq: 1, records: [rec(1)] },
      ]);
      expect(await store.read('acme', 'x')).toHaveLength(1);
    });

    it("leaves the new owner's lease intact when a deposed owner releases", async () => {
      const { store } = ctx();
      await store.createRun(run('r', { owner: 'a', leaseMs: 60_000 }));
      const b = await store.claimRun('acme', 'r', 'b', 60_000, 'a');
      const held = await store.getRun('acme', 'r');
      await store.releaseRun('acme', 'r', { owner: 'a', epoch: 1 });
      await store.releaseRun('acme', 'r', { owner: 'b', epoch: 1 }); // right owner, wrong epoch
      expect(await store.getRun('acme', 'r')).toEqual(held);
      expect(held).toMatchObject({ owner: 'b', epoch: 2 });
      await store.releaseRun('acme', 'r', b!);
      expect((await store.getRun('acme', 'r'))?.owner).toBeUndefined();
    });

    it('renews every lease an owner still holds, in all namespaces, and returns them with their epochs', async () => {
      const { store } = ctx();
      await store.createRun(run('r1', { owner: 'a', leaseMs: 1 }));
      await store.createRun(run('r2', { owner: 'a', leaseMs: 1 }));
      await store.createRun(run('r1', { ns: 'other', owner: 'a', leaseMs: 1 }));
      await store.createRun(run('r3', { owner: 'a', leaseMs: 60_000 }));
      await store.createRun(run('r4', { owner: 'z', leaseMs: 60_000 }));
      await store.claimRun('acme', 'r3', 'b', 60_000, 'a'); // taken over: no longer a's
      await store.claimRun('acme', 'r2', 'a', 60_000); // re-claimed: still epoch 1
      await sleep(20); // r1's leases lapse, but nobody took them
      const renewed = await store.renewLeases('a', 60_000);
      expect(renewed.map((c) => ({ ns: c.ns, runId: c.runId, owner: c.owner, epoch: c.epoch }))).toEqual(
        expect.arrayContaining([
          { ns: 'acme', runId: 'r1', owner: 'a', epoch: 1 },
          { ns: 'other', runId: 'r1', owner: 'a', epoch: 1 },
          { ns: 'acme', runId: 'r2', owner: 'a', epoch: 1 },
        ]),
      );
      expect(renewed).toHaveLength(3);
      // Renewed: the lapsed lease is live again, so nobody else can claim the run.
      expect(await store.claimRun('acme', 'r1', 'b', 60_000)).toBeUndefined();
      expect(await store.claimExpiredRuns('b', 60_000, 10)).toEqual([]);
      expect(await store.renewLeases('nobody', 60_000)).toEqual([]);
    });

    it('claims only expired runs that have not ended, each once across concurrent handles', async () => {
      const { store, connect } = ctx();
      const others = [await connect(), await connect()];
      const expired: string[] = [];
      for (let i = 0; i < 24; i++) {
        const id = `e${String(i).padStart(2, '0')}`;
        expired.push(id);
        await store.createRun(run(id, { owner: 'dead', leaseMs: 1 }));
      }
      await store.createRun(run('free')); // never claimed, not ended: claimable
      await store.createRun(run('live', { owner: 'alive', leaseMs: 60_000 }));
      await store.createRun(run('done', { owner: 'dead', leaseMs: 1 }));
      await store.updateRun('acme', 'done', { status: 'completed', updatedAt: 2, lastSeq: 0 });
      await store.createRun(run('failed', { status: 'failed' }));
      await store.createRun(run('cancelled', { status: 'cancelled' }));
      await sleep(20);

      const claims = (
        await Promise.all(
          [store, ...others].map(async (s, i) => {
            const mine = [];
            for (;;) {
              const batch = await s.claimExpiredRuns(`claimer-${i}`, 60_000, 4);
              expect(batch.length).toBeLessThanOrEqual(4);
              if (batch.length === 0) return mine;
              mine.push(...batch);
            }
          }),
        )
      ).flat();
      expect(claims.map((c) => c.runId).sort()).toEqual([...expired, 'free'].sort());
      for (const c of claims) {
        if (c.runId === 'free') expect(c).toMatchObject({ epoch: 1, previousEpoch: 0 });
        else expect(c).toMatchObject({ epoch: 2, previousOwner: 'dead', previousEpoch: 1 });
        expect(c.previousOwner === undefined).toBe(c.runId === 'free');
        expect(await store.getRun('acme', c.runId)).toMatchObject({ owner: c.owner, epoch: c.epoch });
      }
      expect(await store.getRun('acme', 'live')).toMatchObject({ owner: 'alive', epoch: 1 });
      expect(await store.getRun('acme', 'done')).toMatchObject({ owner: 'dead', epoch: 1 });
    });

    it("leaves an owner's own lapsed runs out of its claims: its renewal keeps them, under the same epoch", async () => {
      const { store } = ctx();
      await store.createRun(run('mine', { owner: 'a', leaseMs: 1 }));
      await store.createRun(run('theirs', { owner: 'z', leaseMs: 1 }));
      await sleep(20); // both leases lapse
      // A claim of its own run would depose the owner's live driver (a new epoch fences its writes).
      expect((await store.claimExpiredRuns('a', 60_000, 10)).map((c) => c.runId)).toEqual(['theirs']);
      expect(await store.getRun('acme', 'mine')).toMatchObject({ owner: 'a', epoch: 1 });
      expect((await store.renewLeases('a', 60_000)).map((c) => [c.runId, c.epoch]).sort()).toEqual([
        ['mine', 1],
        ['theirs', 2],
      ]);
    });

    it("claims expired runs of the namespace asked for only, leaving other namespaces' runs untouched", async () => {
      const { store } = ctx();
      await store.createRun(run('r1', { owner: 'dead', leaseMs: 1 }));
      await store.createRun(run('r1', { ns: 'other', owner: 'dead', leaseMs: 1 }));
      await store.createRun(run('r2', { ns: 'other' })); // never claimed: lapsed too
      await sleep(20);
      const mine = await store.claimExpiredRuns('b', 60_000, 10, 'acme');
      expect(mine.map((c) => [c.ns, c.runId, c.epoch])).toEqual([['acme', 'r1', 2]]);
      // Not claimed (nor released again): the other namespace's runs keep their owner and epoch.
      expect(await store.getRun('other', 'r1')).toMatchObject({ owner: 'dead', epoch: 1 });
      expect(await store.getRun('other', 'r2')).toMatchObject({ epoch: 0 });
      expect(await store.getRun('other', 'r2')).not.toHaveProperty('owner');
      expect(await store.claimExpiredRuns('b', 60_000, 10, 'nobody-here')).toEqual([]);
      // Without a namespace, any namespace's lapsed runs are claimed.
      const rest = await store.claimExpiredRuns('c', 60_000, 10);
      expect(rest.map((c) => `${c.ns}/${c.runId}`).sort()).toEqual(['other/r1', 'other/r2']);
    });

    it('refuses a snapshot or an inbox deletion under a stale fence, changing nothing', async () => {
      const { store } = ctx();
      await store.createRun(run('s', { owner: 'a', leaseMs: 60_000 }));
      const a = { owner: 'a', epoch: 1 };
      await store.saveSnapshot('acme', 's', 5, { at: 5 }, a);
      const id = await store.postToInbox('acme', 's', { kind: 'signal', payload: {}, at: 1 });
      const b = await store.claimRun('acme', 's', 'b', 60_000, 'a');
      expect(b).toMatchObject({ owner: 'b', epoch: 2 });
      await expect(store.saveSnapshot('acme', 's', 9, { at: 9 }, a)).rejects.toBeInstanceOf(
        RunOwnershipLostError,
      );
      expect(await store.loadSnapshot('acme', 's')).toEqual({ seq: 5, state: { at: 5 } });
      await expect(store.deleteInbox('acme', 's', id, a)).rejects.toMatchObject({
        code: 'BATON_E_RUN_OWNERSHIP_LOST',
      });
      expect((await store.readInbox('acme', 's')).map((m) => m.id)).toEqual([id]);
      await store.saveSnapshot('acme', 's', 9, { at: 9 }, b);
      await store.deleteInbox('acme', 's', id, b);
      expect(await store.loadSnapshot('acme', 's')).toEqual({ seq: 9, state: { at: 9 } });
      expect(await store.readInbox('acme', 's')).toEqual([]);
    });

    it('gives concurrent inbox writers on several handles distinct increasing ids and loses nothing', async () => {
      const { store, connect } = ctx();
      const writers = [store, await connect(), await connect()];
      const ids = await Promise.all(
        writers.map(async (s, w) => {
          const mine: number[] = [];
          for (let i = 0; i < 15; i++)
            mine.push(await s.postToInbox('acme', 'r', { kind: 'signal', payload: { w, i }, at: i }));
          return mine;
        }),
      );
      for (const mine of ids) expect([...mine].sort((x, y) => x - y)).toEqual(mine);
      expect(new Set(ids.flat()).size).toBe(45);
      const inbox = await store.readInbox('acme', 'r');
      expect(inbox.map((m) => m.id)).toEqual(ids.flat().sort((x, y) => x - y));
      for (let w = 0; w < 3; w++) {
        const fromW = inbox.filter((m) => (m.payload as { w: number }).w === w);
        expect(fromW.map((m) => (m.payload as { i: number }).i)).toEqual([...Array(15).keys()]);
      }
    });

    it("tells watchers of the store's own appends and inbox posts; a throwing listener breaks nothing", async () => {
      const { store } = ctx();
      const seen: StoreChange[] = [];
      const stopThrowing = store.watch(() => {
        throw new Error('a careless listener');
      });
      const stop = store.watch((c) => seen.push(c));
      await store.appendMany([
        { ns: 'acme', runId: 'w1', expectedNextSeq: 1, records: [rec(1)] },
        { ns: 'acme', runId: 'w1', expectedNextSeq: 2, records: [rec(2)] },
        { ns: 'acme', runId: 'w2', expectedNextSeq: 1, records: [rec(1)] },
      ]);
      await store.postToInbox('acme', 'w3', { kind: 'signal', payload: {}, at: 1 });
      const has = (kind: string, runId: string) => seen.some((c) => c.kind === kind && c.runId === runId);
      await until(() => has('journal', 'w1') && has('journal', 'w2') && has('inbox', 'w3'), 'changes seen');
      expect(seen.every((c) => c.ns === 'acme')).toBe(true);
      stop();
      stopThrowing();
      const count = seen.length;
      await store.append('acme', 'w1', 3, [rec(3)]);
      await sleep(50);
      expect(seen).toHaveLength(count);
    });

    const missed = caps.watchMissesOtherHandles;
    it.skipIf(missed !== undefined)(
      `tells watchers of another handle's appends, in one group commit or one at a time${missed ? ` (skipped: ${missed})` : ''}`,
      async () => {
        const { store, connect } = ctx();
        const other = await connect();
        const seen: StoreChange[] = [];
        const stop = store.watch((c) => seen.push(c));
        const has = (runId: string) =>
          seen.some((c) => c.kind === 'journal' && c.ns === 'acme' && c.runId === runId);
        await other.append('acme', 'x1', 1, [rec(1)]);
        await until(() => has('x1'), "another handle's append seen");
        const many = Array.from({ length: 300 }, (_, i) => `run-with-a-longish-id-${i}`);
        await other.appendMany(
          many.map((runId) => ({ ns: 'acme', runId, expectedNextSeq: 1, records: [rec(1)] })),
        );
        await until(() => many.every(has), "every run of another handle's group commit seen");
        stop();
      },
    );
  });
}
