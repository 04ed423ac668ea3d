// Shared by the multi-instance benchmarks (work-redis, scale): `baton serve` children (the built CLI)
// over one PostgreSQL schema and one Redis prefix, their RSS from /proc, per-task latencies read back
// from the run journals, and the clean-up (children, schema, keys).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RunStatus, type BatonClient } from '../sdk/src/index.js';

const BIN = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));
const PG = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';

export interface Serve {
  readonly name: string;
  readonly address: string;
  readonly child: ChildProcess;
}

export interface Cluster {
  readonly instances: readonly Serve[];
  /** Stops the children (SIGTERM, SIGKILL after 10 s), drops the schema, deletes the prefix's keys. */
  close(): Promise<void>;
}

/** `count` serve instances over a fresh schema and Redis prefix named after `tag`. */
export async function startCluster(tag: string, count: number): Promise<Cluster> {
  const id = `${tag}_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `baton-bench-${tag}-`));
  const store = `${PG}?schema=bench_${id}`;
  const bus = `${REDIS}?prefix=bench-${id}`;
  const instances: Serve[] = [];
  const close = async () => {
    await Promise.all(instances.map(stop));
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS bench_${id} CASCADE`);
    await admin.end();
    await deleteKeys(`bench-${id}:`);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => serve(`i${i}`, join(dir, `i${i}`), store, bus)),
    );
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  } catch (err) {
    await close();
    throw err;
  }
  return { instances, close };
}

async function serve(name: string, dataDir: string, store: string, bus: string): Promise<Serve> {
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--store', store, '--bus', bus];
  // BENCH_NODE_ARGS: flags for the children's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const node = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...node, BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const address = /on (\S+:\d+)$/.exec(line)?.[1];
  if (!address) {
    child.kill('SIGKILL');
    throw new Error(`baton serve did not print its address: ${line}`);
  }
  return { name, address, child };
}

async function stop(s: Serve): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = once(s.child, 'exit');
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

/** Resident set size of a process in MiB (VmRSS in /proc/<pid>/status), NaN once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? NaN : Math.round(Number(kb) / 102.4) / 10;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat; NaN once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on Linux on every architecture Node supports. */
const CLOCK_TICKS = 100;

/** A chain of `tasks` tasks on one queue agent, as workflow YAML. */
export function chainYaml(name: string, queue: string, tasks: number): string {
  return [
    'workflow:',
    `  name: ${name}`,
    '  version: "1"',
    '  agents:',
    `    q: { type: tool, endpoint: { queue: ${queue} } }`,
    '  tasks:',
    '    - { id: t0, agent: q }',
    ...Array.from({ length: tasks - 1 }, (_, i) => `    - { id: t${i + 1}, agent: q, depends_on: [t${i}] }`),
    '',
  ].join('\n');
}

export interface Journal {
  /** Per task, ms from TaskDispatched to TaskCompleted. */
  latencies: number[];
  /** The first and last task entry's time (ms since the epoch). */
  first: number;
  last: number;
}

/**
 * Per task, TaskDispatched.at to TaskCompleted.at of its journal (both stamped by the run's owner):
 * the commit before the dispatch, the bus, the claim, the worker and the result's way back.
 */
export async function dispatchLatencies(client: BatonClient, runId: string): Promise<Journal> {
  const sent = new Map<string, number>();
  const out: Journal = { latencies: [], first: Infinity, last: -Infinity };
  let cursor = '';
  for (;;) {
    const page = await client.runs.history({ runId, afterCursor: cursor, pageSize: 1000 });
    for (const e of page.events) {
      const key = (e.data as { key?: string } | undefined)?.key;
      if (key === undefined || !e.at) continue;
      out.first = Math.min(out.first, e.at.getTime());
      out.last = Math.max(out.last, e.at.getTime());
      if (e.type === 'TaskDispatched') sent.set(key, e.at.getTime());
      const from = sent.get(key);
      if (e.type === 'TaskCompleted' && from !== undefined) out.latencies.push(e.at.getTime() - from);
    }
    if (page.nextCursor === '' || page.events.length === 0) return out;
    cursor = page.nextCursor;
  }
}

/** p50 / p99 / max of latencies in ms. */
export function summary(ms: number[]): { p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? NaN };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `f` over `items` with at most `limit` at once, in order of the results. */
export async function pool<T, R>(items: readonly T[], limit: number, f: (t: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Polls ListRuns (the store's view, so any instance answers for all) until `expected` runs of
 * `workflow` have ended or `deadline` (ms since the epoch) passes; returns how many completed and
 * failed, and when the count was last seen to grow.
 */
export async function awaitEnded(
  client: BatonClient,
  workflow: string,
  expected: number,
  deadline: number,
  everyMs = 100,
): Promise<{ completed: number; failed: number; at: number }> {
  // ListRuns takes one status at a time.
  const count = async (status: RunStatus) => {
    let n = 0;
    let pageToken = '';
    do {
      const page = await client.runs.list({
        workflowName: workflow,
        statuses: [status],
        pageSize: 500,
        pageToken,
      });
      n += page.runs.length;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return n;
  };
  let seen = { completed: 0, failed: 0, at: Date.now() };
  for (;;) {
    const completed = await count(RunStatus.RUN_STATUS_COMPLETED);
    const failed = completed >= expected ? 0 : await count(RunStatus.RUN_STATUS_FAILED);
    if (completed + failed > seen.completed + seen.failed) seen = { completed, failed, at: Date.now() };
    if (completed + failed >= expected || Date.now() > deadline) return seen;
    await sleep(everyMs);
  }
}
