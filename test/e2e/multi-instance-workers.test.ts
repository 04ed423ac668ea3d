// SDK worker processes across several `baton serve` instances over PostgreSQL + Redis: runs are started on
// instance A, their work is taken by workers connected only to B and C (through the bus), A is killed -9
// twice while runs are in flight (and restarted on its port), and one worker process is killed -9 while it
// holds work. Every run completes, every journal is gap-free with no idempotency key completed twice, no
// side effect repeats except for work the killed worker held (docs/workers.md "Exactly once": a worker that
// dies between its side effect and its recorded result stays at-least-once), and what the killed worker
// held was re-claimed and done by another worker.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { createClient, RunStatus, type BatonClient, type RunEvent } from '../../sdk/src/index.js';
import { deletePrefix } from '../integration/bus/redis-harness.js';
import { startServer, type ServerHandle } from '../integration/sdk/server.js';
import { dropSchema, pgQuery, pgTestSchema } from '../integration/store/pg-schema.js';
import { ROOT, tempDir } from './cli-helpers.js';
import { awaitEnded, history, journalFacts, ownerOf } from './cluster-harness.js';

const RUNS = 80;
const WORKERS = 4;
const CAPACITY = 4;
const QUEUE = 'miw-effects';
/** An agent id (no endpoint) that the workers serve: the fan-out's split and join route by it. */
const AGENT = 'miw-fanner';
const WORKFLOWS = {
  chain: `workflow:
  name: miw_chain
  version: "1"
  agents:
    w: { type: tool, max_instances: 1000, endpoint: { queue: ${QUEUE} } }
  tasks:
    - { id: c1, agent: w }
    - { id: c2, agent: w, depends_on: [c1] }
    - { id: c3, agent: w, depends_on: [c2] }
    - { id: c4, agent: w, depends_on: [c3] }
`,
  fanout: `workflow:
  name: miw_fanout
  version: "1"
  agents:
    ${AGENT}: { type: tool, max_instances: 1000 }
    w: { type: tool, max_instances: 1000, endpoint: { queue: ${QUEUE} } }
  tasks:
    - { id: split, agent: ${AGENT} }
    - { id: fan, agent: w, depends_on: [split], parallel: true, for_each: "tasks.split.output.items" }
    - { id: join, agent: ${AGENT}, depends_on: [fan] }
`,
} as const;
type Kind = keyof typeof WORKFLOWS;
const KEYS: Record<Kind, string[]> = {
  chain: ['c1', 'c2', 'c3', 'c4'],
  fanout: ['split', 'fan[0]', 'fan[1]', 'fan[2]', 'join'],
};
const TOTAL = (RUNS / 2) * (KEYS.chain.length + KEYS.fanout.length);
/** When the chaos happens, as a share of all side effects done (the workload's clock, not the wall's). */
const KILL_A_AT = [0.15, 0.6] as const;
const KILL_WORKER_AT = 0.35;

const tmp = tempDir();
const { schema, url: store } = pgTestSchema('miw');
const prefix = `baton-test-miw-${randomBytes(6).toString('hex')}`;
const bus = `redis://127.0.0.1:6379?prefix=${prefix}`;
const servers: ServerHandle[] = [];
const workers: ChildProcess[] = [];
const clients: BatonClient[] = [];
const dataDirOf = new Map<ServerHandle, string>();

afterAll(async () => {
  if (process.env.BATON_TEST_DEBUG) for (const s of servers) console.error(`--- ${s.address}\n${s.stderr()}`);
  for (const c of clients) c.close();
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  await dropSchema(schema);
  await deletePrefix(prefix);
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function serve(name: string, listen = '127.0.0.1:0'): Promise<ServerHandle> {
  const dataDir = join(tmp.dir, `${name}-${servers.length}`);
  const server = await startServer({
    dataDir,
    listen,
    env: { ...process.env, BATON_LEASE: '2000ms' },
    extraArgs: ['--store', store, '--bus', bus, '--worker-lease', '3s', '--drain-grace', '2s'],
  });
  servers.push(server);
  dataDirOf.set(server, dataDir);
  return server;
}

async function startWorker(address: string, i: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'test/fixtures/workers/effect-worker.ts'),
      address,
      `miw-${i}`,
      `${QUEUE},@${AGENT}`,
      String(CAPACITY),
      join(tmp.dir, `effects-${i}.log`),
      join(tmp.dir, `results-${i}.jsonl`),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, EFFECT_WORKER_STARTS: join(tmp.dir, `starts-${i}.log`) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  workers.push(child);
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  if (line !== 'ready') throw new Error(`worker ${i} did not start: ${line}`);
  return child;
}

/** `KEY ATTEMPT WORKER` lines of every worker's file of that kind. */
function lines(kind: 'effects' | 'starts'): Array<{ key: string; attempt: string; worker: string }> {
  const out: Array<{ key: string; attempt: string; worker: string }> = [];
  for (let i = 0; i < WORKERS; i++) {
    const file = join(tmp.dir, `${kind}-${i}.log`);
    if (!existsSync(file)) continue;
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      const [key, attempt, worker] = l.split(' ');
      if (key && attempt && worker) out.push({ key, attempt, worker });
    }
  }
  return out;
}

async function until(ok: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** What `worker` holds now: handlers it started and did not finish (idempotency keys). */
function heldBy(worker: string): string[] {
  const finished = new Set(
    lines('effects')
      .filter((l) => l.worker === worker)
      .map((l) => l.key),
  );
  const held = lines('starts').filter((l) => l.worker === worker && !finished.has(l.key));
  return [...new Set(held.map((l) => l.key))];
}

/** kill -9 of a worker process once it holds work; resolves with what it held. */
async function killWorker(child: ChildProcess, id: string): Promise<string[]> {
  await until(() => heldBy(id).length > 0, `worker ${id} to hold work`);
  child.kill('SIGKILL');
  await once(child, 'exit');
  return heldBy(id);
}

it('workers on B and C carry runs started on A through two kill -9s of A and one of a worker', async () => {
  const t0 = Date.now();
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => serve(n)));
  const aListen = a!.address;
  // Two workers on B, two on C; none on A, which starts (and at first owns) every run.
  for (let i = 0; i < WORKERS; i++) await startWorker(i < WORKERS / 2 ? b!.address : c!.address, i);

  const onA = createClient({ address: aListen, deadlineMs: 30_000 });
  const onB = createClient({ address: b!.address, deadlineMs: 30_000 });
  clients.push(onA, onB);
  const kindOf = new Map<string, Kind>();
  /** Starts runs i..j-1 on A as it is now (chains and fan-outs alternating). */
  const startWave = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, async (_, k) => {
        const i = from + k;
        const kind: Kind = i % 2 === 0 ? 'chain' : 'fanout';
        const run = await onA.runs.start({ workflowSource: WORKFLOWS[kind], requestId: `miw-${i}` });
        kindOf.set(run.runId, kind);
        return run.runId;
      }),
    );
  const effectsReach = (share: number) =>
    until(() => lines('effects').length >= Math.floor(TOTAL * share), `${share} of the effects`);

  // Chaos on the workload's clock (side effects done): A is killed and restarted on its port twice, each
  // time while runs it started (and owns) are in flight, and one worker is killed while it holds work.
  let server = a!;
  const ownedAtKills: Array<{ owner: string; runs: string[] }> = [];
  const killA = async () => {
    // Frozen first, so what it owns can be read from the store once its last statements commit.
    const owner = ownerOf(dataDirOf.get(server)!, server.child.pid!);
    server.child.kill('SIGSTOP');
    await sleep(500);
    // Runs it owns whose journal has not ended (a run row may lag its journal's last entry).
    const rows = await pgQuery<{ run_id: string }>(
      `SELECT r.run_id FROM ${schema}.runs r WHERE r.owner = $1 AND NOT EXISTS (SELECT 1 FROM ${schema}.journal j
         WHERE j.namespace = r.namespace AND j.run_id = r.run_id AND j.type = ANY($2))`,
      [owner, ['RunCompleted', 'RunFailed', 'RunCancelled']],
    );
    ownedAtKills.push({ owner, runs: rows.map((r) => r.run_id) });
    await server.stop('SIGKILL');
    server = await serve('a', aListen);
  };
  const runIds = await startWave(0, RUNS / 2);
  await effectsReach(KILL_A_AT[0]);
  await killA();
  // B and C take over most of the first wave while A is down: a second wave started on the restarted A
  // gives its next kill runs of its own in flight.
  runIds.push(...(await startWave(RUNS / 2, RUNS)));
  const started = Date.now() - t0;
  await effectsReach(KILL_WORKER_AT);
  const heldByKilledWorker = await killWorker(workers[0]!, 'miw-0');
  await effectsReach(KILL_A_AT[1]);
  await killA();

  const status = await awaitEnded(onB, runIds, 60_000);
  const notCompleted = runIds.filter((id) => status.get(id) !== RunStatus.RUN_STATUS_COMPLETED);
  expect(notCompleted, 'runs that did not complete').toEqual([]);

  // The run rows (what ListRuns shows) caught up with their journals, whoever finished them.
  const rows = await pgQuery<{ run_id: string; status: string }>(
    `SELECT run_id, status FROM ${schema}.runs WHERE run_id = ANY($1) AND status <> 'completed'`,
    [runIds],
  );
  expect(rows, 'run rows not completed').toEqual([]);

  // Journals: gap-free, each task completed once, and no idempotency key's TaskCompleted twice.
  const completedIdems: string[] = [];
  const takenOverFrom = new Map<string, Array<string | undefined>>();
  let takeovers = 0;
  for (const id of runIds) {
    const events: RunEvent[] = await history(onB, id);
    const facts = journalFacts(events);
    expect(facts.gapFree, `${id}: seqs ${facts.seqs.join(',')}`).toBe(true);
    expect(facts.completedTwice, `${id}: tasks completed twice`).toEqual([]);
    expect([...facts.completedKeys].sort(), id).toEqual([...KEYS[kindOf.get(id)!]].sort());
    expect(facts.last, id).toBe('RunCompleted');
    takeovers += facts.takenOverFrom.length;
    takenOverFrom.set(id, facts.takenOverFrom);
    const idemOf = new Map<string, string>();
    const idems: string[] = [];
    for (const e of events) {
      const d = (e.data ?? {}) as { key?: string; attempt?: number; idem?: string };
      if (e.type === 'TaskDispatched') idemOf.set(`${d.key}#${d.attempt}`, d.idem!);
      if (e.type === 'TaskCompleted') idems.push(idemOf.get(`${d.key}#${d.attempt}`)!);
    }
    expect(
      idems.filter((k) => k === undefined),
      `${id}: completions without a dispatch`,
    ).toEqual([]);
    expect(idems.length, `${id}: an idempotency key completed twice`).toBe(new Set(idems).size);
    completedIdems.push(...idems);
  }

  // Each kill of A landed with runs it owned in flight, and every one of them was taken over from it.
  for (const { owner, runs } of ownedAtKills) {
    expect(runs.length, `runs owned by ${owner} at its kill`).toBeGreaterThan(0);
    for (const id of runs) expect(takenOverFrom.get(id), id).toContain(owner);
  }

  // Side effects by idempotency key: every completed attempt had one, and a repeat only for work the killed
  // worker held (its process died between the effect and the result it recorded).
  const effects = lines('effects');
  const byKey = new Map<string, string[]>();
  for (const l of effects) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l.worker]);
  expect(new Set(byKey.keys())).toEqual(new Set(completedIdems));
  const repeated = [...byKey].filter(([, by]) => by.length > 1);
  const repeatedElsewhere = repeated.filter(([, by]) => by.slice(0, -1).some((w) => w !== 'miw-0'));
  // What the killed worker held was re-claimed and finished by another worker.
  expect(heldByKilledWorker.length, 'work the killed worker held').toBeGreaterThan(0);
  for (const key of heldByKilledWorker) {
    expect(
      byKey.get(key)?.some((w) => w !== 'miw-0'),
      `${key} finished by another worker`,
    ).toBe(true);
  }
  console.log(
    JSON.stringify({
      test: 'multi-instance-workers',
      runs: RUNS,
      tasks: TOTAL,
      workers: WORKERS,
      a_kills: KILL_A_AT.length,
      runs_owned_by_a_at_kills: ownedAtKills.map((k) => k.runs.length),
      takeovers_journaled: takeovers,
      side_effects: effects.length,
      keys_repeated: repeated.length,
      keys_repeated_not_by_killed_worker: repeatedElsewhere.length,
      held_by_killed_worker: heldByKilledWorker.length,
      start_ms: started,
      elapsed_ms: Date.now() - t0,
    }),
  );
  // The guided handler with workers on live instances: a kill of the runs' owner repeats no side effect.
  expect(repeatedElsewhere, 'side effects repeated other than by the killed worker').toEqual([]);
  const running = workers.filter((w) => w.exitCode === null && w.signalCode === null);
  for (const w of running) w.kill('SIGTERM');
  await Promise.all(running.map((w) => once(w, 'exit')));
}, 120_000);
