// kill -9 of the engine while a blocking hook runs: the process that takes the run over asks that hook
// again with the same idempotency key, never re-runs a hook whose verdict was journaled, and replaying
// the journal runs no hook at all.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { fold, resumeCommands } from '../../../src/core/index.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow } from '../../../src/spec/schema.js';

const ROOT = join(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
let app: App | undefined;
const dir = mkdtempSync(join(tmpdir(), 'baton-hooks-crash-'));

afterEach(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  for (const pid of lines('pids')) {
    try {
      process.kill(-Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (name: string): string[] =>
  existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').trim().split('\n').filter(Boolean) : [];

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('kill -9 mid-hook: the hook is asked again with the same key; a journaled verdict is never re-run', async () => {
  const data = join(dir, 'data');
  const hook = (name: string, trigger: string, body: string) => ({
    name,
    trigger,
    command: 'sh',
    args: [
      '-c',
      `echo "$BATON_IDEMPOTENCY_KEY" >> ${join(dir, name)}; echo $$ >> ${join(dir, 'pids')}; ${body}`,
    ],
    timeout_ms: 120_000,
  });
  const wfFile = join(dir, 'wf.json');
  writeFileSync(
    wfFile,
    JSON.stringify({
      name: 'crash',
      version: '1',
      agents: { a: { type: 't' } },
      tasks: [{ id: 'one', agent: 'a', input: '{"n": 1}' }],
      hooks: [
        hook('start', 'session_start', 'exit 0'),
        hook('restore', 'session_restore', `cat > ${join(dir, 'restored.json')}`),
        // Hangs until the release file exists (the first process dies while it hangs).
        hook(
          'gate',
          'pre_task',
          `while [ ! -f ${join(dir, 'release')} ]; do sleep 0.05; done; echo '{"verdict":"transform","patch":{"input":{"n":2}}}'`,
        ),
      ],
    }),
  );
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/integration/hooks/crash-child.ts', data, wfFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [runId] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  await until(() => lines('gate').length === 1, 'the pre_task hook running in the first process');
  child.kill('SIGKILL');
  await once(child, 'exit');
  writeFileSync(join(dir, 'release'), '');

  const seen: unknown[] = [];
  app = await openApp({
    dataDir: data,
    adapterFor: () =>
      inProcessAdapter(({ input }) => {
        seen.push(input);
        return input;
      }),
  });
  await app.engine.resume(runId);
  const state = await app.engine.settled(runId);
  expect(state.status).toBe('completed');
  expect(seen).toEqual([{ n: 2 }]);
  // Asked twice (the first answer died with its process), under one key; session_start ran once.
  expect(lines('gate')).toEqual([`${runId}/pre_task/one/1/gate`, `${runId}/pre_task/one/1/gate`]);
  expect(lines('start')).toEqual([`${runId}/session_start/run/start`]);
  const records = await app.store.read('default', runId);
  const types = records.map((r) =>
    r.type === 'HookDecided' ? `HookDecided:${(r.data as { trigger: string }).trigger}` : r.type,
  );
  // session_restore runs beside the re-asked pre_task hook: its verdict may land before or after it,
  // or not at all when the run has ended first (nothing is journaled after the end).
  expect(types.filter((t) => t !== 'HookDecided:session_restore')).toEqual([
    'RunStarted',
    'HookDecided:session_start',
    'RunTakenOver',
    'HookDecided:pre_task',
    'TaskDispatched',
    'TaskCompleted',
    'RunCompleted',
  ]);
  const restoreAt = types.indexOf('HookDecided:session_restore');
  if (restoreAt >= 0) {
    expect(restoreAt).toBeGreaterThan(types.indexOf('RunTakenOver'));
    expect(restoreAt).toBeLessThan(types.indexOf('RunCompleted'));
  }
  expect(lines('restore')).toEqual([`${runId}/session_restore/restore@3/restore`]);
  const restored = JSON.parse(readFileSync(join(dir, 'restored.json'), 'utf8')) as { context: unknown };
  expect(restored.context).toMatchObject({ by: 'takeover', tasks: { one: 'ready' }, completed: [] });

  // Replay: the journal folds to the same end and owes no hook.
  const replayed = fold(records.map(toEntry));
  expect(replayed.status).toBe('completed');
  expect(resumeCommands(replayed).filter((c) => c.type === 'RunHooks')).toEqual([]);
  expect(lines('gate')).toHaveLength(2);
}, 60_000);

it('kill -9 after the run ended, mid session_end: the takeover runs it again (same key), recorded once', async () => {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data-end');
  const wfFile = join(dir, 'wf-end.json');
  const mark = (name: string) =>
    `echo "$BATON_IDEMPOTENCY_KEY" >> ${join(dir, name)}; echo $$ >> ${join(dir, 'pids')}`;
  writeFileSync(
    wfFile,
    JSON.stringify({
      name: 'crash-end',
      version: '1',
      agents: { a: { type: 't' } },
      tasks: [{ id: 'one', agent: 'a', input: '{"n": 1}' }],
      hooks: [
        // Hangs until the release file exists (the first process dies while it hangs).
        {
          name: 'bye',
          trigger: 'session_end',
          command: 'sh',
          args: ['-c', `${mark('bye')}; while [ ! -f ${join(dir, 'release-end')} ]; do sleep 0.05; done`],
          timeout_ms: 120_000,
        },
        { name: 'audit', trigger: 'session_end', command: 'sh', args: ['-c', `${mark('audit')}; exit 0`] },
        // Async (in process: no queue here): in the first process none gets to finish.
        {
          name: 'note',
          trigger: 'notification',
          command: 'sh',
          args: [
            '-c',
            `${mark('note')}; while [ ! -f ${join(dir, 'release-end')} ]; do sleep 0.05; done; echo "$BATON_IDEMPOTENCY_KEY" >> ${join(dir, 'noted')}`,
          ],
        },
      ],
    }),
  );
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/integration/hooks/crash-child.ts', data, wfFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [runId] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  await until(() => lines('bye').length === 1, 'the session_end hook running in the first process');
  child.kill('SIGKILL');
  await once(child, 'exit');
  // The hooks it had started die with it.
  for (const pid of lines('pids')) {
    try {
      process.kill(-Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  writeFileSync(join(dir, 'release-end'), '');

  app = await openApp({ dataDir: data, adapterFor: () => inProcessAdapter(({ input }) => input) });
  // The run's end is journaled, but not final in the store until its session_end hooks are recorded.
  expect((await app.store.getRun('default', runId))?.status).not.toBe('completed');
  await app.engine.resume(runId);
  const state = await app.engine.settled(runId);
  expect(state.status).toBe('completed');
  expect((await app.store.getRun('default', runId))?.status).toBe('completed');
  const key = `${runId}/session_end/run`;
  expect(lines('bye')).toEqual([`${key}/bye`, `${key}/bye`]);
  // `audit` comes after `bye` in the chain: it never ran in the first process.
  expect(lines('audit')).toEqual([`${key}/audit`]);
  const records = await app.store.read('default', runId);
  const types = records.map((r) =>
    r.type === 'HookDecided' ? `HookDecided:${(r.data as { trigger: string }).trigger}` : r.type,
  );
  expect(types).toEqual([
    'RunStarted',
    'TaskDispatched',
    'TaskCompleted',
    'RunCompleted',
    'RunTakenOver',
    'HookDecided:session_end',
  ]);
  // Recorded: replaying owes nothing, and the run cannot be driven again.
  const replayed = fold(records.map(toEntry));
  expect(resumeCommands(replayed)).toEqual([]);
  await expect(app.engine.resume(runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_ENDED' });
  expect(lines('bye')).toHaveLength(2);
  // Notifications are not journaled: the takeover fired those of the entries before it again (at least
  // once, same keys), so each is delivered though the first process died before any finished.
  const notified = ['RunStarted', 'TaskDispatched', 'TaskCompleted', 'RunCompleted'].map(
    (t) => `${runId}/notification/${records.find((r) => r.type === t)!.seq}/note`,
  );
  await until(() => notified.every((k) => lines('noted').includes(k)), 'every notification delivered');
  expect(new Set(lines('noted'))).toEqual(new Set(notified));
}, 60_000);

it('a clean stop and resume elsewhere fires no notification twice', async () => {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data-clean');
  const release = join(dir, 'release-clean');
  const spec = Workflow.parse({
    name: 'clean',
    version: '1',
    agents: { a: { type: 't' } },
    tasks: [{ id: 'one', agent: 'a' }],
    hooks: [
      {
        name: 'note',
        trigger: 'notification',
        command: 'sh',
        args: ['-c', `echo "$BATON_IDEMPOTENCY_KEY" >> ${join(dir, 'noted-clean')}`],
      },
    ],
  });
  // The agent finishes only once released: the first process stops while it works.
  const agent = () =>
    inProcessAdapter(async () => {
      while (!existsSync(release)) await new Promise((r) => setTimeout(r, 20));
      return 'done';
    });
  const first = await openApp({ dataDir: data, adapterFor: agent });
  const run = await first.engine.start(spec, {});
  await until(() => lines('noted-clean').length === 2, 'RunStarted and TaskDispatched notified');
  await first.close();
  writeFileSync(release, '');
  app = await openApp({ dataDir: data, adapterFor: agent });
  await app.engine.resume(run.runId);
  expect((await app.engine.settled(run.runId)).status).toBe('completed');
  const records = await app.store.read('default', run.runId);
  expect(records.map((r) => r.type)).toContain('RunTakenOver');
  const notified = records
    .filter((r) => ['RunStarted', 'TaskDispatched', 'TaskCompleted', 'RunCompleted'].includes(r.type))
    .map((r) => `${run.runId}/notification/${r.seq}/note`);
  await until(() => notified.every((k) => lines('noted-clean').includes(k)), 'every notification');
  await new Promise((r) => setTimeout(r, 200));
  expect(lines('noted-clean').sort()).toEqual([...notified].sort());
}, 30_000);
