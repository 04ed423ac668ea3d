// The PostgreSQL store's write path against the server's floor, interleaved in rounds (a shared machine's
// weather moves between them): per operation, a single-row autocommit INSERT (the floor), an append of
// two journal records, the same append fenced (owner and epoch checked in the statement), and a group
// commit of 1,000 runs x 2 records. Prints one JSON line per figure (p50 and min over the rounds).
// Usage: node dist/bench/pg-append.js [postgres://USER@HOST:PORT/DB]   Env: BENCH_ROUNDS=5, BENCH_OPS=300.

import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { parseStoreUrl } from '../src/store/store-url.js';
import type { AppendRequest, JournalRecord, Store } from '../src/store/store.js';
import { dropBenchSchema, insertFloorMs, withSchema } from './pg-floor.js';

const base = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const OPS = Number(process.env.BENCH_OPS ?? 300);

const { url, schema } = withSchema(base);
const location = parseStoreUrl(url);
if (location.kind !== 'postgres') throw new Error(`not a postgres:// URL: ${base}`);
const store = await openPostgresStore(location);

const rec = (seq: number): JournalRecord => ({
  seq,
  type: seq % 2 ? 'TaskCompleted' : 'TaskDispatched',
  v: 1,
  at: 1_700_000_000_000 + seq,
  data: { task: `t${seq}`, output: { ok: true, text: 'a short result' } },
});

let runs = 0;
/** ms per append of two records to one run (created, claimed, first). */
async function appends(s: Store, fenced: boolean): Promise<number> {
  const runId = `r${runs++}`;
  await s.createRun({
    ns: 'bench',
    runId,
    workflowName: 'w',
    workflowVersion: '1',
    status: 'executing',
    createdAt: 1,
    input: {},
    owner: 'bench',
    leaseMs: 600_000,
  });
  const fence = fenced ? { fence: { owner: 'bench', epoch: 1 } } : {};
  const start = performance.now();
  for (let i = 0; i < OPS; i++) {
    const seq = 2 * i + 1;
    await s.appendMany([
      { ns: 'bench', runId, expectedNextSeq: seq, records: [rec(seq), rec(seq + 1)], ...fence },
    ]);
  }
  return (performance.now() - start) / OPS;
}

/** ms for one group commit of 1,000 runs x 2 records (runs created by the first, untimed). */
async function groupCommit(s: Store, round: number): Promise<number> {
  const batch = (seq: number): AppendRequest[] =>
    Array.from({ length: 1000 }, (_, k) => ({
      ns: 'bench',
      runId: `g${round}-${k}`,
      expectedNextSeq: seq,
      records: [rec(seq), rec(seq + 1)],
    }));
  await s.appendMany(batch(1));
  const start = performance.now();
  await s.appendMany(batch(3));
  return performance.now() - start;
}

const figures: Record<string, number[]> = {
  floor_insert: [],
  append_2: [],
  fenced_append_2: [],
  group_1000x2: [],
};
try {
  for (let r = 0; r <= ROUNDS; r++) {
    const sample = {
      floor_insert: (await insertFloorMs(base, OPS)) / OPS,
      append_2: await appends(store, false),
      fenced_append_2: await appends(store, true),
      group_1000x2: await groupCommit(store, r),
    };
    if (r === 0) continue; // warm-up: prepared statements, caches
    for (const [k, v] of Object.entries(sample)) figures[k]!.push(v);
  }
} finally {
  await store.close();
  await dropBenchSchema(base, schema);
}
const round = (n: number) => Math.round(n * 1000) / 1000;
for (const [what, xs] of Object.entries(figures)) {
  xs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'pg-append',
      what,
      rounds: ROUNDS,
      unit: what === 'group_1000x2' ? 'ms per commit' : 'ms per operation',
      p50: round(xs[Math.floor(xs.length / 2)]!),
      min: round(xs[0]!),
    }),
  );
}
