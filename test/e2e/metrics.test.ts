// Prometheus metrics from a real `baton serve --http` child process, scraped over HTTP at /metrics after
// a known workload: three runs that complete (two tasks each), one that fails after a retry, one that is
// cancelled, one on an SDK worker process, and one of the built-in router pattern plugin. The counters
// and histograms must hold exactly what that workload did. Then every metric the Grafana dashboard in
// docs/grafana/baton.json queries must be in the scrape.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunServiceClient, StartRunRequest, type Run } from '../../src/api/gen/baton/v1/run.js';
import { ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
let grpc: string;
let http: string;

/** One sample line of the Prometheus text format. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`http://${http}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  return { text, samples: parse(text) };
}

/** The sum of the samples of `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

function fixture(name: string, body: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, body);
  return file;
}

beforeAll(async () => {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/baton.js'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--data-dir',
      join(tmp.dir, 'data'),
    ],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const g = /serving gRPC on (\S+)/.exec(line);
    if (g) grpc = g[1]!;
    const h = /serving HTTP on (\S+)/.exec(line);
    if (h) http = h[1]!;
    if (grpc && http) break;
  }
  expect(http, stderr).toBeDefined();
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/fixtures/workers/trace-worker.ts'), grpc, 'mw-1', 'tw'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(worker);
  const [ready] = (await once(createInterface({ input: worker.stdout }), 'line')) as [string];
  expect(ready).toBe('ready');
}, 60_000);

afterAll(async () => {
  // SIGTERM drains (the server gives in-flight work its grace); SIGKILL what outlives 15 s.
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  tmp.cleanup();
}, 30_000);

function call<Req, Res>(method: (req: Req, cb: (e: Error | null, r: Res) => void) => unknown, req: Req) {
  return new Promise<Res>((resolve, reject) => method(req, (e, r) => (e ? reject(e) : resolve(r))));
}

describe('Prometheus /metrics', () => {
  it('counts a known workload exactly, and has every metric the Grafana dashboard queries', async () => {
    const ok = fixture('ok.mjs', 'export default async () => ({ ok: true });\n');
    const fail = fixture('fail.mjs', "export default async () => { throw new Error('always fails'); };\n");
    const slow = fixture(
      'slow.mjs',
      "import { setTimeout } from 'node:timers/promises';\n" +
        'export default (ctx) => setTimeout(60_000, {}, { signal: ctx.signal });\n',
    );
    const wf = (name: string, agent: string, tasks: string, extra = '') => `workflow:
  name: ${name}
  version: "1"
  agents:
${agent}
  tasks:
${tasks}
${extra}`;
    const client = new RunServiceClient(grpc, credentials.createInsecure());
    const start = (workflowSource: string): Promise<Run> =>
      call<StartRunRequest, { run?: Run }>(
        client.startRun.bind(client),
        StartRunRequest.fromPartial({ workflowSource }),
      ).then((r) => r.run!);
    const okFlow = wf(
      'm_ok',
      `    w: { type: worker, endpoint: { module: "${ok}" } }`,
      '    - { id: one, agent: w }\n    - { id: two, agent: w, depends_on: [one] }',
    );
    for (let i = 0; i < 3; i++) await start(okFlow);
    await start(
      wf(
        'm_fail',
        `    f: { type: worker, endpoint: { module: "${fail}" } }`,
        '    - { id: bad, agent: f, retry: { max_attempts: 2, initial_interval: "10ms" } }',
      ),
    );
    const slowRun = await start(
      wf(
        'm_cancel',
        `    s: { type: worker, endpoint: { module: "${slow}" } }`,
        '    - { id: wait, agent: s }',
      ),
    );
    await start(wf('m_worker', '    tw: { type: llm }', '    - { id: remote, agent: tw }'));
    const router = readFileSync(join(ROOT, 'examples/patterns/router.yaml'), 'utf8').replaceAll(
      '../agents/patterns/',
      join(ROOT, 'examples/agents/patterns/'),
    );
    await start(router);
    await call(client.cancelRun.bind(client), { runId: slowRun.runId, reason: 'the test cancels it' });
    client.close();

    // Seven runs end: wait for the counters to say so (a condition, not a time).
    const ended = (s: Sample[]) =>
      value(s, 'baton_runs_completed_total') +
      value(s, 'baton_runs_failed_total') +
      value(s, 'baton_runs_cancelled_total');
    let m = await scrape();
    for (const end = Date.now() + 30_000; ended(m.samples) < 7 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
      m = await scrape();
    }
    const s = m.samples;
    const ns = { namespace: 'default' };
    expect(value(s, 'baton_runs_started_total', { ...ns, workflow: 'm_ok' })).toBe(3);
    expect(value(s, 'baton_runs_completed_total', { workflow: 'm_ok' })).toBe(3);
    expect(value(s, 'baton_runs_failed_total', { workflow: 'm_fail' })).toBe(1);
    expect(value(s, 'baton_runs_cancelled_total', { workflow: 'm_cancel' })).toBe(1);
    expect(value(s, 'baton_runs_completed_total', { workflow: 'm_worker' })).toBe(1);
    expect(value(s, 'baton_runs_completed_total', { workflow: 'question_router' })).toBe(1);
    expect(value(s, 'baton_runs_started_total')).toBe(7);
    expect(value(s, 'baton_runs_active', ns)).toBe(0);

    // Attempts: six completed on w, two failed on f (the second a retry), one on the worker.
    expect(value(s, 'baton_task_attempt_duration_seconds_count', { agent: 'w', outcome: 'completed' })).toBe(
      6,
    );
    expect(value(s, 'baton_task_attempt_duration_seconds_bucket', { agent: 'w', le: '+Inf' })).toBe(6);
    expect(value(s, 'baton_task_attempt_duration_seconds_count', { agent: 'f', outcome: 'failed' })).toBe(2);
    expect(value(s, 'baton_task_retries_total', { agent: 'f' })).toBe(1);
    expect(value(s, 'baton_task_attempt_duration_seconds_count', { agent: 'tw', outcome: 'completed' })).toBe(
      1,
    );

    // The worker: connected with its two slots, its queue empty, one attempt dispatched to it.
    expect(value(s, 'baton_workers_connected')).toBe(1);
    expect(value(s, 'baton_worker_slots')).toBe(2);
    expect(value(s, 'baton_queue_depth', { queue: 'tw' })).toBe(0);
    expect(value(s, 'baton_dispatch_latency_seconds_count', { queue: 'tw' })).toBe(1);
    // The router's plugin was asked at least once; the journal took every run's entries.
    expect(value(s, 'baton_plugin_step_duration_seconds_count', { plugin: 'router' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(value(s, 'baton_journal_entries_total')).toBeGreaterThan(7 * 2);
    expect(value(s, 'baton_journal_commit_batch_entries_sum')).toBe(value(s, 'baton_journal_entries_total'));
    expect(s.filter((x) => x.name === 'baton_breaker_state').length).toBeGreaterThan(0);
    expect(value(s, 'baton_lease_takeovers_total', ns)).toBe(0);

    // The dashboard: every metric a panel queries is in this scrape (histograms by their _bucket etc.).
    // Hook metrics are recorded by the hooks system and exist once a hook ran; faults once one happened.
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana/baton.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const queried = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bbaton_\w+/g) ?? [])),
    );
    expect(queried.size).toBeGreaterThan(20);
    const present = new Set(s.map((x) => x.name));
    const onlyOnceUsed = new Set([
      'baton_hook_verdicts_total',
      'baton_hook_duration_seconds_bucket',
      'baton_faults_total',
    ]);
    const missing = [...queried].filter((q) => !present.has(q) && !onlyOnceUsed.has(q));
    expect(missing).toEqual([]);
  }, 90_000);
});
