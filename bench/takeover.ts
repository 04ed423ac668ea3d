// Takeover time: how long after kill -9 of the instance driving some runs they progress on another.
// Two `baton serve` processes (the built CLI) over one PostgreSQL schema (created in the database of
// BENCH_POSTGRES, default the shared test database, and dropped after), each with its own data directory
// and the in-process bus (a takeover goes through the store only). Per repetition: a fresh victim
// instance starts BENCH_RUNS chains (5 tasks, an agent that waits BENCH_AGENT_DELAY_MS), is killed -9
// once they are under way, and the survivor claims them when their leases lapse. Prints one JSON line
// per repetition: from the kill to each run's RunTakenOver entry (stamped by the survivor) and to the
// survivor's first agent call for it (stamped by the agent), min / p50 / max, beside the window the
// lease setting predicts: a lease renewed every lease/3 lapses 2/3 to 1 lease after the kill, and the
// survivor claims lapsed runs every lease/2.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient, RunStatus, type BatonClient } from '../sdk/src/index.js';
import { quantile } from './api-server.js';

const BIN = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));
const PG = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const AGENT_DELAY_MS = Number(process.env.BENCH_AGENT_DELAY_MS ?? 300);

interface Server {
  readonly address: string;
  readonly child: ChildProcess;
}

const dir = mkdtempSync(join(tmpdir(), 'baton-bench-takeover-'));
const schema = `bench_takeover_${randomBytes(4).toString('hex')}`;
const store = `${PG}?schema=${schema}`;
const effects = join(dir, 'effects.jsonl');
const agent = join(dir, 'agent.mjs');
writeFileSync(
  agent,
  `import { appendFileSync } from 'node:fs';
export default async function slow(ctx) {
  appendFileSync(${JSON.stringify(effects)}, JSON.stringify({ run: ctx.runId, pid: process.pid, t: Date.now() }) + '\\n');
  await new Promise((r) => setTimeout(r, ${AGENT_DELAY_MS}));
  return { ok: true };
}
`,
);
const chain = [
  'workflow:',
  '  name: takeover',
  '  version: "1"',
  '  agents:',
  `    slow: { type: slow, endpoint: { module: "${agent}" }, max_instances: 1000 }`,
  '  tasks:',
  '    - { id: t0, agent: slow }',
  ...[1, 2, 3, 4].map((i) => `    - { id: t${i}, agent: slow, depends_on: [t${i - 1}] }`),
  '',
].join('\n');

async function serve(name: string): Promise<Server> {
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, name), '--store', store];
  const child = spawn(process.execPath, [BIN, ...args, '--lease', `${LEASE_MS}ms`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const address = /on (\S+:\d+)$/.exec(line)?.[1];
  if (!address) throw new Error(`baton serve did not print its address: ${line}`);
  return { address, child };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { min: sorted[0] ?? NaN, p50: quantile(sorted, 0.5), max: sorted.at(-1) ?? NaN };
};

/** RunTakenOver's time for each run that has one yet (the survivor stamps it as it takes the run). */
async function takenOverAt(client: BatonClient, runIds: readonly string[]): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  for (const runId of runIds) {
    const page = await client.runs.history({ runId, pageSize: 1000 });
    const entry = page.events.find((e) => e.type === 'RunTakenOver');
    if (entry?.at) at.set(runId, entry.at.getTime());
  }
  return at;
}

function firstCallsBy(pid: number, after: number): Map<string, number> {
  const first = new Map<string, number>();
  if (!existsSync(effects)) return first;
  for (const line of readFileSync(effects, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as { run: string; pid: number; t: number };
    if (e.pid === pid && e.t >= after && !first.has(e.run)) first.set(e.run, e.t);
  }
  return first;
}

const survivor = await serve('survivor');
const client = createClient({ address: survivor.address, deadlineMs: 60_000 });
try {
  for (let rep = 1; rep <= REPS; rep++) {
    const victim = await serve(`victim-${rep}`);
    const onVictim = createClient({ address: victim.address, deadlineMs: 60_000 });
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++)
      runIds.push((await onVictim.runs.start({ workflowSource: chain, requestId: `r${rep}-${i}` })).runId);
    await sleep(AGENT_DELAY_MS * 1.5); // under way: first tasks done, second in flight
    const exited = once(victim.child, 'exit');
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await exited;
    onVictim.close();

    let taken = new Map<string, number>();
    while (taken.size < RUNS) {
      await sleep(100);
      taken = await takenOverAt(client, runIds);
    }
    let calls = firstCallsBy(survivor.child.pid!, killedAt);
    while (runIds.some((id) => !calls.has(id))) {
      await sleep(100);
      calls = firstCallsBy(survivor.child.pid!, killedAt);
    }
    console.log(
      JSON.stringify({
        bench: 'takeover',
        rep,
        lease_ms: LEASE_MS,
        runs: RUNS,
        kill_to_taken_over_ms: stats([...taken.values()].map((t) => t - killedAt)),
        kill_to_first_call_ms: stats(runIds.map((id) => calls.get(id)! - killedAt)),
        predicted_window_ms: [Math.round((LEASE_MS * 2) / 3), Math.round(LEASE_MS * 1.5)],
      }),
    );
    // Let them finish on the survivor before the next victim starts.
    for (const runId of runIds) {
      while ((await client.runs.get(runId)).status !== RunStatus.RUN_STATUS_COMPLETED) await sleep(100);
    }
  }
} finally {
  client.close();
  survivor.child.kill('SIGTERM');
  await once(survivor.child, 'exit');
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
