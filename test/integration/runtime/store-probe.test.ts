// The store probe behind `baton serve`'s health, on a real store that stops answering (closed): told
// once, and every probe after says so. A PostgreSQL that goes away and comes back, with the health
// status flipping both ways, is test/e2e/postgres-outage.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { StoreProbe } from '../../../src/runtime/store-probe.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('tells its owner once when the store stops answering', async () => {
  const changes: boolean[] = [];
  const first = await openSqliteStore({ dataDir: dir });
  const probe = new StoreProbe(first, { onChange: (up) => changes.push(up) });
  expect(await probe.probe()).toBe(true);
  expect(changes).toEqual([]); // up from the start: nothing to tell
  await first.close();
  expect(await probe.probe()).toBe(false);
  expect(await probe.probe()).toBe(false);
  expect(changes).toEqual([false]);
  expect(probe.up).toBe(false);
});
