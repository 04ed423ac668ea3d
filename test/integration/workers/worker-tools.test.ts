// A gRPC worker (the SDK, in a process of its own) whose handler runs tool calls (Task.tool) under its
// run's hooks: a pre_command hook transforms one command, allows another and denies a third (which never
// runs, failing the task naming the hook); a post_command hook runs after each tool that ran. The hooks'
// decisions are journaled as for an in-process agent (subjects KEY/ATTEMPT/toolN). With the worker on
// another instance than the run's owner, each call and its result are forwarded to the owner through the
// run's inbox and the answers come back on the control stream: the same verdicts, journaled once each.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { Workflow } from '../../../src/spec/schema.js';
import { startInstance, until, type Instance } from './instances.js';
import { openTestBus } from '../bus/redis-harness.js';
import { dropProxy } from '../sdk/worker-server.js';
import { dropSchema, pgTestSchema } from '../store/pg-schema.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/workers/tool-worker.ts', import.meta.url));
const LEASE_MS = 400;
let dir: string;
let bus: Bus;
let instances: Instance[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-worker-tools-'));
  bus = openMemoryBus();
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  }
  for (const i of instances) await i.close();
  instances = [];
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

const instance = async (
  name: string,
  over?: { bus?: Bus; store?: string; toolAnswerMs?: number },
): Promise<Instance> => {
  const i = await startInstance(
    name,
    join(dir, 'data'),
    over?.bus ?? bus,
    LEASE_MS,
    over?.store,
    over?.toolAnswerMs,
  );
  instances.push(i);
  return i;
};

/** The tool worker in a process of its own, connected to `address`; resolves once it is welcomed. */
async function toolWorker(address: string, id: string): Promise<string> {
  const log = join(dir, `${id}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, address, id, 'shell', log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  expect(line).toBe('ready');
  return log;
}

type Line = { event: string; args?: unknown; message?: string; code?: string; retryable?: boolean };
const lines = (log: string): Line[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
    : [];

/** pre_command: `rm ...` becomes `ls`, `curl ...` is denied, anything else allowed; post_command logs. */
const POLICY = [
  'input=$(cat)',
  'case "$input" in',
  `  *'"cmd":"rm'*) echo '{"verdict":"transform","patch":{"args":{"cmd":"ls /tmp/x"}}}' ;;`,
  `  *'"cmd":"curl'*) echo '{"verdict":"deny","message":"no network"}' ;;`,
  `  *) echo '{"verdict":"allow"}' ;;`,
  'esac',
].join('\n');

const spec = (commands: string[]) =>
  Workflow.parse({
    name: 'tools',
    version: '1',
    agents: { shell: { type: 'tool', endpoint: { queue: 'shell' } } },
    tasks: [{ id: 'work', agent: 'shell', retry: { max_attempts: 3 }, input: JSON.stringify({ commands }) }],
    hooks: [
      { name: 'policy', trigger: 'pre_command', command: 'sh', args: ['-c', POLICY] },
      { name: 'audit', trigger: 'post_command', command: 'sh', args: ['-c', 'cat > /dev/null'] },
    ],
  });

type Row = Record<string, unknown> & { type: string };
const journal = async (i: Instance, runId: string): Promise<Row[]> =>
  (await i.app.store.read('default', runId)).map((r) => ({
    ...(r.data as Record<string, unknown>),
    type: r.type,
  }));

it.each([
  ['on the owner', false],
  ['on another instance than the owner', true],
])('a worker %s runs its tool calls under the run hooks: transformed, allowed, denied', async (_, cross) => {
  const a = await instance('a');
  const b = cross ? await instance('b') : a;
  await guardedTools(a, b);
});

it('over PostgreSQL + Redis, a worker on the non-owner has its tool calls put to the owner hooks', async () => {
  const { schema, url } = pgTestSchema('wtools');
  const prefix = `baton-test-${randomUUID()}`;
  const buses = [await openTestBus({ prefix }), await openTestBus({ prefix })];
  try {
    const a = await instance('a', { bus: buses[0]!.bus, store: url });
    const b = await instance('b', { bus: buses[1]!.bus, store: url });
    await guardedTools(a, b);
  } finally {
    for (const i of instances.splice(0)) await i.close();
    for (const t of buses) await t.cleanup();
    await dropSchema(schema);
  }
});

async function guardedTools(a: Instance, b: Instance): Promise<void> {
  const cross = a !== b;
  const log = await toolWorker(b.address, 'tools');
  const run = await a.app.engine.start(spec(['rm -rf /tmp/x', 'git status', 'curl evil.example']), {});
  const s = await a.app.engine.settled(run.runId);
  expect(s.status).toBe('failed');
  expect(s.error?.message).toContain('hook "policy" denied pre_command: no network');
  expect(s.error?.code).toBe('BATON_E_AGENT_REJECTED');
  // The tool got the transformed args, then the allowed ones, and never ran the denied call.
  const seen = lines(log);
  expect(seen.filter((l) => l.event === 'ran').map((l) => l.args)).toEqual([
    { cmd: 'ls /tmp/x' },
    { cmd: 'git status' },
  ]);
  expect(seen.filter((l) => l.event === 'refused')).toEqual([
    expect.objectContaining({
      code: 'BATON_E_HOOK_DENIED',
      retryable: false,
      message: expect.stringContaining('hook "policy" denied pre_command: no network') as unknown,
    }),
  ]);
  const entries = await journal(a, run.runId);
  // A deny is not retried though the task allows 3 attempts: the attempt fails once.
  expect(entries.filter((e) => e.type === 'TaskDispatched')).toHaveLength(1);
  expect(entries.filter((e) => e.type === 'TaskFailed')).toHaveLength(1);
  const decided = entries
    .filter((e) => e.type === 'HookDecided')
    .map((e) => ({ trigger: e.trigger, subject: e.subject, outcome: e.outcome, hook: e.hook, args: e.args }));
  // Each verdict journaled exactly once, by the owner.
  expect(decided).toEqual([
    {
      trigger: 'pre_command',
      subject: 'work/1/tool1',
      outcome: 'transform',
      hook: 'policy',
      args: { cmd: 'ls /tmp/x' },
    },
    { trigger: 'post_command', subject: 'work/1/tool1', outcome: 'allow', hook: undefined, args: undefined },
    { trigger: 'pre_command', subject: 'work/1/tool2', outcome: 'allow', hook: undefined, args: undefined },
    { trigger: 'post_command', subject: 'work/1/tool2', outcome: 'allow', hook: undefined, args: undefined },
    { trigger: 'pre_command', subject: 'work/1/tool3', outcome: 'deny', hook: 'policy', args: undefined },
  ]);
  if (cross) {
    // The tool messages went through the run's inbox, and are dropped from it once answered.
    const tools = async () =>
      (await a.app.store.readInbox('default', run.runId)).filter((m) => m.kind.startsWith('tool_'));
    await until(async () => (await tools()).length === 0, 'the tool messages to leave the inbox');
  }
}

/**
 * A one-task workflow whose pre_command hook records each ask (its idempotency key, in `marks`) and
 * hangs until the file `release` exists, then rewrites the command to `ls`.
 */
function gatedWorkflow(marks: string, release: string) {
  const gate = [
    `echo "$BATON_IDEMPOTENCY_KEY" >> ${marks}`,
    `while [ ! -f ${release} ]; do sleep 0.05; done`,
    `echo '{"verdict":"transform","patch":{"args":{"cmd":"ls"}}}'`,
  ].join('; ');
  return Workflow.parse({
    name: 'tools',
    version: '1',
    agents: { shell: { type: 'tool', endpoint: { queue: 'shell' } } },
    tasks: [{ id: 'work', agent: 'shell', input: JSON.stringify({ commands: ['rm -rf /'] }) }],
    hooks: [{ name: 'gate', trigger: 'pre_command', command: 'sh', args: ['-c', gate], timeout_ms: 60_000 }],
  });
}

it('the owner dies while a forwarded call is put to its hooks: the new owner asks again, same key', async () => {
  const marks = join(dir, 'marks');
  const release = join(dir, 'release');
  // Each ask is recorded; the first one hangs until released (its owner is killed meanwhile).
  const wf = gatedWorkflow(marks, release);
  const a = await instance('a');
  const b = await instance('b');
  const log = await toolWorker(b.address, 'tools');
  const run = await a.app.engine.start(wf, {});
  const asks = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : []);
  await until(() => asks().length === 1, 'the pre_command hook asked at the owner');
  await a.kill();
  instances = instances.filter((i) => i !== a);
  writeFileSync(release, '');
  await until(async () => {
    try {
      await b.app.engine.resume(run.runId);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'BATON_E_RUN_OWNED') return false;
      throw e;
    }
  }, 'the run taken over by B');
  const s = await b.app.engine.settled(run.runId);
  expect(s.status).toBe('completed');
  expect(s.output).toEqual({ work: { results: [{ exit: 0, ran: 'ls' }] } });
  expect(lines(log).filter((l) => l.event === 'ran')).toEqual([{ event: 'ran', args: { cmd: 'ls' } }]);
  // Asked again by the new owner under the same key; its verdict journaled once.
  expect(asks()).toEqual([
    `${run.runId}/pre_command/work/1/tool1/gate`,
    `${run.runId}/pre_command/work/1/tool1/gate`,
  ]);
  const decided = (await journal(b, run.runId)).filter((e) => e.type === 'HookDecided');
  expect(decided).toHaveLength(1);
  expect(decided[0]).toMatchObject({ subject: 'work/1/tool1', outcome: 'transform', args: { cmd: 'ls' } });
}, 60_000);

it('no answer from the owner in time: the forwarded call fails coded, the tool never runs', async () => {
  const wf = Workflow.parse({
    name: 'tools',
    version: '1',
    agents: { shell: { type: 'tool', endpoint: { queue: 'shell' } } },
    tasks: [{ id: 'work', agent: 'shell', input: JSON.stringify({ commands: ['ls'] }) }],
    hooks: [
      {
        name: 'hang',
        trigger: 'pre_command',
        command: 'sh',
        args: ['-c', `touch ${join(dir, 'asked')}; sleep 30`],
        timeout_ms: 60_000,
      },
    ],
  });
  const a = await instance('a');
  // A task without a timeout: the wait is bounded by toolAnswerMs (10 minutes unless configured).
  const b = await instance('b', { toolAnswerMs: 1500 });
  const log = await toolWorker(b.address, 'tools');
  await a.app.engine.start(wf, {});
  // The owner dies while its hook hangs, and nobody takes the run over.
  await until(() => existsSync(join(dir, 'asked')), 'the pre_command hook asked at the owner');
  await a.kill();
  instances = instances.filter((i) => i !== a);
  await until(() => lines(log).some((l) => l.event === 'refused'), 'the call to fail');
  expect(lines(log)).toEqual([
    expect.objectContaining({
      event: 'refused',
      code: 'BATON_E_TOOL_CALL_TIMEOUT',
      message: expect.stringContaining("no answer from the run's owner") as unknown,
    }),
  ]);
}, 30_000);

it('a worker on the non-owner that reconnects mid-call gets the same verdict: the hook is asked once', async () => {
  const marks = join(dir, 'marks');
  const release = join(dir, 'release');
  const wf = gatedWorkflow(marks, release);
  const a = await instance('a');
  const b = await instance('b');
  const proxy = await dropProxy(b.address);
  try {
    const log = await toolWorker(proxy.address, 'tools');
    const run = await a.app.engine.start(wf, {});
    const asks = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : []);
    await until(() => asks().length === 1, 'the pre_command hook asked at the owner');
    // The connection drops while the hook decides; the verdict comes while the worker is away.
    proxy.cut();
    writeFileSync(release, '');
    const s = await a.app.engine.settled(run.runId);
    expect(s.status).toBe('completed');
    expect(lines(log).filter((l) => l.event === 'ran')).toEqual([{ event: 'ran', args: { cmd: 'ls' } }]);
    expect(asks()).toHaveLength(1);
    const decided = (await journal(a, run.runId)).filter((e) => e.type === 'HookDecided');
    expect(decided).toHaveLength(1);
  } finally {
    proxy.close();
  }
}, 30_000);
