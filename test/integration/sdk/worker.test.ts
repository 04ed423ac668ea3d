// createWorker against the built `baton serve` (a child process) over loopback gRPC: workers serve a
// queue and an agent id and a workflow completes with what their handlers computed; a handler that
// throws is reported as a failure and the run retries it per its policy (or not, for a non-retryable
// TaskFailure); close() lets in-flight work finish and report before the stream ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createClient,
  createWorker,
  RunStatus,
  TaskFailure,
  type BatonClient,
  type RunEvent,
  type Worker,
  type WorkerEvent,
} from '../../../sdk/src/index.js';
import { startServer, type ServerHandle } from './server.js';

let dir: string;
let server: ServerHandle;
let client: BatonClient;
let workers: Worker[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-worker-'));
  server = await startServer({ dataDir: join(dir, 'data') });
  client = createClient({ address: server.address, deadlineMs: 20_000 });
});

afterEach(async () => {
  for (const w of workers) await w.close();
  workers = [];
  client.close();
  await server.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function worker(options: Omit<Parameters<typeof createWorker>[0], 'address'>): Worker {
  const w = createWorker({ address: server.address, ...options });
  workers.push(w);
  return w;
}

async function watchToEnd(runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of client.runs.watch(runId)) events.push(event);
  return events;
}

const PIPELINE = `workflow:
  name: word-pipeline
  version: "1"
  agents:
    splitter: { type: tool, endpoint: { queue: splitting } }
    counter: { type: tool }
  tasks:
    - id: split
      agent: splitter
      description: Split the text into words
      input: { text: "input.text" }
    - id: count
      agent: counter
      depends_on: [split]
      input: { words: "tasks.split.output.words" }
`;

it('two SDK workers (a queue and an agent id) complete a workflow with the outputs their handlers computed', async () => {
  const seen: { taskId: string; description: string | undefined; input: unknown }[] = [];
  const splitter = worker({
    workerId: 'splitter-1',
    queues: ['splitting'],
    capacity: 2,
    handler: (task) => {
      seen.push({ taskId: task.taskId, description: task.description, input: task.input });
      return { words: String(task.input['text']).split(' ') };
    },
  });
  const counter = worker({
    workerId: 'counter-1',
    agents: ['counter'],
    capacity: 1,
    handler: (task) => {
      seen.push({ taskId: task.taskId, description: task.description, input: task.input });
      return { count: (task.input['words'] as string[]).length };
    },
  });
  await Promise.all([splitter.ready, counter.ready]);

  const run = await client.runs.start({
    workflowSource: PIPELINE,
    inputData: { text: 'one two three four' },
  });
  const events = await watchToEnd(run.runId);
  expect(events.at(-1)!.type).toBe('RunCompleted');
  const finished = await client.runs.get(run.runId);
  expect(finished.status).toBe(RunStatus.RUN_STATUS_COMPLETED);
  expect(finished.outputs).toEqual({ count: { count: 4 } });
  expect(seen).toEqual([
    { taskId: 'split', description: 'Split the text into words', input: { text: 'one two three four' } },
    { taskId: 'count', description: undefined, input: { words: ['one', 'two', 'three', 'four'] } },
  ]);
}, 60_000);

const FLAKY = (retry: string) => `workflow:
  name: flaky
  version: "1"
  agents:
    flaky: { type: tool, endpoint: { queue: flaky } }
  tasks:
    - { id: fetch, agent: flaky, retry: ${retry} }
`;

it('a handler that throws is reported as a failure and the run retries the task per its policy', async () => {
  const events: WorkerEvent[] = [];
  const attempts: number[] = [];
  const w = worker({
    workerId: 'flaky-1',
    queues: ['flaky'],
    capacity: 1,
    onEvent: (e) => events.push(e),
    handler: (task) => {
      attempts.push(task.attempt);
      if (task.attempt < 3) throw new Error(`upstream timed out (attempt ${task.attempt})`);
      return { body: 'fetched' };
    },
  });
  await w.ready;
  const run = await client.runs.start({
    workflowSource: FLAKY('{ max_attempts: 3, initial_interval: "50ms" }'),
  });
  const journal = await watchToEnd(run.runId);
  expect(journal.at(-1)!.type).toBe('RunCompleted');
  expect(attempts).toEqual([1, 2, 3]);
  const failed = events.filter((e) => e.type === 'failed');
  expect(failed.map((e) => e.type === 'failed' && [e.code, e.retryable, e.message])).toEqual([
    ['BATON_E_AGENT_FAILED', true, 'upstream timed out (attempt 1)'],
    ['BATON_E_AGENT_FAILED', true, 'upstream timed out (attempt 2)'],
  ]);
  // The journal holds the worker's failure messages.
  expect(JSON.stringify(journal)).toContain('upstream timed out (attempt 1)');
  // Every result got a receipt saying it counted.
  const receipts = events.filter((e) => e.type === 'receipt');
  expect(receipts).toHaveLength(3);
  expect(receipts.every((e) => e.type === 'receipt' && e.accepted)).toBe(true);
}, 60_000);

it('a non-retryable TaskFailure fails the run without another attempt', async () => {
  const attempts: number[] = [];
  const w = worker({
    workerId: 'strict-1',
    queues: ['flaky'],
    capacity: 1,
    handler: (task) => {
      attempts.push(task.attempt);
      throw new TaskFailure('the document is not valid UTF-8', { retryable: false });
    },
  });
  await w.ready;
  const run = await client.runs.start({
    workflowSource: FLAKY('{ max_attempts: 3, initial_interval: "50ms" }'),
  });
  const journal = await watchToEnd(run.runId);
  expect(journal.at(-1)!.type).toBe('RunFailed');
  expect(attempts).toEqual([1]);
  const text = JSON.stringify(journal);
  expect(text).toContain('BATON_E_AGENT_REJECTED');
  expect(text).toContain('the document is not valid UTF-8');
}, 60_000);

it('close() drains: in-flight work finishes and is reported, then the worker stops', async () => {
  const events: WorkerEvent[] = [];
  let started!: () => void;
  const inHandler = new Promise<void>((resolve) => (started = resolve));
  const w = worker({
    workerId: 'drainer-1',
    queues: ['flaky'],
    capacity: 1,
    drainGraceMs: 20_000,
    onEvent: (e) => events.push(e),
    handler: async (task) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 800));
      return { aborted: task.signal.aborted };
    },
  });
  await w.ready;
  // ListWorkers names the connected worker, the queue it serves and its capacity.
  const listed = await client.agents.listWorkers();
  expect(listed.workers.find((x) => x.workerId === 'drainer-1')).toMatchObject({
    routes: ['flaky'],
    capacity: 1,
  });
  const run = await client.runs.start({ workflowSource: FLAKY('{ max_attempts: 1 }') });
  await inHandler;
  expect(w.inFlight).toBe(1);
  await w.close();
  expect(w.inFlight).toBe(0);
  // The result went out (and counted) before the stream ended.
  const order = events.map((e) => e.type);
  expect(order).toContain('completed');
  expect(order.indexOf('completed')).toBeLessThan(order.indexOf('stopped'));
  const journal = await watchToEnd(run.runId);
  expect(journal.at(-1)!.type).toBe('RunCompleted');
  expect(JSON.stringify(journal)).toContain('"aborted":false');
  // A closed worker no longer serves the queue.
  const agents = await client.agents.list();
  expect(agents.agents.find((a) => a.agentId === 'flaky')?.connectedWorkers ?? 0).toBe(0);
}, 60_000);

it('refuses bad options with a message naming the option', () => {
  const base = { address: '127.0.0.1:1', handler: () => ({}) };
  expect(() => createWorker({ ...base, capacity: 1 })).toThrow(/agents or queues/);
  expect(() => createWorker({ ...base, queues: ['q'], capacity: 0 })).toThrow(/capacity must be an integer/);
  expect(() => createWorker({ ...base, queues: [''], capacity: 1 })).toThrow(/empty names/);
});
