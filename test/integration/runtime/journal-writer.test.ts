import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalWriter } from '../../../src/runtime/journal-writer.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { JournalConflictError, type JournalRecord, type Store } from '../../../src/store/store.js';

const rec = (seq: number): JournalRecord => ({ seq, type: 'TaskCompleted', v: 1, at: seq, data: { seq } });

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-writer-'));
  store = await openSqliteStore({ dataDir: dir });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('group commit', () => {
  it('commits the appends of one event-loop turn, for many runs, in one transaction', async () => {
    const writer = new JournalWriter(store);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writer.write({ ns: 'default', runId: `r${i}`, expectedNextSeq: 1, records: [rec(1), rec(2)] }),
      ),
    );
    expect(writer.commits).toBe(1);
    expect((await store.read('default', 'r49')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('sends a batch as soon as it holds pipelineBatch appends, for a store that commits on a server', async () => {
    const sizes: number[] = [];
    // The SQLite store, saying it commits on a server: the batches the writer hands it are recorded.
    const pipelined = new Proxy(store, {
      get(target, key) {
        if (key === 'pipelineBatch') return 20;
        if (key === 'appendMany')
          return (batch: Parameters<Store['appendMany']>[0]) => {
            sizes.push(batch.length);
            return target.appendMany(batch);
          };
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const writer = new JournalWriter(pipelined);
    const writes = Array.from({ length: 50 }, (_, i) =>
      writer.write({ ns: 'default', runId: `r${i}`, expectedNextSeq: 1, records: [rec(1)] }),
    );
    // Two full batches left within this turn; the rest waits for the end of the turn.
    expect(sizes).toEqual([20, 20]);
    await Promise.all(writes);
    expect(sizes).toEqual([20, 20, 10]);
    expect(writer.commits).toBe(3);
    for (const i of [0, 19, 20, 49]) expect(await store.read('default', `r${i}`)).toHaveLength(1);
  });

  it('a stale writer fails alone: the other runs of its batch are committed', async () => {
    await store.append('default', 'taken', 1, [rec(1)]);
    const writer = new JournalWriter(store);
    const results = await Promise.allSettled([
      writer.write({ ns: 'default', runId: 'a', expectedNextSeq: 1, records: [rec(1)] }),
      writer.write({ ns: 'default', runId: 'taken', expectedNextSeq: 1, records: [rec(1)] }),
      writer.write({ ns: 'default', runId: 'b', expectedNextSeq: 1, records: [rec(1)] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(JournalConflictError);
    expect(await store.read('default', 'a')).toHaveLength(1);
    expect(await store.read('default', 'b')).toHaveLength(1);
  });
});
