// Sub-workflows and nested blocks run as child runs of the real engine (SQLite in a temp dir).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';

let dir: string;
const apps: App[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-children-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function app(handlers: Record<string, AgentHandler>, owner?: string): Promise<App> {
  const a = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (({ input }) => input)),
    ...(owner ? { owner } : {}),
  });
  apps.push(a);
  return a;
}

const parse = (w: unknown): WorkflowSpec => Workflow.parse(w);

function writeChild(name = 'child.yaml'): void {
  writeFileSync(
    join(dir, name),
    `workflow:
  name: enrich
  version: "2"
  inputs: { word: { required: true } }
  agents: { upper: { type: t } }
  tasks:
    - { id: shout, agent: upper, input: { text: "input.word" } }
`,
  );
}

describe('sub-workflows', () => {
  it('runs a workflow file as one task; its output flows downstream', async () => {
    writeChild();
    const { engine, store } = await app({
      upper: ({ input }) => (input as { text: string }).text.toUpperCase(),
      join: ({ input }) => input,
    });
    const run = await engine.start(
      parse({
        name: 'parent',
        version: '1',
        agents: { join: { type: 'worker' } },
        tasks: [
          { id: 'enrich', workflow: './child.yaml', input: { word: '"baton"' } },
          { id: 'use', agent: 'join', depends_on: ['enrich'], input: { got: 'tasks.enrich.output' } },
        ],
      }),
      {},
      { baseDir: dir },
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ use: { got: { shout: 'BATON' } } });
    const child = await store.getRun('default', `${run.runId}.enrich.1`);
    expect(child).toMatchObject({ workflowName: 'enrich', workflowVersion: '2', status: 'completed' });
  });

  it('refuses an invalid or self-including sub-workflow before the run exists, naming the problem', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'workflow:\n  name: bad\n  version: "1"\n  agents: {}\n  tasks: []\n',
    );
    writeFileSync(
      join(dir, 'loop.yaml'),
      'workflow:\n  name: loop\n  version: "1"\n  agents: {}\n  tasks:\n    - { id: again, workflow: ./loop.yaml }\n',
    );
    const { engine, store } = await app({});
    const parent = (ref: string) =>
      parse({ name: 'p', version: '1', agents: {}, tasks: [{ id: 'sub', workflow: ref }] });
    await expect(engine.start(parent('./bad.yaml'), {}, { baseDir: dir })).rejects.toMatchObject({
      code: 'BATON_E_INVALID_SUBWORKFLOW',
      message: expect.stringMatching(/bad\.yaml:5:\d+ {2}BATON_E_/) as unknown,
    });
    await expect(engine.start(parent('./loop.yaml'), {}, { baseDir: dir })).rejects.toMatchObject({
      code: 'BATON_E_CYCLE',
    });
    await expect(engine.start(parent('./missing.yaml'), {}, { baseDir: dir })).rejects.toMatchObject({
      code: 'BATON_E_FILE_READ',
    });
    expect((await store.listRuns('default')).runs).toEqual([]);
  });

  it('a parent resumed after its process stopped finds its child run and waits for it, not a second one', async () => {
    writeChild();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const slowUpper: AgentHandler = async ({ input, signal }) => {
      calls++;
      if (calls === 1)
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      await gate;
      return (input as { text: string }).text.toUpperCase();
    };
    const first = await app({ upper: slowUpper });
    const spec = parse({
      name: 'parent',
      version: '1',
      agents: {},
      tasks: [{ id: 'enrich', workflow: './child.yaml', input: { word: '"x"' } }],
    });
    const run = await first.engine.start(spec, {}, { baseDir: dir });
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const second = await app({ upper: slowUpper }, 'second');
    await second.engine.resume(run.runId);
    release();
    const final = await second.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ enrich: { shout: 'X' } });
    const runs = (await second.store.listRuns('default')).runs.map((r) => r.runId).sort();
    expect(runs).toEqual([run.runId, `${run.runId}.enrich.1`]);
  });
});

describe('nested blocks', () => {
  it('runs a block of agents under its own pattern, then returns control to the graph', async () => {
    const { engine } = await app({
      triage: () => ({ handoff: 'billing', note: 'refund request' }),
      billing: ({ input }) => ({ refund: 42, saw: (input as { context: unknown[] }).context.length }),
      wrap: ({ input }) => input,
    });
    const run = await engine.start(
      parse({
        name: 'support',
        version: '1',
        agents: { triage: { type: 'worker' }, billing: { type: 'worker' }, wrap: { type: 'worker' } },
        tasks: [
          { id: 'desk', block: { pattern: 'handoff', agents: ['triage', 'billing'], max_rounds: 3 } },
          { id: 'close', agent: 'wrap', depends_on: ['desk'], input: { result: 'tasks.desk.output' } },
        ],
      }),
      {},
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ close: { result: { billing: { refund: 42, saw: 1 } } } });
  });

  it('refuses a block pattern the engine does not have, and `until` without an event-driven pattern', async () => {
    const { engine } = await app({});
    const spec = (block: Record<string, unknown>) =>
      parse({
        name: 'b',
        version: '1',
        agents: { a: { type: 'worker' }, b: { type: 'worker' } },
        tasks: [{ id: 'panel', block: { agents: ['a', 'b'], ...block } }],
      });
    await expect(engine.start(spec({ pattern: 'acme/absent' }), {})).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_UNKNOWN',
      message: expect.stringContaining('"acme/absent" (in b.panel)') as unknown,
    });
    await expect(engine.start(spec({ pattern: 'sequential', until: 'round > 2' }), {})).rejects.toMatchObject(
      {
        code: 'BATON_E_UNSUPPORTED_FEATURE',
      },
    );
  });
});
