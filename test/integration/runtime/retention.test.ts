// Deleting runs over the embedded app (SQLite in a temp dir): one ended run with everything stored about
// it; never a run that goes on; and the retention sweep, which purges ended runs past the setting in
// bounded batches and leaves younger and live runs alone.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { deleteEndedRun, RetentionSweeper } from '../../../src/runtime/retention.js';
import { Workflow } from '../../../src/spec/schema.js';

let dir: string;
let app: App;
const gates: Array<() => void> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-retention-'));
  app = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: (id) =>
      inProcessAdapter(
        id === 'gated' ? () => new Promise((resolve) => gates.push(() => resolve('opened'))) : () => 'ok',
      ),
  });
});
afterEach(async () => {
  for (const open of gates.splice(0)) open();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const wf = (agent: string) =>
  Workflow.parse({
    name: agent,
    version: '1',
    agents: { [agent]: { type: 't' } },
    tasks: [{ id: 't', agent }],
  });

async function finished(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const actor = await app.engine.start(wf('quick'), {});
    await app.engine.settled(actor.runId);
    ids.push(actor.runId);
  }
  return ids;
}

const ns = () => app.engine.namespace;

/** A run that goes on (its gated task waits), once its row is written by its first commit. */
async function live(): Promise<{ runId: string }> {
  const actor = await app.engine.start(wf('gated'), {});
  while (!(await app.store.getRun(ns(), actor.runId))) await new Promise((r) => setTimeout(r, 5));
  return actor;
}

describe('deleting runs', () => {
  it('deletes an ended run with its journal; refuses one that goes on, and an unknown one', async () => {
    const [done] = await finished(1);
    const going = await live();
    await deleteEndedRun(app.store, ns(), done!);
    expect(await app.store.getRun(ns(), done!)).toBeUndefined();
    expect(await app.store.read(ns(), done!)).toEqual([]);
    await expect(deleteEndedRun(app.store, ns(), going.runId)).rejects.toMatchObject({
      code: 'BATON_E_RUN_NOT_ENDED',
      message: expect.stringContaining('cancel it') as unknown,
    });
    await expect(deleteEndedRun(app.store, ns(), done!)).rejects.toMatchObject({
      code: 'BATON_E_RUN_NOT_FOUND',
    });
    expect((await app.store.getRun(ns(), going.runId))?.status).toBe('executing');
  });

  it('the retention sweep purges ended runs older than the setting, in batches, and nothing else', async () => {
    const old = await finished(5);
    const going = await live();
    const lines: string[] = [];
    const later = () => Date.now() + 3_600_000;
    // An hour from now, with a day's retention: nothing is old enough.
    const patient = new RetentionSweeper({
      store: app.store,
      namespace: ns(),
      olderThanMs: 86_400_000,
      now: later,
      log: (l) => lines.push(l),
    });
    expect(await patient.sweep()).toEqual({ purged: 0, batches: 1 });
    // An hour from now, with a minute's retention: every ended run goes, two per transaction.
    const sweeper = new RetentionSweeper({
      store: app.store,
      namespace: ns(),
      olderThanMs: 60_000,
      batch: 2,
      now: later,
      log: (l) => lines.push(l),
    });
    expect(await sweeper.sweep()).toEqual({ purged: 5, batches: 3 });
    for (const id of old) expect(await app.store.getRun(ns(), id)).toBeUndefined();
    expect((await app.store.getRun(ns(), going.runId))?.status).toBe('executing');
    expect(lines).toEqual([
      expect.stringMatching(/^baton: retention: purged 5 run\(s\) of namespace "default"/),
    ]);
    expect(sweeper.purged).toBe(5);
  });

  it('a sweep that fails is logged and counted, and the next one goes on', async () => {
    await finished(1);
    const lines: string[] = [];
    const sweeper = new RetentionSweeper({
      store: app.store,
      namespace: ns(),
      olderThanMs: 1000,
      now: () => Date.now() + 60_000,
      log: (l) => lines.push(l),
    });
    await app.close();
    expect(await sweeper.sweep()).toEqual({ purged: 0, batches: 0 });
    expect(sweeper.failures).toBe(1);
    expect(lines[0]).toMatch(
      /^baton: retention: purging ended runs failed \(1 failure\(s\) so far\): .*STORE_CLOSED|closed/,
    );
    app = await openApp({ dataDir: dir });
    const again = new RetentionSweeper({
      store: app.store,
      namespace: ns(),
      olderThanMs: 1000,
      now: () => Date.now() + 60_000,
      log: () => undefined,
    });
    expect((await again.sweep()).purged).toBe(1);
  });
});
