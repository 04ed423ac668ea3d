// Runs the Store conformance suite against the embedded SQLite adapter, each test in its own data directory.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { storeConformance } from '../../conformance/store-suite.js';

storeConformance(
  'sqlite',
  async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'baton-store-')), 'nested', '.baton');
    const store = await openSqliteStore({ dataDir });
    return {
      store,
      connect: () => openSqliteStore({ dataDir }),
      cleanup: async () => {
        await store.close();
        await rm(join(dataDir, '..', '..'), { recursive: true, force: true });
      },
    };
  },
  {
    watchMissesOtherHandles:
      "SQLite has no change feed between connections: a handle sees its own commits, other processes' are found by the engine's polling",
  },
);
