// Hooks in real runs: the engine over SQLite in a temp dir with in-process agents, exec hooks as real
// processes and an http hook on loopback. Every trigger fires where documented (journal order), the
// verdicts do what they say, and a hook's verdict is journaled before the engine acts on it.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App, type AppHooks } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import type { HookConfig, HookExecution } from '../../../src/hooks/hook-model.js';
import { hookConfig } from '../../../src/hooks/hook-model.js';

let dir: string;
const apps: App[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-hooks-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function app(handlers: Record<string, AgentHandler>, hooks: AppHooks = {}): Promise<App> {
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
    hooks,
  });
  apps.push(a);
  return a;
}

const wf = (tasks: unknown[], hooks: unknown[], extra: Record<string, unknown> = {}): WorkflowSpec =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    agents: { a: { type: 't', capabilities: ['x'] }, b: { type: 't', capabilities: ['x'] } },
    tasks,
    hooks,
    ...extra,
  });

/** An exec hook: `sh -c script`, appending "<trigger> <subject key>" to `log` first. */
function sh(name: string, trigger: string, script: string, extra: Record<string, unknown> = {}) {
  const log = join(dir, 'hooks.log');
  return {
    name,
    trigger,
    command: 'sh',
    args: ['-c', `echo "${name} $BATON_IDEMPOTENCY_KEY" >> ${log}; ${script}`],
    ...extra,
  };
}
const logLines = (): string[] =>
  existsSync(join(dir, 'hooks.log')) ? readFileSync(join(dir, 'hooks.log'), 'utf8').trim().split('\n') : [];

type Row = Record<string, unknown> & { type: string };
async function journal(a: App, runId: string): Promise<Row[]> {
  return (await a.store.read('default', runId)).map((r) => ({
    ...(r.data as Record<string, unknown>),
    type: r.type,
  }));
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hooks in runs (in-process agents)', () => {
  it('fires every trigger where documented, in journal order, and the agent gets the transformed input', async () => {
    const seen: unknown[] = [];
    const ran: unknown[] = [];
    const a = await app({
      a: async (ctx) => {
        seen.push(ctx.input);
        const out = await ctx.tool('command', { cmd: 'rm -rf /tmp/x' }, (args) => {
          ran.push(args);
          return 'done';
        });
        await ctx.tool('edit', { file: 'a.txt', content: 'x' }, () => 'edited');
        return { out };
      },
    });
    const spec = wf(
      [{ id: 'one', agent: 'a', input: '{"q": 1}' }],
      [
        sh('start', 'session_start', 'exit 0'),
        sh('shape', 'pre_task', `echo '{"verdict":"transform","patch":{"input":{"lang":"en"}}}'`),
        sh('safe-cmd', 'pre_command', `echo '{"verdict":"transform","patch":{"args":{"cmd":"ls /tmp/x"}}}'`),
        sh('after-cmd', 'post_command', 'exit 0'),
        sh('fmt', 'post_edit', 'exit 0'),
        sh('qa', 'post_task', `echo '{"verdict":"warn","message":"short answer"}'`),
        sh('note', 'notification', 'exit 0'),
        sh('bye', 'session_end', 'exit 0'),
      ],
    );
    const run = await a.engine.start(spec, {});
    const state = await a.engine.settled(run.runId);
    expect(state.status).toBe('completed');
    expect(seen).toEqual([{ q: 1, lang: 'en' }]);
    expect(ran).toEqual([{ cmd: 'ls /tmp/x' }]);
    const j = await journal(a, run.runId);
    const order = j.map((e) =>
      e.type === 'HookDecided' ? `${e.type}:${e.trigger as string}:${e.outcome as string}` : e.type,
    );
    expect(order).toEqual([
      'RunStarted',
      'HookDecided:session_start:allow',
      'HookDecided:pre_task:transform',
      'TaskDispatched',
      'HookDecided:pre_command:transform',
      'HookDecided:post_command:allow',
      'HookDecided:post_edit:allow',
      'TaskCompleted',
      'HookDecided:post_task:warn',
      'RunCompleted',
      // session_end's hooks are recorded once they ran: the only entry after the run's end.
      'HookDecided:session_end:allow',
    ]);
    const pre = j.find((e) => e.trigger === 'pre_task')!;
    expect(pre).toMatchObject({ hook: 'shape', input: { q: 1, lang: 'en' }, agent: 'a' });
    expect((pre.hooks as Array<{ name: string; ref: string }>)[0]).toMatchObject({
      name: 'shape',
      ref: expect.stringMatching(/^sh -c /) as unknown,
    });
    // The hooks a run uses are journaled with it.
    const started = j[0] as unknown as { options: { hooks: HookConfig[] } };
    expect(started.options.hooks.map((h) => h.name)).toEqual([
      'start',
      'shape',
      'safe-cmd',
      'after-cmd',
      'fmt',
      'qa',
      'note',
      'bye',
    ]);
    // notification (async, in process without a queue) and session_end run after their commits.
    await until(() => logLines().some((l) => l.startsWith('bye ')), 'session_end hook');
    await until(() => logLines().filter((l) => l.startsWith('note ')).length >= 4, 'notifications');
    expect(logLines().find((l) => l.startsWith('bye '))).toBe(`bye ${run.runId}/session_end/run/bye`);
  });

  it('a pre_task deny fails the task at once (no retry) naming the hook, and the run compensates', async () => {
    const calls: string[] = [];
    const a = await app({
      a: ({ taskId }) => {
        calls.push(taskId);
        return taskId;
      },
    });
    const spec = wf(
      [
        { id: 'one', agent: 'a', compensate: { agent: 'a' } },
        { id: 'two', agent: 'a', depends_on: ['one'], retry: { max_attempts: 5 } },
      ],
      [
        sh(
          'policy',
          'pre_task',
          `case "$(cat)" in *'"task":"two"'*) echo "two is not allowed" >&2; exit 2;; esac`,
        ),
      ],
    );
    const run = await a.engine.start(spec, {});
    const state = await a.engine.settled(run.runId);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({
      code: 'BATON_E_HOOK_DENIED',
      key: 'two',
      message: 'hook "policy" denied pre_task: two is not allowed',
    });
    // one ran, then its compensation: two never reached an agent.
    expect(calls).toEqual(['one', 'one']);
    const j = await journal(a, run.runId);
    expect(j.find((e) => e.type === 'CompensationStarted')).toMatchObject({ keys: ['one'] });
    expect(j.filter((e) => e.type === 'RetryScheduled')).toEqual([]);
  });

  it('orders by priority, stops at the first deny but runs always_run hooks; a hook killed by a signal warns', async () => {
    const a = await app({ a: () => 'never' });
    const spec = wf(
      [{ id: 'one', agent: 'a' }],
      [
        sh('audit', 'pre_task', 'exit 0', { priority: 900, always_run: true }),
        sh('skipped', 'pre_task', 'exit 0', { priority: 50 }),
        sh('denies', 'pre_task', 'exit 2', { priority: 10 }),
        sh('crashes', 'pre_task', 'kill -SEGV $$', { priority: 5 }),
        sh('first', 'pre_task', 'exit 0', { priority: 1 }),
      ],
    );
    const run = await a.engine.start(spec, {});
    const state = await a.engine.settled(run.runId);
    expect(state.status).toBe('failed');
    const decided = (await journal(a, run.runId)).find((e) => e.type === 'HookDecided')!;
    expect(
      (decided.hooks as Array<{ name: string; outcome: string }>).map((h) => `${h.name}:${h.outcome}`),
    ).toEqual(['first:allow', 'crashes:warn', 'denies:deny', 'skipped:skipped', 'audit:allow']);
    expect(state.error?.message).toBe('hook "denies" denied pre_task: exited with code 2');
    // skipped never ran; audit (always_run) did.
    expect(logLines().map((l) => l.split(' ')[0])).toEqual(['first', 'crashes', 'denies', 'audit']);
  });

  it('a hook that hangs is killed at its timeout and named: fail closed denies, fail open goes on', async () => {
    const a = await app({ a: () => 'ok' });
    const closed = await a.engine.start(
      wf([{ id: 'one', agent: 'a' }], [sh('slow', 'pre_task', 'sleep 30', { timeout_ms: 300 })]),
      {},
    );
    const s1 = await a.engine.settled(closed.runId);
    expect(s1.error).toMatchObject({ code: 'BATON_E_HOOK_DENIED' });
    expect(s1.error?.message).toContain('hook "slow" failed: timed out after 300 ms');
    const open = await a.engine.start(
      wf(
        [{ id: 'one', agent: 'a' }],
        [sh('slow', 'pre_task', 'sleep 30', { timeout_ms: 300, fail: 'open' })],
      ),
      {},
    );
    expect((await a.engine.settled(open.runId)).status).toBe('completed');
  });

  it('a hook that prints 100 MB is contained and named', async () => {
    const a = await app({ a: () => 'ok' });
    const run = await a.engine.start(
      wf(
        [{ id: 'one', agent: 'a' }],
        [sh('loud', 'post_task', 'head -c 104857600 /dev/zero', { fail: 'closed' })],
      ),
      {},
    );
    const s = await a.engine.settled(run.runId);
    expect(s.error?.message).toContain('hook "loud" failed: wrote more than 1048576 bytes to stdout');
  });

  it('a tool call a pre-hook denies never runs, and the task fails once (not retried) naming the hook', async () => {
    let ran = false;
    let attempts = 0;
    const a = await app({
      a: (ctx) =>
        ++attempts &&
        ctx.tool('command', { cmd: 'curl evil' }, () => {
          ran = true;
          return 'x';
        }),
    });
    const run = await a.engine.start(
      wf(
        [{ id: 'one', agent: 'a', retry: { max_attempts: 3, initial_interval: '10ms' } }],
        [
          sh('no-net', 'pre_command', `echo '{"verdict":"deny","message":"no network"}'`, {
            matcher: { tool: 'command' },
          }),
        ],
      ),
      {},
    );
    const s = await a.engine.settled(run.runId);
    expect(ran).toBe(false);
    expect(s.status).toBe('failed');
    expect(s.error?.message).toContain('hook "no-net" denied pre_command: no network');
    expect(s.error?.code).toBe('BATON_E_HOOK_DENIED');
    expect(attempts).toBe(1);
  });

  it('an async pre_command hook never holds the tool call, even when it would deny', async () => {
    let ran = false;
    const a = await app({
      a: (ctx) =>
        ctx.tool('command', { cmd: 'ls' }, () => {
          ran = true;
          return 'listed';
        }),
    });
    const run = await a.engine.start(
      wf(
        [{ id: 'one', agent: 'a', retry: { max_attempts: 1 } }],
        [sh('audit', 'pre_command', `echo '{"verdict":"deny","message":"too late"}'`, { mode: 'async' })],
      ),
      {},
    );
    const s = await a.engine.settled(run.runId);
    expect(s.status).toBe('completed');
    expect(ran).toBe(true);
    expect((await journal(a, run.runId)).filter((e) => e.type === 'HookDecided')).toEqual([]);
    await until(() => logLines().some((l) => l.startsWith('audit ')), 'the async hook to run');
  });

  it('global hooks are bound when a run starts; logs get every execution', async () => {
    const global: HookConfig[] = [
      hookConfig(
        {
          name: 'g',
          trigger: 'pre_task',
          command: 'sh',
          args: ['-c', `echo '{"verdict":"transform","patch":{"agent":"b"}}'`],
        },
        'global',
      ),
    ];
    const logged: HookExecution[] = [];
    const by: string[] = [];
    const a = await app(
      { a: () => by.push('a'), b: () => by.push('b') },
      {
        global: { list: () => Promise.resolve(global) },
        logs: { record: (e) => Promise.resolve(void logged.push(e)) },
      },
    );
    const run = await a.engine.start(wf([{ id: 'one', agent: 'a', requires: ['x'] }], []), {});
    expect((await a.engine.settled(run.runId)).status).toBe('completed');
    expect(by).toEqual(['b']);
    global.length = 0; // a later change does not touch the run: its hooks are in RunStarted
    const j = await journal(a, run.runId);
    expect((j[0] as unknown as { options: { hooks: HookConfig[] } }).options.hooks).toMatchObject([
      { name: 'g', source: 'global' },
    ]);
    expect(logged).toMatchObject([
      { hook: 'g', trigger: 'pre_task', verdict: 'transform', runId: run.runId },
    ]);
  });
});

describe('a run cancelled while a hook chain is asked', () => {
  it('abandons the chain: its late verdict is not journaled after the run ended', async () => {
    const a = await app({ a: () => 'never' });
    const release = join(dir, 'release');
    const spec = wf(
      [{ id: 'one', agent: 'a' }],
      [sh('slow', 'pre_task', `while [ ! -f ${release} ]; do sleep 0.05; done; exit 0`)],
    );
    const run = await a.engine.start(spec, {});
    await until(() => logLines().length === 1, 'the pre_task hook asked');
    await a.engine.command(run.runId, { kind: 'cancel', by: 'test', reason: 'changed my mind' });
    const state = await a.engine.settled(run.runId);
    expect(state.status).toBe('cancelled');
    // The hook answers only now (its chain was abandoned, and what it says is dropped).
    writeFileSync(release, '');
    await new Promise((r) => setTimeout(r, 300));
    const types = (await journal(a, run.runId)).map((e) => e.type);
    expect(types.at(-1)).toBe('RunCancelled');
    expect(types).not.toContain('HookDecided');
    expect(types).not.toContain('TaskDispatched');
  });
});

describe('hooks in nested runs', () => {
  it('a block runs as a child run bound to its parent run’s hooks', async () => {
    const a = await app({ a: () => 'a', b: () => 'b' });
    const spec = wf(
      [{ id: 'panel', block: { pattern: 'sequential', agents: ['a', 'b'] } }],
      [sh('seen', 'pre_task', 'exit 0')],
    );
    const run = await a.engine.start(spec, {});
    expect((await a.engine.settled(run.runId)).status).toBe('completed');
    // The parent's pre_task hook ran for the block task and for each task of the child run.
    const keys = logLines().map((l) => l.split(' ')[1]!);
    expect(keys.filter((k) => k.startsWith(`${run.runId}/`))).toHaveLength(1);
    expect(keys.filter((k) => !k.startsWith(`${run.runId}/`)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('http hooks in runs', () => {
  let server: Server;
  let url: string;
  const bodies: Array<{ trigger: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as { trigger: string });
        res.writeHead(200).end('{"verdict":"allow"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => new Promise((r) => server.close(r)));

  it('notifies a webhook of run and task state changes, asynchronously', async () => {
    const a = await app({ a: () => 'ok' });
    const run = await a.engine.start(
      wf([{ id: 'one', agent: 'a' }], [{ name: 'web', trigger: 'notification', command: url }]),
      {},
    );
    expect((await a.engine.settled(run.runId)).status).toBe('completed');
    await until(() => bodies.length >= 4, 'notifications');
    const events = bodies.map((b) => (b as unknown as { context: { event: string } }).context.event);
    expect(events).toEqual(
      expect.arrayContaining(['RunStarted', 'TaskDispatched', 'TaskCompleted', 'RunCompleted']),
    );
    // Nothing about a notification is journaled: it decides nothing.
    expect((await journal(a, run.runId)).some((e) => e.type === 'HookDecided')).toBe(false);
  });
});
