// The SQLite store's fast write path: an append trusts the journal end this connection wrote last only
// while no other connection has committed, and the WAL is checkpointed once writes pause.

import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE, openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { JournalConflictError, type JournalRecord, type Store } from '../../../src/store/store.js';

const rec = (seq: number, data: unknown = { n: seq }): JournalRecord => ({
  seq,
  type: 'TaskCompleted',
  v: 1,
  at: 1_700_000_000_000 + seq,
  data,
});

describe('sqlite store write path', () => {
  let root: string;
  let dataDir: string;
  const open: Store[] = [];
  const connect = async () => {
    const store = await openSqliteStore({ dataDir });
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'baton-write-path-'));
    dataDir = join(root, '.baton');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it("sees another connection's appends between two of its own to the same run", async () => {
    const a = await connect();
    const b = await connect();
    await a.append('acme', 'r1', 1, [rec(1), rec(2)]);
    await b.append('acme', 'r1', 3, [rec(3)]);
    // `a` wrote the journal up to 2 last, but `b` committed since: 3 is taken, the end is 4.
    const stale = a.append('acme', 'r1', 3, [rec(3, 'stale')]);
    await expect(stale).rejects.toBeInstanceOf(JournalConflictError);
    await expect(stale).rejects.toMatchObject({ expectedNextSeq: 3, actualNextSeq: 4 });
    await a.append('acme', 'r1', 4, [rec(4)]);
    await b.append('acme', 'r1', 5, [rec(5)]);
    expect((await a.read('acme', 'r1')).map((r) => r.data)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  });

  it('trusts a remembered fence only until this or another connection hands the run over', async () => {
    const a = await connect();
    const b = await connect();
    const run = { ns: 'acme', runId: 'r', workflowName: 'w', workflowVersion: '1', status: 'executing' };
    const first = { owner: 'one', epoch: 1 };
    const append = (s: Store, seq: number, fence: { owner: string; epoch: number }) =>
      s.appendMany([{ ns: 'acme', runId: 'r', expectedNextSeq: seq, records: [rec(seq)], fence }]);
    await a.appendMany([
      {
        ns: 'acme',
        runId: 'r',
        expectedNextSeq: 1,
        records: [rec(1)],
        create: { ...run, createdAt: 1, input: {}, owner: 'one', leaseMs: 60_000 },
        fence: first,
      },
    ]);
    await append(a, 2, first); // the fence passed once: remembered
    // This connection hands the run over: what it remembered is dropped.
    const second = await a.claimRun('acme', 'r', 'two', 60_000, 'one');
    await expect(append(a, 3, first)).rejects.toThrow(
      'run r (namespace acme): this instance (owner one, epoch 1) no longer owns it; it was taken over (now epoch 2 / owner two)',
    );
    await append(a, 3, second!);
    // Another connection hands it over again: data_version tells this one.
    await b.claimRun('acme', 'r', 'three', 60_000, 'two');
    await expect(append(a, 4, second!)).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST' });
    expect((await b.read('acme', 'r')).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('forgets the ends of a batch that rolled back', async () => {
    const a = await connect();
    await a.append('acme', 'r1', 1, [rec(1)]);
    const batch = a.appendMany([
      { ns: 'acme', runId: 'r1', expectedNextSeq: 2, records: [rec(2)] },
      { ns: 'acme', runId: 'r2', expectedNextSeq: 5, records: [rec(5)] },
    ]);
    await expect(batch).rejects.toBeInstanceOf(JournalConflictError);
    // r1 still ends at 1: its seq 2 was never written.
    await a.append('acme', 'r1', 2, [rec(2)]);
    expect((await a.read('acme', 'r1')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('writes a group commit of many runs through multi-row inserts: every run reads back its own journal in order', async () => {
    const a = await connect();
    // 45 runs x 3 records: several full multi-row inserts and a partial one.
    const runs = Array.from({ length: 45 }, (_, i) => `r${i}`);
    await a.appendMany(
      runs.map((runId, i) => ({
        ns: 'acme',
        runId,
        expectedNextSeq: 1,
        records: [rec(1, { run: i }), rec(2, { run: i }), rec(3, { run: i })],
      })),
    );
    await a.appendMany(runs.map((runId) => ({ ns: 'acme', runId, expectedNextSeq: 4, records: [rec(4)] })));
    for (const [i, runId] of runs.entries()) {
      const journal = await a.read('acme', runId);
      expect(journal.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(journal[2]!.data).toEqual({ run: i });
    }
  });

  it('keeps the order of two appends to one run in a batch while it writes the batch by run', async () => {
    const a = await connect();
    await a.appendMany([
      { ns: 'acme', runId: 'r2', expectedNextSeq: 1, records: [rec(1, 'first')] },
      { ns: 'acme', runId: 'r1', expectedNextSeq: 1, records: [rec(1)] },
      { ns: 'acme', runId: 'r2', expectedNextSeq: 2, records: [rec(2, 'second'), rec(3, 'third')] },
    ]);
    expect((await a.read('acme', 'r2')).map((r) => [r.seq, r.data])).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, 'third'],
    ]);
    expect(await a.read('acme', 'r1')).toHaveLength(1);
  });

  it('finds the end of a run appended twice in one batch after its first append released it', async () => {
    const a = await connect();
    const create = {
      ns: 'acme',
      runId: 'r1',
      workflowName: 'w',
      workflowVersion: '1',
      status: 'executing',
      createdAt: 1,
      input: null,
    };
    const run = { status: 'completed', updatedAt: 2, lastSeq: 2, release: true };
    // The release forgets r1's end: the second request looks it up, and must see the first one's rows.
    await a.appendMany([
      { ns: 'acme', runId: 'r1', expectedNextSeq: 1, records: [rec(1), rec(2)], create, run },
      { ns: 'acme', runId: 'r1', expectedNextSeq: 3, records: [rec(3)] },
    ]);
    const wrong = a.appendMany([{ ns: 'acme', runId: 'r1', expectedNextSeq: 3, records: [rec(3)] }]);
    await expect(wrong).rejects.toMatchObject({ expectedNextSeq: 3, actualNextSeq: 4 });
    expect((await a.read('acme', 'r1')).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('moves committed pages from the WAL into the database file once writes pause', async () => {
    const a = await connect();
    const file = join(dataDir, SQLITE_FILE);
    const before = statSync(file).size;
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 50; i++) {
      await a.append(
        'acme',
        'r1',
        i * 10 + 1,
        Array.from({ length: 10 }, (_, k) => rec(i * 10 + 1 + k, big)),
      );
    }
    // ~1 MB is committed to the WAL: well under the auto-checkpoint backstop, so only the pause moves it.
    await expect
      .poll(() => statSync(file).size, { timeout: 10_000, interval: 100 })
      .toBeGreaterThan(before + 500_000);
    expect(await a.read('acme', 'r1')).toHaveLength(500);
  });
});
