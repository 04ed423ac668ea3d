// The PostgreSQL store across a restart of its server (a cluster of the test's own): calls made while
// the server is down fail with a coded, retryable error, never hang; once it is back the same store
// works again (pooled connections and prepared statements are renewed), and watch() resumes.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { parseStoreUrl } from '../../../src/store/store-url.js';
import type { JournalRecord, Store, StoreChange } from '../../../src/store/store.js';
import { ownCluster, ownClusterUnavailable, type OwnCluster } from './pg-cluster.js';

const unavailable = ownClusterUnavailable();
if (unavailable) console.info(`postgres-restart: skipped: ${unavailable}`);

const rec = (seq: number): JournalRecord => ({ seq, type: 'T', v: 1, at: seq, data: { seq } });

describe.skipIf(unavailable !== undefined)('PostgreSQL store across a server restart', () => {
  let cluster: OwnCluster;
  const stores: Store[] = [];
  const open = async () => {
    const location = parseStoreUrl(`${cluster.url}?schema=restart`);
    if (location.kind !== 'postgres') throw new Error(cluster.url);
    const s = await openPostgresStore(location);
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    cluster = await ownCluster();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.cleanup();
  });

  it('fails calls while the server is down, then works again and keeps watching', async () => {
    const store = await open();
    const other = await open();
    const seen: StoreChange[] = [];
    store.watch((c) => seen.push(c));
    await store.append('acme', 'r1', 1, [rec(1)]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await cluster.stop();
      await expect(store.append('acme', 'r1', 2, [rec(2)])).rejects.toMatchObject({
        code: 'BATON_E_STORE_UNAVAILABLE',
        retryable: true,
      });
      await cluster.start();
      // The pool replaces its dead connections; the first calls after the restart may still meet one.
      await vi.waitFor(() => store.append('acme', 'r1', 2, [rec(2)]), { timeout: 20_000, interval: 100 });
      expect((await store.read('acme', 'r1')).map((r) => r.seq)).toEqual([1, 2]);
      let seq = 0;
      await vi.waitFor(
        async () => {
          seq++;
          await other.append('acme', 'r2', seq, [rec(seq)]);
          await new Promise((r) => setTimeout(r, 50));
          expect(seen).toContainEqual({ kind: 'journal', ns: 'acme', runId: 'r2' });
        },
        { timeout: 20_000, interval: 10 },
      );
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('change feed lost its connection'));
    } finally {
      warn.mockRestore();
    }
  }, 60_000);
});
