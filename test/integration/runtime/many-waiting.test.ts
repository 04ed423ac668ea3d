// A run whose tasks far outnumber its agent's instances: 30,000 ready tasks on one agent of
// max_instances 1 queue 30,000 lease waits. Cancelling it must end it promptly and leave nothing behind,
// without stalling the process: each turn after the end once scanned every wait in flight (and the roster
// its whole queue at each step), which took a minute of blocked event loop at 40,000 tasks.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { Workflow } from '../../../src/spec/schema.js';

let dir: string;
let app: App;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-many-waiting-'));
  // The one instance never answers until its call is aborted: every other task waits for it.
  app = await openApp({
    dataDir: dir,
    adapterFor: () =>
      inProcessAdapter(
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted', { cause: signal.reason }))),
          ),
      ),
  });
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

it('cancels a run with 30,000 tasks waiting for one agent at once, without stalling the process', async () => {
  const N = 30_000;
  const spec = Workflow.parse({
    name: 'crowd',
    version: '1',
    agents: { w: { type: 't', max_instances: 1 } },
    tasks: Array.from({ length: N }, (_, i) => ({ id: `t${i}`, agent: 'w' })),
  });
  const run = await app.engine.start(spec, {});
  await expect.poll(() => app.engine.status(run.runId).then((s) => s.baton.task_counts.running ?? 0)).toBe(1);

  // The longest the event loop is held while the cancel is handled, sampled every 10 ms.
  let longest = 0;
  let last = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  await app.engine.command(run.runId, { kind: 'cancel', by: 'test', reason: 'too many' });
  const final = await app.engine.settled(run.runId);
  const elapsed = performance.now() - t0;
  clearInterval(sampler);

  expect(final.status).toBe('cancelled');
  // The actor let go of the run: nothing of it is left in flight.
  await expect.poll(() => app.engine.drivenRuns()).not.toContain(run.runId);
  // Linear work takes well under a second here; the quadratic path took about 9 s at this size.
  expect(elapsed, 'ms from the cancel to the run settled').toBeLessThan(3000);
  expect(longest, 'longest ms the event loop was held').toBeLessThan(2000);
}, 60_000);
