// Plugins shared through PostgreSQL: a plugin registered through one instance (`baton plugin register`
// with --store) is found by a second instance on another data directory, which copies it from the store
// into its own plugin folder, both to start a run and to take over a run bound to it.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { pluginRegisterCommand } from '../../../src/cli/commands/plugin.js';
import type { Output } from '../../../src/cli/io.js';
import { Workflow } from '../../../src/spec/schema.js';
import { builtFixtures } from '../../fixtures/plugins/build.js';
import { dropSchema, pgTestSchema } from '../store/pg-schema.js';

let fixtures: string;
let root: string;
let schema: string;
let url: string;
const apps: App[] = [];

beforeAll(async () => {
  fixtures = await builtFixtures();
}, 60_000);
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  await dropSchema(schema);
  rmSync(root, { recursive: true, force: true });
});

function setUp(): void {
  root = mkdtempSync(join(tmpdir(), 'baton-pg-plugins-'));
  ({ schema, url } = pgTestSchema('plug'));
}

async function instance(name: string, handlers: Record<string, AgentHandler>): Promise<App> {
  const a = await openApp({
    dataDir: join(root, name),
    store: url,
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
  });
  apps.push(a);
  return a;
}

const quiet: Output = { out: () => undefined, err: () => undefined, color: false };

const workflow = Workflow.parse({
  name: 'wf',
  version: '1',
  orchestration_pattern: 'test/counter@1.0.0',
  agents: { a: { type: 't', capabilities: ['x'] }, b: { type: 't', capabilities: ['x'] } },
  tasks: [
    { id: 'one', agent: 'a' },
    { id: 'two', agent: 'b', depends_on: ['one'] },
  ],
});

const cached = (name: string) =>
  existsSync(join(root, name, 'plugins', 'test__counter@1.0.0', 'manifest.json'));

describe('plugins in the PostgreSQL store', () => {
  it('a plugin registered through one instance starts runs on another data directory', async () => {
    setUp();
    const code = await pluginRegisterCommand(
      join(fixtures, 'test__counter'),
      { dataDir: join(root, 'a'), store: url },
      quiet,
    );
    expect(code).toBe(0);
    expect(cached('a')).toBe(true);
    const b = await instance('b', { a: () => ({ n: 1 }), b: () => ({ n: 2 }) });
    expect(cached('b')).toBe(false);
    const run = await b.engine.start(workflow, {});
    const final = await b.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ two: { n: 2 } });
    expect(cached('b')).toBe(true); // copied from the store into b's folder
  });

  it('takes over, on another data directory, a run bound to a plugin that directory never had', async () => {
    setUp();
    await pluginRegisterCommand(
      join(fixtures, 'test__counter'),
      { dataDir: join(root, 'a'), store: url },
      quiet,
    );
    let reached!: () => void;
    const atTwo = new Promise<void>((r) => (reached = r));
    const a = await instance('a', {
      a: () => ({ n: 1 }),
      b: () => {
        reached();
        return new Promise(() => undefined); // a stops before this answers
      },
    });
    const run = await a.engine.start(workflow, {});
    await atTwo;
    await a.close(); // releases the run's lease: another instance may take it over now
    apps.splice(apps.indexOf(a), 1);

    const c = await instance('c', { a: () => ({ n: 1 }), b: () => ({ n: 3 }) });
    expect(cached('c')).toBe(false);
    await c.engine.resume(run.runId);
    const final = await c.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ two: { n: 3 } });
    expect(cached('c')).toBe(true);
  });

  it('refuses the takeover when the store has no such plugin either', async () => {
    setUp();
    await pluginRegisterCommand(
      join(fixtures, 'test__counter'),
      { dataDir: join(root, 'a'), store: url },
      quiet,
    );
    let reached!: () => void;
    const atTwo = new Promise<void>((r) => (reached = r));
    const a = await instance('a', {
      b: () => {
        reached();
        return new Promise(() => undefined);
      },
    });
    const run = await a.engine.start(workflow, {});
    await atTwo;
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    const c = await instance('c', {});
    await c.store.deletePlugin('default', 'test/counter', '1.0.0');
    await expect(c.engine.resume(run.runId)).rejects.toMatchObject({ code: 'BATON_E_PLUGIN_NOT_FOUND' });
    expect(cached('c')).toBe(false);
  });
});
