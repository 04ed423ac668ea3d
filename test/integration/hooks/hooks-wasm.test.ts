// wasm hooks in real runs: a hook plugin (kind hook, hook_run under ABI v1) installed in the data dir,
// run sandboxed. Its transform reaches the agent, its abort denies, and a plugin that loops is stopped
// by the sandbox and named, while the engine goes on.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { Workflow } from '../../../src/spec/schema.js';
import { builtFixtures } from '../../fixtures/plugins/build.js';

let fixtures: string;
let dir: string;
let app: App | undefined;
beforeAll(async () => {
  fixtures = await builtFixtures();
}, 120_000);
afterEach(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (mode: string, extra: Record<string, unknown> = {}) =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    agents: { a: { type: 't' } },
    tasks: [{ id: 'one', agent: 'a', input: `{"mode": "${mode}"}` }],
    hooks: [{ name: 'plug', trigger: 'pre_task', command: 'test/hookish@0.1.0', ...extra }],
  });

it('runs a hook plugin: transform, abort, and a loop contained and named', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-hooks-wasm-'));
  cpSync(join(fixtures, 'test__hookish'), join(dir, 'plugins', 'test__hookish'), { recursive: true });
  const seen: unknown[] = [];
  app = await openApp({
    dataDir: dir,
    adapterFor: () =>
      inProcessAdapter(({ input }) => {
        seen.push(input);
        return 'ok';
      }),
  });
  const { engine, store } = app;

  const t = await engine.start(spec('transform'), {});
  expect((await engine.settled(t.runId)).status).toBe('completed');
  expect(seen).toEqual([{ mode: 'done', by: 'wasm' }]);
  const decided = (await store.read('default', t.runId)).find((r) => r.type === 'HookDecided')!.data as {
    hooks: Array<{ ref: string; outcome: string }>;
  };
  expect(decided.hooks[0]!.ref).toMatch(/^test\/hookish@0\.1\.0 sha256:[0-9a-f]{64}$/);

  const d = await engine.start(spec('deny'), {});
  expect((await engine.settled(d.runId)).error).toMatchObject({
    code: 'BATON_E_HOOK_DENIED',
    message: 'hook "plug" denied pre_task: wasm says no',
  });

  const loop = await engine.start(spec('loop'), {});
  const looped = await engine.settled(loop.runId);
  expect(looped.error?.code).toBe('BATON_E_HOOK_DENIED');
  expect(looped.error?.message).toContain('hook "plug" failed');
  expect(looped.error?.message).toContain('test/hookish@0.1.0');
  // Fail open: the same loop only warns, and the engine is fine.
  const open = await engine.start(spec('loop', { fail: 'open' }), {});
  expect((await engine.settled(open.runId)).status).toBe('completed');
  expect(seen).toHaveLength(2);
}, 60_000);
