// `baton hook add|list|rm|test|logs` as child processes: against the data directory's store, and
// against a running `baton serve` (HookService) with the same outcomes; `hook test` runs the shipped
// security-policy example as an exec hook and exits 1 when it denies.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { baton, ROOT, tempDir, type CliResult } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_'))),
  NO_COLOR: '1',
};
const POLICY = join(ROOT, 'examples/hooks/security-policy.js');

const ok = (r: CliResult): CliResult => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

async function serve(
  dataDir: string,
): Promise<{ child: ChildProcess; address: string; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/baton.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { child, address: `127.0.0.1:${/:(\d+)$/.exec(line)![1]}`, stderr: () => stderr };
}

/** The same scenario, once per place the hooks live. */
async function scenario(where: string[]): Promise<void> {
  const add = ok(
    await baton(
      ['hook', 'add', 'security', 'pre_command', 'node', '--priority', '5', '--json', ...where, '--', POLICY],
      { env },
    ),
  );
  expect(JSON.parse(add.stdout)).toMatchObject({
    name: 'security',
    trigger: 'pre_command',
    command: 'node',
    args: [POLICY],
    kind: 'exec',
    mode: 'blocking',
    fail: 'closed',
    priority: 5,
  });
  ok(
    await baton(
      ['hook', 'add', 'notify', 'notification', 'https://hooks.example/baton', '--task', 'ship*', ...where],
      {
        env,
      },
    ),
  );
  const dup = await baton(['hook', 'add', 'notify', 'post_task', 'true', ...where], { env });
  expect(dup.code).toBe(1);
  expect(dup.stderr).toMatch(/BATON_E_HOOK_EXISTS/);
  const bad = await baton(['hook', 'add', 'x', 'pre_lunch', 'true', ...where], { env });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/BATON_E_HOOK_REQUEST_INVALID.*trigger/);

  const list = JSON.parse(ok(await baton(['hook', 'list', '--json', ...where], { env })).stdout) as {
    name: string;
    mode: string;
    matcher?: unknown;
  }[];
  expect(list.map((h) => [h.name, h.mode])).toEqual([
    ['security', 'blocking'],
    ['notify', 'async'],
  ]);
  expect(list[1]!.matcher).toEqual({ task: 'ship*' });

  const denied = await baton(['hook', 'test', 'security', '--context', '{"command":"rm -rf /"}', ...where], {
    env,
  });
  expect(denied.code, denied.stderr).toBe(1);
  expect(denied.stdout).toMatch(/^deny: denied by policy: recursive forced delete \(rm -rf\): rm -rf \//);
  const allowed = JSON.parse(
    ok(
      await baton(['hook', 'test', 'security', '--context', '{"command":"ls -la"}', '--json', ...where], {
        env,
      }),
    ).stdout,
  ) as { verdict: string };
  expect(allowed.verdict).toBe('allow');

  ok(await baton(['hook', 'rm', 'notify', ...where], { env }));
  const gone = await baton(['hook', 'rm', 'notify', ...where], { env });
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/BATON_E_HOOK_NOT_FOUND/);
  expect(ok(await baton(['hook', 'list', ...where], { env })).stdout).toMatch(
    /^security {2}pre_command {2}exec/,
  );
}

async function seedLogs(dataDir: string): Promise<void> {
  const store = await openSqliteStore({ dataDir });
  const at = Date.now();
  const rec = (runId: string, hook: string, n: number) => ({
    ns: 'default',
    runId,
    hook,
    trigger: 'pre_command',
    mode: 'blocking',
    inputDigest: 'a'.repeat(64),
    verdict: hook === 'security' ? 'deny' : 'allow',
    message: hook === 'security' ? 'denied by policy' : null,
    output: null,
    durationMs: 2.5,
    error: null,
    at: at + n,
  });
  await store.appendHookExecutions([
    rec('run-1', 'security', 0),
    rec('run-1', 'fmt', 1),
    rec('run-2', 'security', 2),
  ]);
  await store.close();
}

async function logs(where: string[]): Promise<void> {
  const all = JSON.parse(ok(await baton(['hook', 'logs', '--json', ...where], { env })).stdout) as {
    run_id: string;
    hook: string;
  }[];
  expect(all.map((e) => [e.run_id, e.hook])).toEqual([
    ['run-2', 'security'],
    ['run-1', 'fmt'],
    ['run-1', 'security'],
  ]);
  const run1 = ok(await baton(['hook', 'logs', '--run', 'run-1', ...where], { env }))
    .stdout.trim()
    .split('\n');
  expect(run1).toHaveLength(2);
  expect(run1[1]).toMatch(
    / run-1 {2}security {2}pre_command {2}blocking {2}deny {2}2\.5ms {2}denied by policy$/,
  );
  const sec = JSON.parse(
    ok(await baton(['hook', 'logs', '--hook', 'security', '--limit', '1', '--json', ...where], { env }))
      .stdout,
  ) as unknown[];
  expect(sec).toHaveLength(1);
}

describe('baton hook', () => {
  it('manages and tries global hooks in the data directory, and reads the log', async () => {
    const dataDir = join(tmp.dir, 'local');
    await scenario(['--data-dir', dataDir]);
    expect(ok(await baton(['hook', 'logs', '--data-dir', dataDir], { env })).stdout.trim()).toBe(
      'no hook executions',
    );
    await seedLogs(dataDir);
    await logs(['--data-dir', dataDir]);
  });

  it('does the same on a server with --server (HookService)', async () => {
    const dataDir = join(tmp.dir, 'served');
    const s = await serve(dataDir);
    const where = ['--server', s.address];
    await scenario(where);
    await seedLogs(dataDir);
    await logs(where);
    s.child.kill('SIGTERM');
    const [code] = (await once(s.child, 'exit')) as [number];
    expect(code, s.stderr()).toBe(0);
  });
});
