// The typed client over every RPC `baton serve` serves today: plan, start (idempotent with a
// request id), watch (break and resume from a cursor, abort), pause, resume, signal, cancel, list and
// history, as plain objects with enums and Dates.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, RunStatus, type BatonClient, type RunEvent } from '../../../sdk/src/index.js';
import { ROOT, startServer, type ServerHandle } from './server.js';

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const APPROVAL = `workflow:
  name: approval
  version: "1"
  agents:
    work: { type: worker, endpoint: { module: "${AGENT}" } }
  tasks:
    - { id: prep, agent: work }
    - id: ship
      agent: work
      depends_on: [prep]
      wait_for: { channel: approvals, event: approved, timeout: 1m }
  coordination: { event_driven: [approvals] }
`;

let dir: string;
let server: ServerHandle;
let client: BatonClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-client-'));
  server = await startServer({
    dataDir: join(dir, 'data'),
    env: { ...process.env, BATON_SIDE_EFFECTS: join(dir, 'fx') },
  });
  client = createClient({ address: server.address, deadlineMs: 15_000 });
}, 30_000);
afterAll(async () => {
  client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(runId: string, pred: (e: RunEvent) => boolean, cursor = ''): Promise<RunEvent[]> {
  const seen: RunEvent[] = [];
  for await (const event of client.runs.watch(runId, { cursor })) {
    seen.push(event);
    if (pred(event)) break; // leaving the loop cancels the stream
  }
  return seen;
}

it('plans a workflow: levels and critical path as plain objects', async () => {
  const { plan } = await client.workflows.plan({ source: APPROVAL });
  expect(plan).toMatchObject({ taskCount: 2, criticalPath: ['prep', 'ship'] });
  expect(plan!.levels.map((l) => l.taskIds)).toEqual([['prep'], ['ship']]);
});

it('starts once per request id, pauses, resumes, takes a signal and completes; watch resumes from a cursor', async () => {
  const run = await client.runs.start({ workflowSource: APPROVAL, requestId: 'approval-1' });
  expect(run.startedAt).toBeInstanceOf(Date);
  expect((await client.runs.start({ workflowSource: APPROVAL, requestId: 'approval-1' })).runId).toBe(
    run.runId,
  );

  const before = await until(run.runId, (e) => e.type === 'TaskCompleted' && e.taskId === 'prep');
  await client.runs.pause(run.runId, 'lunch');
  await client.runs.resume(run.runId, 'back');
  await client.runs.signal({
    runId: run.runId,
    channel: 'approvals',
    event: 'approved',
    data: { by: 'ada' },
    eventId: 'e1',
  });
  const after = await until(run.runId, () => false, before.at(-1)!.cursor);

  const all = [...before, ...after];
  expect(all.map((e) => Number(e.seq))).toEqual(all.map((_, i) => i + 1));
  expect(after.at(-1)!.type).toBe('RunCompleted');
  expect(all.filter((e) => e.type === 'RunPaused' || e.type === 'RunResumed').map((e) => e.type)).toEqual([
    'RunPaused',
    'RunResumed',
  ]);
  expect(after.find((e) => e.type === 'EventReceived')?.data).toMatchObject({
    channel: 'approvals',
    data: { by: 'ada' },
  });

  const finished = await client.runs.get(run.runId);
  expect(finished.status).toBe(RunStatus.RUN_STATUS_COMPLETED);
  expect(finished.endedAt).toBeInstanceOf(Date);
  const history = await client.runs.history({ runId: run.runId, pageSize: 1000 });
  expect(history.events).toEqual(all);
  const listed = await client.runs.list({ workflowName: 'approval' });
  expect(listed.runs.map((r) => r.runId)).toContain(run.runId);
}, 30_000);

it('cancels a waiting run (its watch ends with RunCancelled) and stops a watch by AbortSignal', async () => {
  const run = await client.runs.start({ workflowSource: APPROVAL });
  await until(run.runId, (e) => e.type === 'TaskCompleted');

  // Aborted mid-watch: the iterator stops at once, before the events the server already sent.
  const controller = new AbortController();
  const seen: RunEvent[] = [];
  const watching = (async () => {
    for await (const event of client.runs.watch(run.runId, { signal: controller.signal })) {
      seen.push(event);
      controller.abort();
    }
  })();
  await expect(watching).rejects.toMatchObject({ name: 'AbortError' });
  expect(seen.map((e) => e.type)).toEqual(['RunStarted']);

  await client.runs.cancel(run.runId, 'not needed');
  const events = await until(run.runId, () => false);
  expect(events.at(-1)!.type).toBe('RunCancelled');
  expect((await client.runs.get(run.runId)).status).toBe(RunStatus.RUN_STATUS_CANCELLED);
}, 30_000);
