// Group-commit throughput of the embedded store: appendMany of RUNS x PER_RUN journal records in one
// transaction, repeated; prints JSON (ms per batch and per 1,000 records, median and p90).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { AppendRequest } from '../src/store/store.js';

const RUNS = 1000;
const PER_RUN = 10;
const BATCHES = 20;

const dir = await mkdtemp(join(tmpdir(), 'baton-bench-store-'));
const store = await openSqliteStore({ dataDir: dir });
try {
  const times: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const batch: AppendRequest[] = Array.from({ length: RUNS }, (_, r) => ({
      ns: 'bench',
      runId: `run-${r}`,
      expectedNextSeq: b * PER_RUN + 1,
      records: Array.from({ length: PER_RUN }, (_, i) => ({
        seq: b * PER_RUN + 1 + i,
        type: 'TaskCompleted',
        v: 1,
        at: 1_700_000_000_000 + i,
        data: { task: `t${i}`, output: { ok: true, tokens: 1234, text: 'a short result of a task' } },
      })),
    }));
    const start = performance.now();
    await store.appendMany(batch);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const records = RUNS * PER_RUN;
  const round = (n: number) => Math.round(n * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'store.sqlite.appendMany',
      runs: RUNS,
      recordsPerBatch: records,
      batches: BATCHES,
      batchMs: { p50: round(at(0.5)), p90: round(at(0.9)) },
      msPer1000Records: { p50: round((at(0.5) * 1000) / records), p90: round((at(0.9) * 1000) / records) },
      recordsPerSecond: Math.round((records * 1000) / at(0.5)),
    }),
  );
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
