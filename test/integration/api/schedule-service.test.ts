// ScheduleService and DeleteRun over a real loopback server, through the SDK, with the embedded app
// (SQLite in a temp dir) and the scheduler `baton serve` runs: schedules firing every second start runs
// that carry the schedule id and fire time; pause stops fires; overlap policies hold runs back while a
// gated run goes on; a restart catches up missed fires within the window and counts older ones.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { fireStarter } from '../../../src/api/schedule-start.js';
import { createServer, listen, shutdown, type BatonServer } from '../../../src/api/server.js';
import { fireRequestId } from '../../../src/core/schedules/index.js';
import { readScheduleState } from '../../../src/core/schedules/index.js';
import { Scheduler } from '../../../src/runtime/scheduler.js';
import { Schedules } from '../../../src/runtime/schedules.js';
import {
  createClient,
  OverlapPolicy,
  RunStatus,
  type BatonClient,
  type Schedule,
} from '../../../sdk/src/index.js';

const WORKFLOW = `
workflow:
  name: tick
  version: "1"
  inputs:
    label: { required: true }
  agents:
    quick: { type: worker }
    gated: { type: worker }
  tasks:
    - id: work
      agent: quick
`;
const GATED = WORKFLOW.replace('name: tick', 'name: slow').replace('agent: quick', 'agent: gated');

/** Calls of the `gated` agent wait until the test opens them. */
const gates: Array<() => void> = [];
const handlers: Record<string, AgentHandler> = {
  quick: ({ input }) => ({ echoed: input }),
  gated: () => new Promise((resolve) => gates.push(() => resolve('opened'))),
};

interface Harness {
  readonly app: App;
  readonly api: BatonServer;
  readonly scheduler: Scheduler;
  readonly client: BatonClient;
  close(): Promise<void>;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'baton-schedules-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A server with RunService and ScheduleService over the app in `dataDir`, its scheduler started. */
async function serve(dataDir: string): Promise<Harness> {
  const feed = new RunFeed();
  const app = await openApp({
    dataDir,
    inboxPollMs: 20,
    onTurn: feed.publish,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
  });
  const ns = app.engine.namespace;
  const scheduler = new Scheduler({
    store: app.store,
    namespace: ns,
    owner: app.engine.owner,
    isDeadOwner: (o) => app.engine.isDeadOwner(o),
    start: fireStarter({ engine: app.engine, store: app.store }),
    pollMs: 200,
    log: () => undefined,
  });
  const api = createServer({
    runs: { engine: app.engine, store: app.store, feed },
    schedules: { schedules: new Schedules({ store: app.store, namespace: ns }), scheduler },
  });
  const port = await listen(api.server, '127.0.0.1:0');
  scheduler.start();
  const client = createClient({ address: `127.0.0.1:${port}`, deadlineMs: 10_000 });
  return {
    app,
    api,
    scheduler,
    client,
    async close() {
      client.close();
      await scheduler.stop();
      await shutdown(api, 1000);
      await app.close();
    },
  };
}

/** Polls `read` until `done` holds (the scheduler works on its own time); fails after 20 s. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not reached; last value: ${JSON.stringify(await read())}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const everySecond = { interval: { seconds: 1, nanos: 0 } };

describe('ScheduleService on one server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await serve(join(root, 'main'));
    await h.client.workflows.register({ source: WORKFLOW });
    await h.client.workflows.register({ source: GATED });
  });
  afterAll(() => h.close());
  afterEach(() => {
    for (const open of gates.splice(0)) open();
  });

  it('starts runs every second that record the schedule id, the fire time and a request id of both', async () => {
    const created = await h.client.schedules.create({
      scheduleId: 'every-second',
      spec: everySecond,
      action: { workflowId: 'tick', inputData: { label: 'hello' } },
    });
    expect(created.spec?.overlap).toBe(OverlapPolicy.OVERLAP_POLICY_SKIP);
    expect(created.nextFireTime!.getTime() % 1000).toBe(0);
    const s = await until(
      () => h.client.schedules.get('every-second'),
      (x) => x.info!.runsStarted >= 3,
    );
    await h.client.schedules.delete('every-second');
    const recent = s.info!.recentRuns;
    const fires = recent.map((r) => r.fireTime!.getTime());
    expect(new Set(fires).size).toBe(fires.length);
    for (const r of recent) {
      // Each fire's run was created under the fire's request id (so a fire started again finds it).
      expect(
        await h.app.store.findRunByRequest(
          h.app.engine.namespace,
          fireRequestId('every-second', r.fireTime!.getTime()),
        ),
      ).toBe(r.runId);
      const run = await until(
        () => h.client.runs.get(r.runId),
        (x) => x.status === RunStatus.RUN_STATUS_COMPLETED,
      );
      expect(run.scheduleId).toBe('every-second');
      expect(run.scheduledFireTime).toEqual(r.fireTime);
      expect(run.outputs).toMatchObject({ work: { echoed: { input: { label: 'hello' } } } });
    }
  });

  it('stops firing while paused, and fires again once unpaused', async () => {
    await h.client.schedules.create({
      scheduleId: 'pausable',
      spec: everySecond,
      action: { workflowId: 'tick', inputData: { label: 'p' } },
    });
    await until(
      () => h.client.schedules.get('pausable'),
      (x) => x.info!.runsStarted >= 1,
    );
    const paused = await h.client.schedules.pause('pausable', 'maintenance');
    expect(paused).toMatchObject({ paused: true, note: 'maintenance' });
    const before = paused.info!.runsStarted;
    await sleep(2500); // two and a half fire times pass while paused
    const still = await h.client.schedules.get('pausable');
    expect(still.info!.runsStarted).toBe(before);
    const unpaused = await h.client.schedules.unpause('pausable');
    expect(unpaused.paused).toBe(false);
    await until(
      () => h.client.schedules.get('pausable'),
      (x) => x.info!.runsStarted > before,
    );
    await h.client.schedules.delete('pausable');
  });

  it('overlap skip: while a run goes on, fires are skipped; the next run starts after it ended', async () => {
    await h.client.schedules.create({
      scheduleId: 'skipper',
      spec: everySecond,
      action: { workflowId: 'slow', inputData: { label: 's' } },
    });
    const first = await until(
      () => h.client.schedules.get('skipper'),
      (x) => x.info!.runsStarted === 1 && x.info!.firesSkipped >= 2,
    );
    expect(first.info!.runsStarted).toBe(1); // two fires came and went: nothing else started
    await until(
      () => Promise.resolve(gates.length),
      (n) => n === 1,
    );
    gates.shift()!();
    const firstRun = await until(
      () => h.client.runs.get(first.info!.recentRuns[0]!.runId),
      (r) => r.status === RunStatus.RUN_STATUS_COMPLETED,
    );
    const second = await until(
      () => h.client.schedules.get('skipper'),
      (x) => x.info!.runsStarted === 2,
    );
    await h.client.schedules.delete('skipper');
    const secondRun = await h.client.runs.get(second.info!.recentRuns[0]!.runId);
    expect(secondRun.startedAt!.getTime()).toBeGreaterThanOrEqual(firstRun.endedAt!.getTime());
    expect(secondRun.scheduledFireTime!.getTime()).toBeGreaterThan(firstRun.scheduledFireTime!.getTime());
  });

  it('overlap buffer_one: keeps one fire while the run goes on, and starts it when the run ends', async () => {
    await h.client.schedules.create({
      scheduleId: 'buffered',
      spec: { ...everySecond, overlap: OverlapPolicy.OVERLAP_POLICY_BUFFER_ONE },
      action: { workflowId: 'slow', inputData: { label: 'b' } },
    });
    const waiting = await until(
      () => h.client.schedules.get('buffered'),
      (x) => x.info!.bufferedFireTime !== undefined && x.info!.firesSkipped >= 1,
    );
    const buffered = waiting.info!.bufferedFireTime!;
    await until(
      () => Promise.resolve(gates.length),
      (n) => n === 1,
    );
    gates.shift()!();
    const after = await until(
      () => h.client.schedules.get('buffered'),
      (x) => x.info!.runsStarted >= 2,
    );
    await h.client.schedules.pause('buffered');
    const started = after.info!.recentRuns.find((r) => r.fireTime!.getTime() === buffered.getTime());
    expect(started, 'the buffered fire started a run').toBeDefined();
    await h.client.schedules.delete('buffered');
  });

  it('triggers a run now, recorded as manual', async () => {
    await h.client.schedules.create({
      scheduleId: 'hourly',
      spec: { cron: '0 * * * *', timezone: 'Europe/Paris' },
      action: { workflowId: 'tick@1', inputData: { label: 't' } },
    });
    const runId = await h.client.schedules.trigger('hourly');
    const run = await h.client.runs.get(runId);
    expect(run.scheduleId).toBe('hourly');
    const s = await h.client.schedules.get('hourly');
    expect(s.info!.recentRuns[0]).toMatchObject({ runId, manual: true });
    expect(s.info!.runsStarted).toBe(1);
  });

  it('refuses bad schedules with the field at fault, unknown workflows, and taken ids', async () => {
    const bad = h.client.schedules.create({
      scheduleId: 'bad',
      spec: { cron: '61 * * * *', timezone: 'Mars/Olympus' },
      action: { workflowId: 'tick', inputData: { label: 'x' } },
    });
    await expect(bad).rejects.toMatchObject({
      category: 'invalid_argument',
      code: 'BATON_E_SCHEDULE_INVALID',
      fieldPath: 'spec.timezone',
    });
    await expect(
      h.client.schedules.create({ scheduleId: 'bad', spec: everySecond, action: { workflowId: 'tick' } }),
    ).rejects.toMatchObject({ code: 'BATON_E_MISSING_INPUT' });
    await expect(
      h.client.schedules.create({ scheduleId: 'bad', spec: everySecond, action: { workflowId: 'nope' } }),
    ).rejects.toMatchObject({ category: 'not_found', code: 'BATON_E_WORKFLOW_NOT_FOUND' });
    await expect(
      h.client.schedules.create({
        scheduleId: 'hourly',
        spec: everySecond,
        action: { workflowId: 'tick', inputData: { label: 'x' } },
      }),
    ).rejects.toMatchObject({ category: 'already_exists', code: 'BATON_E_SCHEDULE_EXISTS' });
    await expect(h.client.schedules.get('nope')).rejects.toMatchObject({
      category: 'not_found',
      code: 'BATON_E_SCHEDULE_NOT_FOUND',
    });
    const list = await h.client.schedules.list();
    expect(list.schedules.map((s) => s.scheduleId)).toEqual(['hourly']);
  });

  it('DeleteRun deletes an ended run and its journal, refuses a running one and an unknown one', async () => {
    const done = await h.client.runs.start({ workflowId: 'tick', inputData: { label: 'd' } });
    await until(
      () => h.client.runs.get(done.runId),
      (r) => r.status === RunStatus.RUN_STATUS_COMPLETED,
    );
    await h.client.runs.delete(done.runId);
    await expect(h.client.runs.get(done.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_NOT_FOUND' });
    expect(await h.app.store.read(h.app.engine.namespace, done.runId)).toEqual([]);
    await expect(h.client.runs.delete(done.runId)).rejects.toMatchObject({
      category: 'not_found',
      code: 'BATON_E_RUN_NOT_FOUND',
    });

    const live = await h.client.runs.start({ workflowId: 'slow', inputData: { label: 'l' } });
    await expect(h.client.runs.delete(live.runId)).rejects.toMatchObject({
      category: 'failed_precondition',
      code: 'BATON_E_RUN_NOT_ENDED',
    });
    expect((await h.client.runs.get(live.runId)).status).toBe(RunStatus.RUN_STATUS_EXECUTING);
  });
});

describe('a restart', () => {
  it('starts the fires missed while down that are inside the catch-up window, and counts older ones', async () => {
    const dataDir = join(root, 'restart');
    let h = await serve(dataDir);
    await h.client.workflows.register({ source: WORKFLOW });
    const created: Schedule = await h.client.schedules.create({
      scheduleId: 'catch-up',
      spec: {
        ...everySecond,
        overlap: OverlapPolicy.OVERLAP_POLICY_ALLOW_ALL,
        catchupWindow: { seconds: 2, nanos: 0 },
      },
      action: { workflowId: 'tick', inputData: { label: 'c' } },
    });
    const firstFire = created.nextFireTime!.getTime();
    await until(
      () => h.client.schedules.get('catch-up'),
      (x) => x.info!.runsStarted >= 1,
    );
    await h.close();
    const downAt = Date.now();
    await sleep(5000); // down for five fire times, more than the two-second window
    h = await serve(dataDir);
    const back = Date.now();
    const after = await until(
      () => h.client.schedules.get('catch-up'),
      // Caught up: past the restart, and every fire it moved past already started (none still pending).
      (x) =>
        x.info!.firesMissed > 0 &&
        x.nextFireTime!.getTime() > back &&
        x.info!.runsStarted + x.info!.firesMissed === (x.nextFireTime!.getTime() - firstFire) / 1000,
    );
    await h.scheduler.stop();
    // Fires that fell while the server was down, started late because they were inside the window:
    const late = after.info!.recentRuns.filter((r) => {
      const t = r.fireTime!.getTime();
      return t > downAt && t < back && r.startedAt!.getTime() >= back;
    });
    expect(late.length).toBeGreaterThanOrEqual(1);
    for (const r of late) expect(r.fireTime!.getTime()).toBeGreaterThanOrEqual(back - 2000 - 1000);
    // Every fire from the first to the last handled was started or missed, each exactly once.
    const row = (await h.app.store.getSchedule(h.app.engine.namespace, 'catch-up'))!;
    const state = readScheduleState(row.state);
    const handled = (row.nextFireAt! - firstFire) / 1000;
    expect(state.counts.started + state.counts.missed + state.pending.length).toBe(handled);
    expect(state.counts.skipped).toBe(0);
    await h.close();
  }, 60_000);
});
