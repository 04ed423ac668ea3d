// Remote A2A agents as workflow agents: real @a2a-js/sdk servers in a separate process on loopback,
// driven by the engine over SQLite. Each test checks what the run shows and what the agent really saw.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App, type A2AAppOptions } from '../../../src/app.js';
import { A2AConnections, A2ACredentials } from '../../../src/agents/a2a/index.js';
import { FROM_START } from '../../../src/bus/bus.js';
import type { RunState } from '../../../src/core/index.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { AgentServer, until, type AgentConfig } from './agents.js';

let tmp: string;
let server: AgentServer;
let dir: string;
const apps: App[] = [];

const AGENTS: AgentConfig[] = [
  { name: 'stream', mode: 'echo', steps: 3, delayMs: 5 },
  { name: 'poll', mode: 'echo', streaming: false, steps: 3, delayMs: 5 },
  { name: 'rest', mode: 'echo', transport: 'rest' },
  { name: 'flaky', mode: 'fail', failTimes: 1 },
  { name: 'broken', mode: 'fail', failTimes: -1, retryable: false },
  { name: 'refuses', mode: 'reject' },
  { name: 'asks', mode: 'input' },
  { name: 'signin', mode: 'auth' },
  { name: 'guarded', mode: 'echo', token: 'open-sesame', cardJson: 'spec' },
  { name: 'guarded-sdk', mode: 'echo', token: 'open-sesame' },
  { name: 'files', mode: 'files' },
  { name: 'big', mode: 'big', bytes: 5000 },
  { name: 'slow', mode: 'echo', steps: 400, delayMs: 25 },
  { name: 'slowpoll', mode: 'echo', streaming: false, steps: 400, delayMs: 25 },
  { name: 'down', mode: 'down' },
  { name: 'throws', mode: 'throw' },
  { name: 'textonly', mode: 'echo', inputModes: ['text/plain'] },
];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'baton-a2a-'));
  server = await AgentServer.start(AGENTS, join(tmp, 'agents.log'));
});
afterAll(async () => {
  await server.kill();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  dir = mkdtempSync(join(tmp, 'data-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function app(a2a: A2AAppOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<App> {
  const connections =
    a2a.connections ?? new A2AConnections({ credentials: new A2ACredentials({}, undefined, env) });
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    a2a: { limits: { pollMaxMs: 100 }, ...a2a, connections },
  });
  apps.push(a);
  return a;
}

const remote = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'remote',
  endpoint: { a2a: server.url(name) },
  ...extra,
});

function wf(
  agents: Record<string, unknown>,
  tasks: unknown[],
  extra: Record<string, unknown> = {},
): WorkflowSpec {
  return Workflow.parse({ name: 'a2a', version: '1', agents, tasks, ...extra });
}

async function run(a: App, spec: WorkflowSpec, input: unknown = {}): Promise<RunState> {
  const actor = await a.engine.start(spec, input);
  return a.engine.settled(actor.runId);
}

/** A loopback port nobody listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Entry = { readonly type: string } & Record<string, unknown>;

async function journal(a: App, runId: string): Promise<Entry[]> {
  return (await a.store.read('default', runId)).map((r): Entry => ({ ...(r.data as object), type: r.type }));
}

describe('a remote A2A agent', () => {
  it('that streams: one message per attempt, id = the idempotency key, its task journaled, its artifact the output', async () => {
    const a = await app();
    const spec = wf({ r: remote('stream') }, [
      { id: 'first', agent: 'r', input: { n: '1' } },
      { id: 'second', agent: 'r', depends_on: ['first'], input: { prev: 'tasks.first.output.input' } },
    ]);
    const final = await run(a, spec);
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({ second: { agent: 'stream', input: { prev: { n: 1 } } } });
    const entries = await journal(a, final.runId);
    const dispatched = entries.filter((e) => e.type === 'TaskDispatched');
    const attached = entries.filter((e) => e.type === 'TaskAttemptAttached');
    const seen = server.messages('stream').filter((m) => m.contextId === `${final.runId}/r`);
    // Exactly one message per attempt, carrying the attempt's idempotency key...
    expect(seen.map((m) => m.messageId)).toEqual(dispatched.map((d) => d.idem));
    // ...and the task the agent made for it, journaled before the result.
    expect(attached.map((e) => e.remoteTaskId)).toEqual(seen.map((m) => m.taskId));
    const firstAttach = entries.findIndex((e) => e.type === 'TaskAttemptAttached');
    expect(firstAttach).toBeLessThan(entries.findIndex((e) => e.type === 'TaskCompleted'));
    // One context per run and agent: both tasks share it.
    expect(new Set(seen.map((m) => m.contextId)).size).toBe(1);
  });

  it("reports the agent's status updates as progress on the run's stream", async () => {
    const a = await app();
    const actor = await a.engine.start(
      wf({ r: remote('stream') }, [{ id: 'one', agent: 'r' }], {
        coordination: { event_driven: ['agent_status'] },
      }),
      {},
    );
    const seen: Array<{ name: string; data: { progress: number | null; text: string | null } }> = [];
    const sub = await a.bus.subscribe(actor.stream, { fromId: FROM_START }, (m) => {
      seen.push(m.data as (typeof seen)[number]);
    });
    await a.engine.settled(actor.runId);
    await until(() => seen.filter((e) => e.name === 'progress').length >= 3, 'progress events');
    await sub.close();
    const progress = seen.filter((e) => e.name === 'progress').map((e) => e.data);
    expect(progress.map((p) => p.text)).toEqual(['step 1/3', 'step 2/3', 'step 3/3']);
    expect(progress[0]!.progress).toBeCloseTo(0.25);
  });

  it('that does not stream: SendMessage returns at once, the task is journaled, GetTask polls it to the end', async () => {
    const a = await app();
    const final = await run(a, wf({ p: remote('poll') }, [{ id: 'one', agent: 'p', input: { q: '"why"' } }]));
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({ one: { agent: 'poll', input: { q: 'why' } } });
    const attached = (await journal(a, final.runId)).filter((e) => e.type === 'TaskAttemptAttached');
    expect(attached).toHaveLength(1);
    expect(server.messages('poll').filter((m) => m.contextId === `${final.runId}/p`)).toHaveLength(1);
  });

  it('over HTTP+JSON when its card prefers it', async () => {
    const a = await app();
    const final = await run(a, wf({ r: remote('rest') }, [{ id: 'one', agent: 'r', input: { x: '1' } }]));
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({ one: { agent: 'rest', input: { x: 1 } } });
  });

  it('that takes only text gets the input as JSON text', async () => {
    const a = await app();
    const final = await run(a, wf({ t: remote('textonly') }, [{ id: 'one', agent: 't', input: { x: '1' } }]));
    expect(final.status).toBe('completed');
    expect((final.output as { one: { text: string; input: unknown } }).one).toMatchObject({ input: null });
    expect(JSON.parse((final.output as { one: { text: string } }).one.text)).toEqual({ x: 1 });
  });

  it('that fails once is retried (a new attempt is a new message and a new task) and completes', async () => {
    const a = await app();
    const spec = wf({ f: remote('flaky') }, [
      { id: 'one', agent: 'f', retry: { max_attempts: 3, initial_interval: '10ms' } },
    ]);
    const final = await run(a, spec);
    expect(final.status).toBe('completed');
    const seen = server.messages('flaky').filter((m) => m.contextId === `${final.runId}/f`);
    expect(seen).toHaveLength(2);
    expect(new Set(seen.map((m) => m.messageId)).size).toBe(2);
    const failedEntry = (await journal(a, final.runId)).find((e) => e.type === 'TaskFailed');
    expect(failedEntry?.error).toMatchObject({ code: 'BATON_E_AGENT_FAILED', retryable: true });
    expect((failedEntry?.error as { message: string }).message).toContain('boom 1');
  });

  it('that fails saying a retry cannot help, or rejects the task, is not retried', async () => {
    const a = await app();
    const retry = { max_attempts: 5, initial_interval: '10ms' };
    const broken = await run(a, wf({ b: remote('broken') }, [{ id: 'one', agent: 'b', retry }]));
    expect(broken.status).toBe('failed');
    expect(broken.error).toMatchObject({ code: 'BATON_E_AGENT_REJECTED', key: 'one' });
    expect(server.messages('broken').filter((m) => m.contextId === `${broken.runId}/b`)).toHaveLength(1);
    const refused = await run(a, wf({ r: remote('refuses') }, [{ id: 'one', agent: 'r', retry }]));
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'BATON_E_AGENT_REJECTED' });
    expect(refused.error?.message).toContain('I will not do that');
    expect(server.messages('refuses').filter((m) => m.contextId === `${refused.runId}/r`)).toHaveLength(1);
  });

  it('whose executor throws fails the attempt (retryable) with what the agent said', async () => {
    const a = await app();
    const final = await run(
      a,
      wf({ t: remote('throws') }, [{ id: 'one', agent: 't', retry: { max_attempts: 1 } }]),
    );
    expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_FAILED' });
    expect(final.error?.message).toContain('the executor fell over');
  });

  it('asking for in-task authorization fails with a coded error naming it, and its task is cancelled', async () => {
    const a = await app();
    const final = await run(a, wf({ s: remote('signin') }, [{ id: 'one', agent: 's' }]));
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'BATON_E_A2A_AUTH_REQUIRED' });
    expect(final.error?.message).toContain('agent "s"');
    expect(final.error?.message).toContain('Sign in to the archive first');
    const task = server.messages('signin').find((m) => m.contextId === `${final.runId}/s`)!.taskId;
    expect(server.cancels('signin').map((c) => c.taskId)).toContain(task);
  });

  it('returning text, a file and a URL gives all three in the output', async () => {
    const a = await app();
    const final = await run(a, wf({ f: remote('files') }, [{ id: 'one', agent: 'f' }]));
    expect(final.output).toEqual({
      one: {
        text: 'a summary',
        data: [],
        files: [
          { name: 'chart.png', media_type: 'image/png', bytes: Buffer.from('PNG!').toString('base64') },
          { name: 'report.pdf', media_type: 'application/pdf', url: 'https://example.com/report.pdf' },
        ],
      },
    });
  });

  it('returning more than the output limit fails with a coded error, not retried', async () => {
    const a = await app({ limits: { maxOutputBytes: 1000, pollMaxMs: 100 } });
    const final = await run(
      a,
      wf({ b: remote('big') }, [{ id: 'one', agent: 'b', retry: { max_attempts: 3 } }]),
    );
    expect(final.error).toMatchObject({ code: 'BATON_E_A2A_OUTPUT_TOO_LARGE' });
    expect(final.error?.message).toContain('1000 bytes');
    expect(server.messages('big').filter((m) => m.contextId === `${final.runId}/b`)).toHaveLength(1);
  });
});

describe('authentication', () => {
  const spec = (credential?: string) =>
    wf({ g: remote('guarded', credential ? { endpoint: { a2a: server.url('guarded'), credential } } : {}) }, [
      { id: 'one', agent: 'g' },
    ]);

  it('with no credential for what the card requires: a coded error naming the agent and where to put one', async () => {
    const before = server.messages('guarded').length;
    const a = await app();
    const final = await run(a, spec());
    expect(final.error).toMatchObject({ code: 'BATON_E_A2A_AUTH_REQUIRED' });
    expect(final.error?.message).toContain('agent "g"');
    expect(final.error?.message).toContain('bearer (HTTP Bearer)');
    expect(final.error?.message).toContain('BATON_A2A_TOKEN_G');
    expect(server.messages('guarded')).toHaveLength(before);
  });

  it('sends the bearer token from the environment, and never journals it', async () => {
    const a = await app({}, { BATON_A2A_TOKEN_G: 'open-sesame' });
    // The card of an agent built with the SDK carries its schemes in the SDK's own shape: read too.
    const sdkCard = wf({ g: remote('guarded-sdk') }, [{ id: 'one', agent: 'g' }]);
    expect((await run(a, sdkCard)).status).toBe('completed');
    const final = await run(a, spec());
    expect(final.status).toBe('completed');
    const m = server.messages('guarded').find((l) => l.contextId === `${final.runId}/g`);
    expect(m?.auth).toBe('bearer-user');
    const raw = JSON.stringify(await a.store.read('default', final.runId));
    expect(raw).not.toContain('open-sesame');
  });

  it('takes a named credential from the secrets file; a wrong one is refused (401) with a coded error', async () => {
    const file = join(tmp, 'secrets.yaml');
    writeFileSync(file, 'archive: open-sesame\nwrong: nope\n');
    const credentials = await A2ACredentials.load(file, {});
    const a = await app({ connections: new A2AConnections({ credentials }) });
    expect((await run(a, spec('archive'))).status).toBe('completed');
    const refused = await run(a, spec('wrong'));
    expect(refused.error).toMatchObject({ code: 'BATON_E_A2A_AUTH_REQUIRED' });
    expect(refused.error?.message).toContain('401');
    expect(refused.error?.message).not.toContain('nope');
  });

  it('refuses a secrets file that is not a map of names to secrets, naming the place', async () => {
    const file = join(tmp, 'bad-secrets.yaml');
    writeFileSync(file, 'archive:\n  token: open-sesame\n');
    await expect(A2ACredentials.load(file)).rejects.toMatchObject({
      code: 'BATON_E_A2A_CREDENTIALS',
      message: expect.stringMatching(/bad-secrets\.yaml:2:\d+: archive must map/) as unknown,
    });
    await expect(A2ACredentials.load(join(tmp, 'none.yaml'))).rejects.toMatchObject({
      message: expect.stringContaining('no such file') as unknown,
    });
  });
});

describe('waiting, cancelling, deadlines', () => {
  it('an agent asking for input: the run shows which task waits, for what, since when, and keeps waiting', async () => {
    const a = await app();
    const actor = await a.engine.start(wf({ q: remote('asks') }, [{ id: 'ask', agent: 'q' }]), {});
    await until(
      async () => (await a.engine.status(actor.runId)).baton.input_required !== undefined,
      'the question',
    );
    const status = await a.engine.status(actor.runId);
    const task = server.messages('asks').find((m) => m.contextId === `${actor.runId}/q`)!.taskId;
    expect(status.baton.input_required).toEqual([
      expect.objectContaining({
        key: 'ask',
        attempt: 1,
        agent: 'q',
        remote_task_id: task,
        question: 'Which year should I look at?',
      }),
    ]);
    expect(status.baton.run_status).toBe('executing');
    // Cancelling the run cancels the remote task.
    await a.engine.command(actor.runId, { kind: 'cancel', by: 'test', reason: 'no answer' });
    expect((await a.engine.settled(actor.runId)).status).toBe('cancelled');
    expect(server.cancels('asks').map((c) => c.taskId)).toContain(task);
  });

  it('a task timeout cancels the remote task and fails the attempt as timed out', async () => {
    const a = await app();
    const final = await run(
      a,
      wf({ s: remote('slow') }, [{ id: 'one', agent: 's', timeout: '300ms', retry: { max_attempts: 1 } }]),
    );
    expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_TIMEOUT' });
    const task = server.messages('slow').find((m) => m.contextId === `${final.runId}/s`)!.taskId;
    await until(() => server.cancels('slow').some((c) => c.taskId === task), 'the remote cancel');
  });

  it('the run timeout cancels a task of an agent that does not stream', async () => {
    const a = await app();
    const final = await run(
      a,
      wf({ s: remote('slowpoll') }, [{ id: 'one', agent: 's' }], { timeout: '300ms' }),
    );
    expect(final.error).toMatchObject({ code: 'BATON_E_RUN_TIMEOUT' });
    const task = server.messages('slowpoll').find((m) => m.contextId === `${final.runId}/s`)!.taskId;
    expect(server.cancels('slowpoll').map((c) => c.taskId)).toContain(task);
  });
});

describe('failures of the agent itself', () => {
  it('5xx answers are unavailable, retried, and open the circuit breaker as for in-process agents', async () => {
    const a = await app();
    const final = await run(
      a,
      wf({ d: remote('down') }, [
        { id: 'one', agent: 'd', retry: { max_attempts: 5, initial_interval: '5ms' } },
      ]),
    );
    expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_UNAVAILABLE' });
    expect(final.error?.message).toContain('HTTP 503');
    expect(final.metrics.retries).toBe(4);
    expect(a.engine.breakers.view()).toContainEqual(
      expect.objectContaining({ agent: `a2a:${server.url('down')}`, state: 'open', consecutiveFailures: 5 }),
    );
  });

  it('an unreachable agent is unavailable (retryable); a card that is not one is refused', async () => {
    const a = await app();
    const gone = await run(
      a,
      wf({ g: { type: 't', endpoint: { a2a: `http://127.0.0.1:${await closedPort()}/agent` } } }, [
        { id: 'one', agent: 'g', retry: { max_attempts: 2, initial_interval: '5ms' } },
      ]),
    );
    expect(gone.error).toMatchObject({ code: 'BATON_E_AGENT_UNAVAILABLE' });
    expect(gone.error?.message).toContain('ECONNREFUSED');
    const notACard = await run(
      a,
      wf({ n: { type: 't', endpoint: { a2a: `${server.base}/nobody` } } }, [{ id: 'one', agent: 'n' }]),
    );
    expect(notACard.error).toMatchObject({ code: 'BATON_E_AGENT_CARD_INVALID' });
    expect(notACard.error?.message).toContain('HTTP 404');
  });

  it('a slow agent killed mid-task: the attempt fails as unavailable once re-attaching gives up', async () => {
    const own = await AgentServer.start(
      [{ name: 'slow', mode: 'echo', steps: 400, delayMs: 25 }],
      join(tmp, 'killed.log'),
    );
    try {
      const a = await app({ limits: { pollMaxMs: 20, reattachTries: 2 } });
      const actor = await a.engine.start(
        wf({ s: { type: 't', endpoint: { a2a: own.url('slow') } } }, [
          { id: 'one', agent: 's', retry: { max_attempts: 1 } },
        ]),
        {},
      );
      await until(
        async () => (await journal(a, actor.runId)).some((e) => e.type === 'TaskAttemptAttached'),
        'the attach',
      );
      await own.kill();
      const final = await a.engine.settled(actor.runId);
      expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_UNAVAILABLE' });
      expect(own.messages('slow')).toHaveLength(1);
    } finally {
      await own.kill();
    }
  });
});

describe('after the process driving the run stops', () => {
  it('the run taken over re-attaches to the journaled task instead of sending the message again', async () => {
    for (const streaming of [true, false]) {
      const own = await AgentServer.start(
        [{ name: 'slow', mode: 'echo', steps: 30, delayMs: 20, streaming }],
        join(tmp, `takeover-${streaming}.log`),
      );
      try {
        const spec = wf({ s: { type: 't', endpoint: { a2a: own.url('slow') } } }, [
          { id: 'one', agent: 's', input: { v: '7' } },
        ]);
        const first = await app();
        const actor = await first.engine.start(spec, {});
        await until(
          async () => (await journal(first, actor.runId)).some((e) => e.type === 'TaskAttemptAttached'),
          'the attach',
        );
        await first.close();
        apps.splice(apps.indexOf(first), 1);
        const second = await app();
        await second.engine.resume(actor.runId);
        const final = await second.engine.settled(actor.runId);
        expect(final.status, `streaming ${streaming}`).toBe('completed');
        expect(final.output).toMatchObject({ one: { agent: 'slow', input: { v: 7 } } });
        expect(own.messages('slow'), `streaming ${streaming}`).toHaveLength(1);
        const entries = await journal(second, actor.runId);
        expect(entries.filter((e) => e.type === 'TaskAttemptAttached')).toHaveLength(1);
      } finally {
        await own.kill();
      }
    }
  });
});
