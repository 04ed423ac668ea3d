// Side effects across server crashes: `baton serve` (the built CLI) is killed with SIGKILL three times
// while four SDK worker processes (test/fixtures/workers/effect-worker.ts, the handler docs/workers.md
// advises) work through many runs, and started again on the same data directory and port each time.
// Every run completes, every attempt is journaled as completed once, and no idempotency key has its
// side effect twice: work finished while the server was down is answered from the workers' stored
// results, and work re-issued after a restart goes back to the worker that holds it.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { afterAll, expect, it } from 'vitest';
import { RunServiceClient, StartRunRequest, type Run } from '../../src/api/gen/baton/v1/run.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const RUNS = 40;
const WORKERS = 4;
const KILLS = 3;
const dataDir = join(tmp.dir, 'data');
const WORKFLOW = `workflow:
  name: effects
  version: "1"
  agents:
    w: { type: tool, max_instances: 4, endpoint: { queue: effects } }
  tasks:
    - { id: a, agent: w }
    - { id: b, agent: w, depends_on: [a] }
    - { id: c, agent: w, depends_on: [a] }
    - { id: d, agent: w, depends_on: [b, c] }
    - { id: e, agent: w, depends_on: [d] }
`;
const TASKS = 5;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function serve(address: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/baton.js'), 'serve', '--listen', address, '--data-dir', dataDir, '--worker-lease', '3s'],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  if (!line.includes('serving gRPC')) throw new Error(`baton serve did not start: ${line} ${stderr}`);
  return child;
}

async function startWorker(address: string, i: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'test/fixtures/workers/effect-worker.ts'),
      address,
      `effects-${i}`,
      'effects',
      '4',
      join(tmp.dir, `effects-${i}.log`),
      join(tmp.dir, `results-${i}.jsonl`),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await once(createInterface({ input: child.stdout }), 'line');
  return child;
}

/** Every side effect, as `KEY ATTEMPT WORKER` lines from all workers. */
function effects(): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < WORKERS; i++) {
    const file = join(tmp.dir, `effects-${i}.log`);
    if (!existsSync(file)) continue;
    for (const l of readFileSync(file, 'utf8').split('\n')) if (l) out.push(l.split(' '));
  }
  return out;
}

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('no side effect repeats across three kill -9s of baton serve, and every run completes', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  let server = await serve(address);
  const workers: ChildProcess[] = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(address, i));

  const client = new RunServiceClient(address, credentials.createInsecure());
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await new Promise<Run>((resolve, reject) =>
      client.startRun(
        StartRunRequest.fromPartial({ workflowSource: WORKFLOW, requestId: `crash-${i}` }),
        (err, res) => (err ? reject(err) : resolve(res.run!)),
      ),
    );
    runIds.push(run.runId);
  }
  client.close();

  // Kill the server while work is in flight, spread over the workload; start it again at once.
  const total = RUNS * TASKS;
  for (let k = 1; k <= KILLS; k++) {
    await until(() => effects().length >= Math.floor((total * k) / (KILLS + 1)), `kill ${k}`);
    server.kill('SIGKILL');
    await once(server, 'exit');
    server = await serve(address);
  }

  const store = await openSqliteStore({ dataDir });
  try {
    await until(async () => {
      const page = await store.listRuns('default', { status: 'completed', limit: 1000 });
      return page.runs.length === RUNS;
    }, 'every run to complete');
    server.kill('SIGTERM');
    await once(server, 'exit');

    // Each attempt completed once in its journal...
    const completedKeys: string[] = [];
    for (const runId of runIds) {
      const records = await store.read('default', runId);
      const completed = records.filter((r) => r.type === 'TaskCompleted');
      expect(completed, runId).toHaveLength(TASKS);
      const dispatched = new Map(
        records
          .filter((r) => r.type === 'TaskDispatched')
          .map((r) => {
            const d = r.data as { key: string; attempt: number; idem: string };
            return [`${d.key}#${d.attempt}`, d.idem] as const;
          }),
      );
      for (const r of completed) {
        const d = r.data as { key: string; attempt: number };
        completedKeys.push(dispatched.get(`${d.key}#${d.attempt}`)!);
      }
    }
    // ... and its side effect happened exactly once, under its idempotency key.
    const seen = effects().map(([key]) => key!);
    const counts = new Map<string, number>();
    for (const key of seen) counts.set(key, (counts.get(key) ?? 0) + 1);
    const repeated = [...counts]
      .filter(([, n]) => n > 1)
      .map(([key]) => effects().filter(([k]) => k === key));
    expect(repeated, `repeated side effects (${repeated.length} of ${counts.size})`).toEqual([]);
    expect(new Set(seen)).toEqual(new Set(completedKeys));
  } finally {
    await store.close();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.filter((w) => w.exitCode === null).map((w) => once(w, 'exit')));
  }
}, 240_000);
