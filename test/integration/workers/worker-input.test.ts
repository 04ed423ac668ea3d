// A gRPC worker (the SDK, in a process of its own) whose handler asks for input (Task.requestInput):
// the run shows the question; an answer given through the TypeScript SDK client (RunService.ProvideInput)
// reaches the handler, which completes with it. With the worker on the run's owner, and on another
// instance (the question crosses through the owner's inbox, the answer through the bus). The task's
// timeout still applies while the worker waits.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { Workflow } from '../../../src/spec/schema.js';
import { createClient, type BatonClient } from '../../../sdk/src/index.js';
import { startInstance, until, type Instance } from './instances.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/workers/asking-worker.ts', import.meta.url));
const LEASE_MS = 400;
let dir: string;
let bus: Bus;
let instances: Instance[] = [];
const children: ChildProcess[] = [];
const clients: BatonClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-worker-input-'));
  bus = openMemoryBus();
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  }
  for (const c of clients.splice(0)) c.close();
  for (const i of instances) await i.close();
  instances = [];
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

const instance = async (name: string): Promise<Instance> => {
  const i = await startInstance(name, join(dir, 'data'), bus, LEASE_MS);
  instances.push(i);
  return i;
};

/** The asking worker in a process of its own, connected to `address`; resolves once it is welcomed. */
async function askingWorker(address: string, id: string): Promise<string> {
  const log = join(dir, `${id}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, address, id, 'desk', log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  expect(line).toBe('ready');
  return log;
}

const lines = (log: string) =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; answer?: unknown; question?: string })
    : [];

const spec = (task: Record<string, unknown> = {}) =>
  Workflow.parse({
    name: 'ask',
    version: '1',
    agents: { clerk: { type: 'tool', endpoint: { queue: 'desk' } } },
    tasks: [{ id: 'ship', agent: 'clerk', ...task }],
  });

function sdk(address: string): BatonClient {
  const c = createClient({ address });
  clients.push(c);
  return c;
}

async function waitingQuestion(client: BatonClient, runId: string, question: string): Promise<void> {
  await until(
    async () => (await client.runs.get(runId)).inputRequired[0]?.question === question,
    `the question "${question}"`,
  );
}

it.each([
  ['on the owner', false],
  ['on another instance than the owner', true],
])('a worker %s asks for input; the answer given through the SDK reaches its handler', async (_, cross) => {
  const a = await instance('a');
  const b = cross ? await instance('b') : a;
  const log = await askingWorker(b.address, 'asker');
  const client = sdk(a.address);
  const run = await a.app.engine.start(spec({ input: { questions: '2' } }), {});
  await waitingQuestion(client, run.runId, 'Ship to which address?');
  const shown = (await client.runs.get(run.runId)).inputRequired[0]!;
  expect(shown).toMatchObject({ taskId: 'ship', attempt: 1, data: { choices: ['home', 'office'] } });
  expect(shown.since).toBeInstanceOf(Date);
  const first = await client.runs.provideInput({
    runId: run.runId,
    taskId: 'ship',
    input: { to: 'office' },
    requestId: 'answer-1',
  });
  expect(first.taskId).toBe('ship');
  // The same request again: taken once (the worker does not get it twice).
  await client.runs.provideInput({
    runId: run.runId,
    taskId: 'ship',
    input: { to: 'office' },
    requestId: 'answer-1',
  });
  await waitingQuestion(client, run.runId, 'Question 2?');
  await client.runs.provideInput({ runId: run.runId, taskId: 'ship', input: 'by noon' });
  const final = await a.app.engine.settled(run.runId);
  expect(final.status).toBe('completed');
  expect(final.output).toEqual({ ship: { answers: [{ to: 'office' }, 'by noon'], by: 'asker' } });
  expect(
    lines(log)
      .filter((l) => l.event === 'answered')
      .map((l) => l.answer),
  ).toEqual([{ to: 'office' }, 'by noon']);
  const types = (await a.app.store.read(a.app.engine.namespace, run.runId)).map((r) => r.type);
  expect(types.filter((t) => t === 'TaskInputRequired')).toHaveLength(2);
  expect(types.filter((t) => t === 'TaskInputProvided')).toHaveLength(2);
});

it('the task timeout still applies while the worker waits for input', async () => {
  const a = await instance('a');
  await askingWorker(a.address, 'slow-asker');
  const run = await a.app.engine.start(spec({ timeout: '1s', retry: { max_attempts: 1 } }), {});
  const client = sdk(a.address);
  await waitingQuestion(client, run.runId, 'Ship to which address?');
  const final = await a.app.engine.settled(run.runId);
  expect(final.status).toBe('failed');
  expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_TIMEOUT', key: 'ship' });
  await expect(
    client.runs.provideInput({ runId: run.runId, taskId: 'ship', input: 1 }),
  ).rejects.toMatchObject({ code: 'BATON_E_RUN_ENDED' });
});
