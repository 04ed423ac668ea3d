// Human input through the built CLI, as a user answers an agent: `baton run` with a remote A2A agent
// that asks a question, killed with SIGKILL while the task waits; `baton resume` drives it again and
// `baton input` answers (bad JSON and a task that does not wait get coded errors). The agent saw one
// task for the attempt, the answer as its next message, and the run completes with it. Then the same
// against `baton serve` with --server (RunService.ProvideInput, status carrying the question).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServer } from '../integration/a2a/agents.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
let server: AgentServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await AgentServer.start([{ name: 'asks', mode: 'input' }], join(tmp.dir, 'agents.log'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server.kill();
  tmp.cleanup();
});

const env = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_'))),
  NO_COLOR: '1',
});

function workflowFile(name: string): string {
  const file = join(tmp.dir, `${name}.yaml`);
  writeFileSync(
    file,
    `workflow:
  name: ${name}
  version: "1"
  agents:
    clerk: { type: clerk, endpoint: { a2a: "${server.url('asks')}" } }
  tasks:
    - { id: ask, agent: clerk, timeout: 5m, input: { topic: "'rain'" } }
`,
  );
  return file;
}

/** Starts the CLI in the background; resolves with the child and its stderr so far. */
function background(args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<number> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), ...args], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, stderr: () => err, done };
}

async function until(ok: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface StatusJson {
  input_required?: Array<{ key: string; question: string; attempt: number; since: number }>;
  baton: { run_status: string };
  outputs: unknown;
}

async function status(runId: string, via: string[]): Promise<StatusJson> {
  const r = await baton(['status', runId, '--json', ...via], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

const seen = (runId: string) => server.messages('asks').filter((m) => m.contextId === `${runId}/clerk`);

describe('baton input', () => {
  it('answers a task waiting for input after baton was killed with SIGKILL and the run resumed', async () => {
    const dir = join(tmp.dir, 'data-kill');
    const via = ['--data-dir', dir];
    const run = background(['run', workflowFile('kill'), ...via]);
    let runId: string | undefined;
    await until(async () => {
      runId ??= /run (run_\w+)/.exec(run.stderr())?.[1];
      return runId !== undefined && (await status(runId, via)).input_required !== undefined;
    }, 'the question');
    const id = runId!;
    // The run's own progress says how to answer.
    await until(
      () => Promise.resolve(run.stderr().includes(`answer with: baton input ${id} ask`)),
      'the hint',
    );
    run.child.kill('SIGKILL');
    await run.done;
    expect(seen(id)).toHaveLength(1);

    // Mistakes get coded errors naming what is wrong.
    const badJson = await baton(['input', id, 'ask', '{"year": }', ...via], { env: env() });
    expect(badJson.code).not.toBe(0);
    expect(badJson.stderr).toMatch(/BATON_E_USAGE.*the answer is not JSON: line 1, column 10/);
    const words = await baton(['input', id, 'ask', 'March', ...via], { env: env() });
    expect(words.stderr).toContain(`quote them as JSON, '"March"', or pass --text`);
    const notWaiting = await baton(['input', id, 'nope', '1', ...via], { env: env() });
    expect(notWaiting.code).not.toBe(0);
    expect(notWaiting.stderr).toContain('BATON_E_NOT_WAITING_FOR_INPUT');
    expect(notWaiting.stderr).toContain('task "nope"');
    const status0 = await baton(['status', id, ...via], { env: env() });
    expect(status0.stdout).toMatch(
      /waiting for input: ask \(clerk\) since .*: Which year should I look at\?/,
    );
    expect(status0.stdout).toContain(`answer with: baton input ${id} ask`);

    // The run resumed: the question is still there (from the journal), and the answer goes through.
    const resumed = background(['resume', id, ...via, '--json']);
    await until(async () => (await status(id, via)).input_required !== undefined, 'the resumed question');
    const answered = await baton(['input', id, 'ask', '{"year": 2025}', ...via], { env: env() });
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stderr).toContain(`answer sent to ask (attempt 1) of run ${id}`);
    expect(await resumed.done, resumed.stderr()).toBe(0);

    const final = await status(id, via);
    expect(final.baton.run_status).toBe('completed');
    expect(final.outputs).toMatchObject({ ask: { answer: { data: { year: 2025 } } } });
    // One remote task: the task message once, then the answer as a follow-up of the same task.
    expect(seen(id).filter((m) => !m.followUp)).toHaveLength(1);
    expect(seen(id).filter((m) => m.followUp)).toHaveLength(1);
    expect(new Set(seen(id).map((m) => m.taskId)).size).toBe(1);
    const ended = await baton(['input', id, 'ask', '1', ...via], { env: env() });
    expect(ended.stderr).toContain('BATON_E_RUN_ENDED');
  }, 120_000);

  it('with --server: status carries the question, ProvideInput answers it, a text answer with --text', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const address = `127.0.0.1:${port}`;
    const serve = spawn(
      process.execPath,
      [join(ROOT, 'bin/baton.js'), 'serve', '--listen', address, '--data-dir', join(tmp.dir, 'data-serve')],
      { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(serve);
    const [line] = (await once(createInterface({ input: serve.stdout }), 'line')) as [string];
    expect(line).toContain('serving gRPC on');
    const via = ['--server', address];
    const started = background(['run', workflowFile('served'), ...via]);
    let runId: string | undefined;
    await until(async () => {
      runId ??= /(run_\w+)/.exec(started.stderr())?.[1];
      return runId !== undefined && (await status(runId, via)).input_required !== undefined;
    }, 'the question');
    const id = runId!;
    const shown = await status(id, via);
    expect(shown.input_required).toEqual([
      expect.objectContaining({ key: 'ask', attempt: 1, question: 'Which year should I look at?' }),
    ]);
    const text = await baton(['status', id, ...via], { env: env() });
    expect(text.stdout).toMatch(/waiting for input: ask \(clerk\) since .*: Which year/);
    const missing = await baton(['input', 'run_nope', 'ask', '1', ...via], { env: env() });
    expect(missing.stderr).toContain('BATON_E_RUN_NOT_FOUND');
    const answered = await baton(['input', id, 'ask', 'twenty twenty-five', '--text', ...via], {
      env: env(),
    });
    expect(answered.code, answered.stderr).toBe(0);
    expect(await started.done, started.stderr()).toBe(0);
    expect((await status(id, via)).outputs).toMatchObject({
      ask: { answer: { data: null, text: 'twenty twenty-five' } },
    });
    serve.kill('SIGTERM');
    await once(serve, 'exit');
  }, 120_000);
});
