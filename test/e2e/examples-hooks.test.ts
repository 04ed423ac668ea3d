// The hooks examples (examples/hooks/) run as a user runs them, through the built CLI from the
// repository root: security policy denying a command, formatting after an edit, automated assignment
// by the built-in assign plugin, session context saved at the end and restored at the next start, and
// notifications POSTed to the example receiver.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_'))),
  BATON_EXAMPLE_WORKDIR: tmp.dir,
  NO_COLOR: '1',
};
const data = (name: string) => ['--data-dir', join(tmp.dir, name)];

interface Report {
  baton: { run_status: string; error: { message: string; key: string } | null };
}
interface Logged {
  hook: string;
  verdict: string;
  message?: string;
  run_id: string;
  output?: { context?: Record<string, unknown> };
}

async function run(file: string, where: string[]): Promise<Report> {
  const r = await baton(['run', file, '--json', ...where], { env, timeoutMs: 60_000 });
  return JSON.parse(r.stdout) as Report;
}
async function logs(where: string[], ...args: string[]): Promise<Logged[]> {
  const r = await baton(['hook', 'logs', '--json', ...args, ...where], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Logged[];
}

describe('examples/hooks', () => {
  it('security.yaml: the policy lets `make test` run and denies `rm -rf`', async () => {
    const where = data('security');
    const report = await run('examples/hooks/security.yaml', where);
    expect(report.baton.run_status).toBe('failed');
    // Denied once, not retried: a retry would ask the same policy the same question.
    expect(report.baton.error).toMatchObject({ key: 'cleanup', code: 'BATON_E_HOOK_DENIED' });
    expect(report.baton.error!.message).toMatch(
      /hook "security" denied pre_command: denied by policy: recursive forced delete/,
    );
    const verdicts = (await logs(where, '--hook', 'security')).map((e) => e.verdict);
    expect(verdicts).toContain('allow');
    expect(verdicts).toContain('deny');
  }, 120_000);

  it('format-on-edit.yaml: the file the agent wrote is formatted by the post_edit hook', async () => {
    const where = data('format');
    expect((await run('examples/hooks/format-on-edit.yaml', where)).baton.run_status).toBe('completed');
    expect(readFileSync(join(tmp.dir, 'hooks-example.txt'), 'utf8')).toBe('first line\n  indented\n');
    const [format] = await logs(where, '--hook', 'format');
    expect(format).toMatchObject({
      verdict: 'warn',
      message: expect.stringMatching(/^formatted .*hooks-example\.txt$/) as unknown,
    });
  }, 120_000);

  it('assignment.yaml: assign@1.0.0 moves the task from the declared agent to the cheaper capable one', async () => {
    const where = data('assign');
    expect((await run('examples/hooks/assignment.yaml', where)).baton.run_status).toBe('completed');
    const [assign] = await logs(where, '--hook', 'assign');
    expect(assign).toMatchObject({
      verdict: 'transform',
      message: expect.stringMatching(/^assigned modern: best record of 2 capable agent\(s\)/) as unknown,
    });
    const events = await baton(['events', assign!.run_id, ...where], { env });
    expect(events.stdout).toMatch(/summarize dispatched to modern/);
  }, 120_000);

  it('session-context.yaml: the second run restores what the first one saved', async () => {
    const where = data('session');
    const dir = join(tmp.dir, 'ctx');
    const file = join(tmp.dir, 'session-context.yaml');
    writeFileSync(join(tmp.dir, 'summarizer.js'), readFileSync(join(ROOT, 'examples/hooks/summarizer.js')));
    writeFileSync(
      file,
      readFileSync(join(ROOT, 'examples/hooks/session-context.yaml'), 'utf8').replaceAll(
        '/tmp/baton-session-context',
        dir,
      ),
    );
    expect((await run(file, where)).baton.run_status).toBe('completed');
    expect(JSON.parse(readFileSync(join(dir, 'hooks_session.json'), 'utf8'))).toMatchObject({
      status: 'completed',
    });
    expect((await run(file, where)).baton.run_status).toBe('completed');
    const restored = await logs(where, '--hook', 'restore-context');
    expect(restored[0]).toMatchObject({
      verdict: 'allow',
      message: expect.stringMatching(/^restored the context of run run_/) as unknown,
    });
  }, 120_000);

  it('notifications.yaml: the receiver hears the run and its task change state', async () => {
    const receiver = spawn(process.execPath, [join(ROOT, 'examples/hooks/notify-receiver.js'), '0'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: receiver.stdout });
      const heard: string[] = [];
      const [first] = (await once(lines, 'line')) as [string];
      lines.on('line', (l: string) => heard.push(l));
      const port = /:(\d+)\//.exec(first)![1]!;
      const file = join(tmp.dir, 'notifications.yaml');
      writeFileSync(
        file,
        readFileSync(join(ROOT, 'examples/hooks/notifications.yaml'), 'utf8').replace(':8787/', `:${port}/`),
      );
      writeFileSync(join(tmp.dir, 'summarizer.js'), readFileSync(join(ROOT, 'examples/hooks/summarizer.js')));
      expect((await run(file, data('notify'))).baton.run_status).toBe('completed');
      for (let i = 0; i < 100 && !heard.some((l) => /RunCompleted|completed/.test(l)); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(heard.length).toBeGreaterThanOrEqual(3);
    } finally {
      receiver.kill();
    }
  }, 120_000);
});
