// Web UI benchmark (Playwright timings in Debian's chromium, printed as JSON lines, not asserted): time
// from navigation to the first complete render of a run page for (1) a run of 1,000 tasks (a layered DAG,
// width 10: elk layout and every node coloured completed) and (2) a run whose journal holds ~10,000
// entries (one task fanned out ~5,000 times: every entry streamed, folded and counted), plus a time-travel
// jump to the middle of that journal. The floor, measured in the same process and window, is a run of one
// task (the bundle's load and parse, one WatchRun); each figure carries its ratio to it.
// Needs `npm run build` (dist/ui) and /usr/bin/chromium. Env: BENCH_RUNS=3.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { layered } from './workloads.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FAN = 4_998;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-ui-'));
  const agent = join(dir, 'agent.mjs');
  // `items` returns the list the fan-out runs over; every other call returns at once.
  writeFileSync(
    agent,
    `export default (ctx) => ctx.instanceKey === 'items' ? Array.from({ length: ${FAN} }, (_, i) => i) : { ok: true };\n`,
  );
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
      dir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /serving HTTP on (\S+)/.exec(line);
      if (m) resolve(`http://${m[1]}`);
    });
    child.once('exit', () => reject(new Error('baton serve exited')));
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const agents = { w: { type: 'w', max_instances: 100_000, endpoint: { module: agent } } };
    const source = (name: string, tasks: unknown[]) =>
      JSON.stringify({ workflow: { name, version: '1', agents, tasks } });
    const one = await runToEnd(url, source('one', [{ id: 'only', agent: 'w' }]));
    const big = await runToEnd(
      url,
      source(
        'dag1000',
        layered(1000, 10).map((t) => ({ ...t, agent: 'w' })),
      ),
    );
    const journal = await runToEnd(
      url,
      source('fan', [
        { id: 'items', agent: 'w' },
        { id: 'each', agent: 'w', depends_on: ['items'], parallel: true },
      ]),
    );
    const entries = await journalLength(url, journal);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const samples = {
      floor: [] as number[],
      dag: [] as number[],
      journal: [] as number[],
      travel: [] as number[],
    };
    for (let i = 0; i < RUNS; i++) {
      samples.floor.push(await firstRender(page, url, one, 1));
      samples.dag.push(await firstRender(page, url, big, 1000));
      samples.journal.push(await firstRender(page, url, journal, 2, entries));
      samples.travel.push(await travelTo(page, Math.floor(entries / 2)));
    }
    const floor = median(samples.floor);
    const line = (name: string, xs: number[], extra: object = {}) =>
      console.log(
        JSON.stringify({
          bench: 'ui-render',
          case: name,
          runs: RUNS,
          median_ms: median(xs),
          min_ms: Math.min(...xs),
          vs_floor: Math.round((median(xs) / floor) * 100) / 100,
          samples_ms: xs,
          ...extra,
        }),
      );
    line('floor_run_1_task', samples.floor);
    line('run_1000_tasks', samples.dag, { tasks: 1000 });
    line('journal_10000_entries', samples.journal, { entries });
    line('time_travel_to_middle_of_journal', samples.travel, { entries, to_entry: Math.floor(entries / 2) });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function call<T>(url: string, method: string, body: object): Promise<T> {
  const res = await fetch(`${url}/api/baton.v1.RunService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Starts a run and waits for it to end: the bench renders finished runs (a fixed amount of work). */
async function runToEnd(url: string, workflowSource: string): Promise<string> {
  const { run } = await call<{ run: { runId: string } }>(url, 'StartRun', { workflowSource });
  for (;;) {
    const r = await call<{ run: { status?: string } }>(url, 'GetRun', { runId: run.runId });
    if (r.run.status === 'RUN_STATUS_COMPLETED') return run.runId;
    if (r.run.status === 'RUN_STATUS_FAILED' || r.run.status === 'RUN_STATUS_CANCELLED')
      throw new Error(`run ${run.runId} ended ${r.run.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function journalLength(url: string, runId: string): Promise<number> {
  let n = 0;
  let afterCursor = '';
  for (;;) {
    const page = await call<{ events?: unknown[]; nextCursor?: string }>(url, 'GetRunHistory', {
      runId,
      afterCursor,
      pageSize: 1000,
    });
    n += page.events?.length ?? 0;
    if (!page.nextCursor) return n;
    afterCursor = page.nextCursor;
  }
}

/** ms from navigation until the run page shows `nodes` completed task nodes (and `entries` entries). */
async function firstRender(
  page: Page,
  url: string,
  runId: string,
  nodes: number,
  entries?: number,
): Promise<number> {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(`${url}/#/runs/${runId}`);
  // Evaluated in the page (a string: this file is compiled without the DOM's types).
  const journal =
    entries === undefined
      ? 'true'
      : `document.querySelector('[data-testid="journal-count"]')?.textContent === '${entries}'`;
  await page.waitForFunction(
    `document.querySelector('[data-testid="run-page"][data-run-status="completed"][data-laid-out="yes"]') !== null &&
     document.querySelectorAll('[data-task][data-status="completed"]').length === ${nodes} && ${journal}`,
    undefined,
    { timeout: 120_000, polling: 'raf' },
  );
  return Math.round(performance.now() - t0);
}

/** ms from moving the time-travel slider to `seq` until the page shows the run at that entry. */
async function travelTo(page: Page, seq: number): Promise<number> {
  const t0 = performance.now();
  await page.getByTestId('travel-slider').fill(String(seq));
  await page.waitForFunction(
    `document.querySelector('[data-testid="travel-seq"]')?.textContent === '${seq}'`,
    undefined,
    { polling: 'raf' },
  );
  return Math.round(performance.now() - t0);
}

await main();
