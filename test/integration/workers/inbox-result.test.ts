// A worker's result that reaches a run's owner through the run's inbox (how another instance reports
// it): journaled as the attempt's outcome exactly once, found by its idempotency key, and the owner's
// waiting attempt let go so the run goes on. Duplicates, stale keys and results for another attempt
// are dropped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { Workflow } from '../../../src/spec/schema.js';
import { startInstance, until, type Instance } from './instances.js';

let dir: string;
let bus: Bus;
let a: Instance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-inbox-result-'));
  bus = openMemoryBus();
  a = await startInstance('a', join(dir, 'data'), bus, 400);
});

afterEach(async () => {
  await a.close();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

it('journals a posted result once, by idempotency key, and the run goes on', async () => {
  const ns = a.app.engine.namespace;
  const run = await a.app.engine.start(
    Workflow.parse({
      name: 'inbox',
      version: '1',
      agents: { q: { type: 'tool', endpoint: { queue: 'nobody-here' } } },
      tasks: [{ id: 'x', agent: 'q' }],
    }),
    {},
  );
  let idem = '';
  await until(async () => {
    const d = (await a.app.store.read(ns, run.runId)).find((r) => r.type === 'TaskDispatched');
    idem = (d?.data as { idem?: string } | undefined)?.idem ?? '';
    return idem !== '';
  }, 'the dispatch');
  const post = (payload: object) =>
    a.app.store.postToInbox(ns, run.runId, { kind: 'result', payload, at: Date.now() });
  // Not this attempt's key: dropped. Then the result, twice (a worker's retry), the second without key.
  await post({ idem: 'someone-else', output: { wrong: true } });
  await post({ idem, key: 'x', attempt: 1, output: { ok: 'via the inbox' } });
  await post({ idem, output: { ok: 'again' } });
  const final = await a.app.engine.settled(run.runId);
  expect(final.output).toEqual({ x: { ok: 'via the inbox' } });
  const records = await a.app.store.read(ns, run.runId);
  expect(records.filter((r) => r.type === 'TaskCompleted')).toHaveLength(1);
  // Every message was taken: journaled or dropped, none left behind.
  await until(async () => (await a.app.store.readInbox(ns, run.runId)).length === 0, 'the inbox to empty');
  expect(a.workers.hub.queued).toBe(0);
});

it('journals a result sent along with its wake-up once, however often it arrives, and marks its claim done', async () => {
  const ns = a.app.engine.namespace;
  const run = await a.app.engine.start(
    Workflow.parse({
      name: 'sent-along',
      version: '1',
      agents: { q: { type: 'tool', endpoint: { queue: 'nobody-here' } } },
      tasks: [
        { id: 'x', agent: 'q' },
        { id: 'y', agent: 'q', depends_on: ['x'] },
      ],
    }),
    {},
  );
  const dispatched = async (key: string) => {
    let idem = '';
    await until(async () => {
      const d = (await a.app.store.read(ns, run.runId)).find(
        (r) => r.type === 'TaskDispatched' && (r.data as { key: string }).key === key,
      );
      idem = (d?.data as { idem?: string } | undefined)?.idem ?? '';
      return idem !== '';
    }, `the dispatch of ${key}`);
    return idem;
  };
  const idem = await dispatched('x');
  // What another instance does with its worker's result: one commit for the post and the claim's end,
  // then the message itself on the owner's wake stream; the owner's inbox read finds it too.
  const message = { kind: 'result', payload: { idem, key: 'x', attempt: 1, output: { ok: 1 } }, at: 1 };
  const id = await a.app.store.postResult(ns, run.runId, message, idem, Date.now());
  const sent = { id, runId: run.runId, ...message };
  a.app.engine.deliverInbox([sent]);
  a.app.engine.deliverInbox([sent]);
  a.app.engine.pollInboxes();
  const next = await dispatched('y');
  expect(await a.app.store.getWork(ns, idem)).toMatchObject({ done: true });
  // Journaled once, then deleted (under the owner's fence, the run going on).
  await until(async () => (await a.app.store.readInbox(ns, run.runId)).length === 0, 'the inbox to empty');
  await a.app.store.postToInbox(ns, run.runId, {
    kind: 'result',
    payload: { idem: next, key: 'y', attempt: 1, output: { ok: 2 } },
    at: 2,
  });
  const final = await a.app.engine.settled(run.runId);
  expect(final.output).toEqual({ y: { ok: 2 } });
  const completed = (await a.app.store.read(ns, run.runId)).filter((r) => r.type === 'TaskCompleted');
  expect(completed.map((r) => (r.data as { key: string }).key)).toEqual(['x', 'y']);
});
