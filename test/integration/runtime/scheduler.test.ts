// The scheduler over the embedded app (SQLite in a temp dir) and the real fire starter: two servers
// sharing one store start each fire once; a fire claimed by a process that died, before or after it
// started its run, is started exactly once by the next scheduler.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { fireStarter } from '../../../src/api/schedule-start.js';
import { readScheduleState, type ScheduleState } from '../../../src/core/schedules/index.js';
import { Scheduler } from '../../../src/runtime/scheduler.js';
import { Schedules } from '../../../src/runtime/schedules.js';

const SOURCE = `
workflow:
  name: tick
  version: "1"
  agents:
    a: { type: worker }
  tasks:
    - id: t
      agent: a
`;

let dir: string;
const apps: App[] = [];
const schedulers: Scheduler[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-scheduler-'));
});
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function server(): Promise<{ app: App; scheduler: Scheduler }> {
  const app = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: () => inProcessAdapter(() => 'ok'),
  });
  apps.push(app);
  const scheduler = new Scheduler({
    store: app.store,
    namespace: app.engine.namespace,
    owner: app.engine.owner,
    isDeadOwner: (o) => app.engine.isDeadOwner(o),
    start: fireStarter({ engine: app.engine, store: app.store }),
    pollMs: 100,
    log: () => undefined,
  });
  schedulers.push(scheduler);
  return { app, scheduler };
}

/** The runs of the namespace a schedule started (by what their RunStarted journaled). */
async function runsOf(app: App, scheduleId: string): Promise<Array<{ runId: string; fireAt: number }>> {
  const page = await app.store.listRuns(app.engine.namespace, { limit: 1000 });
  const out: Array<{ runId: string; fireAt: number }> = [];
  for (const r of page.runs) {
    const origin = (await app.engine.load(r.runId)).options.schedule;
    if (origin?.id === scheduleId) out.push({ runId: r.runId, fireAt: origin.fireAt });
  }
  return out;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached in 20 s');
}

/**
 * The owner id of a process of this host that has exited, with the instance file such a process leaves
 * in the data directory (runtime/instance-file.ts): its claims are a dead process's.
 */
function deadOwner(): string {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const owner = `gone${child.stdout.toString()}`;
  mkdirSync(join(dir, 'instances'), { recursive: true });
  writeFileSync(
    join(dir, 'instances', `${owner}.json`),
    JSON.stringify({ pid: Number(child.stdout.toString()), host: hostname() }),
  );
  return owner;
}

describe('scheduler', () => {
  it('two servers sharing a store start each fire exactly once', async () => {
    const one = await server();
    const two = await server();
    const book = new Schedules({ store: one.app.store, namespace: one.app.engine.namespace });
    await book.create('shared', { everyMs: 1000, overlap: 'allow_all', source: SOURCE });
    one.scheduler.start();
    two.scheduler.start();
    const state = async () => (await book.get('shared')).state;
    await until(async () => (await state()).counts.started >= 4);
    await one.scheduler.stop();
    await two.scheduler.stop();
    const s = await state();
    const runs = await runsOf(one.app, 'shared');
    const fires = runs.map((r) => r.fireAt);
    expect(new Set(fires).size).toBe(fires.length);
    expect(runs.length).toBe(s.counts.started + s.pending.length);
    expect(s.counts.failed).toBe(0);
  });

  it('a fire claimed by a process that died after starting its run is not started again', async () => {
    const { app, scheduler } = await server();
    const ns = app.engine.namespace;
    const book = new Schedules({ store: app.store, namespace: ns });
    const view = await book.create('crashed', { cron: '0 0 1 1 *', source: SOURCE });
    const fireAt = Date.UTC(2026, 0, 1);
    // The dead process had claimed the fire and started its run, then died before confirming.
    const runId = await fireStarter({ engine: app.engine, store: app.store })(view, { fireAt });
    await claimedByTheDead(app, 'crashed', fireAt);
    scheduler.start();
    await until(async () => (await book.get('crashed')).state.pending.length === 0);
    const after = (await book.get('crashed')).state;
    expect(after.counts.started).toBe(1);
    expect(after.recent.map((r) => r.runId)).toEqual([runId]);
    expect(await runsOf(app, 'crashed')).toEqual([{ runId, fireAt }]);
  });

  it('a fire claimed by a process that died before starting its run is started once', async () => {
    const { app, scheduler } = await server();
    const book = new Schedules({ store: app.store, namespace: app.engine.namespace });
    await book.create('claimed', { cron: '0 0 1 1 *', source: SOURCE });
    const fireAt = Date.UTC(2026, 0, 1);
    await claimedByTheDead(app, 'claimed', fireAt);
    scheduler.start();
    await until(async () => (await book.get('claimed')).state.pending.length === 0);
    const runs = await runsOf(app, 'claimed');
    expect(runs.map((r) => r.fireAt)).toEqual([fireAt]);
    expect((await book.get('claimed')).state.lastRunId).toBe(runs[0]!.runId);
  });
});

/** Writes the schedule's state as a dead process's claim of `fireAt` would have left it. */
async function claimedByTheDead(app: App, id: string, fireAt: number): Promise<void> {
  const ns = app.engine.namespace;
  const row = (await app.store.getSchedule(ns, id))!;
  const state: ScheduleState = {
    ...readScheduleState(row.state),
    pending: [{ fireAt }],
    claimedBy: deadOwner(),
    claimedAt: Date.now(),
  };
  expect(await app.store.updateSchedule(ns, id, row.revision, { ...row, state, updatedAt: Date.now() })).toBe(
    true,
  );
}
