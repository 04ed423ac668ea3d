// The engine on PostgreSQL, composed as users get it (openApp with a postgres:// store URL, a schema of
// its own): runs go to completion with every fact journaled in the database, instances on different
// data directories steer each other's runs through the inbox, and a run one instance abandoned is taken
// over by another with its in-flight attempt re-issued under the same idempotency key.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { dropSchema, pgQuery, pgTestSchema } from '../store/pg-schema.js';

let root: string;
let schema: string;
let url: string;
const apps: App[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'baton-pg-engine-'));
  ({ schema, url } = pgTestSchema('eng'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  await dropSchema(schema);
  rmSync(root, { recursive: true, force: true });
});

async function instance(name: string, handler: AgentHandler, owner?: string): Promise<App> {
  const a = await openApp({
    dataDir: join(root, name),
    store: url,
    inboxPollMs: 20,
    ...(owner === undefined ? {} : { owner }),
    adapterFor: () => inProcessAdapter(handler),
  });
  apps.push(a);
  return a;
}

const wf = (tasks: unknown[], extra: Record<string, unknown> = {}): WorkflowSpec =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    agents: { a: { type: 't', capabilities: ['x'] } },
    tasks,
    ...extra,
  });

describe('engine on PostgreSQL', () => {
  it('runs a workflow to completion and journals every fact in the schema of the store URL', async () => {
    const { engine, store } = await instance('one', ({ input }) => ({
      n: ((input as { n?: number }).n ?? 0) + 1,
    }));
    const tasks = Array.from({ length: 20 }, (_, i) =>
      i === 0
        ? { id: 't0', agent: 'a' }
        : { id: `t${i}`, agent: 'a', depends_on: [`t${i - 1}`], input: { n: `tasks.t${i - 1}.output.n` } },
    );
    const run = await engine.start(wf([...tasks, { id: 'fan', agent: 'a', depends_on: ['t0'] }]), {
      hello: 'pg',
    });
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toMatchObject({ t19: { n: 20 } });
    const journal = await store.read('default', run.runId);
    expect(journal.map((r) => r.seq)).toEqual(Array.from({ length: final.lastSeq }, (_, i) => i + 1));
    expect(journal[0]?.type).toBe('RunStarted');
    // It is PostgreSQL's: the rows are in the URL's schema, and the run row ended released.
    const [row] = await pgQuery<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.journal WHERE run_id = $1`,
      [run.runId],
    );
    expect(Number(row!.n)).toBe(final.lastSeq);
    const [runRow] = await pgQuery<{ status: string; owner: string | null; epoch: string }>(
      `SELECT status, owner, epoch FROM ${schema}.runs WHERE run_id = $1`,
      [run.runId],
    );
    expect(runRow).toEqual({ status: 'completed', owner: null, epoch: '1' });
  });

  it('lets an instance on another data directory signal a run this one drives', async () => {
    const one = await instance('one', ({ input }) => input);
    const run = await one.engine.start(
      wf(
        [
          { id: 'prep', agent: 'a' },
          {
            id: 'ship',
            agent: 'a',
            depends_on: ['prep'],
            wait_for: { channel: 'approvals', event: 'approved', timeout: '1m' },
          },
        ],
        { coordination: { event_driven: ['approvals'] } },
      ),
      {},
    );
    const two = await instance('two', ({ input }) => input, 'other-instance');
    await two.engine.command(run.runId, {
      kind: 'signal',
      channel: 'approvals',
      name: 'approved',
      data: { by: 'ada' },
    });
    const final = await one.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(JSON.stringify(final.output)).toContain('ada');
  });

  it('takes over a run another instance abandoned, re-issuing the in-flight attempt with its idempotency key', async () => {
    const calls: Array<{ task: string; idem: string }> = [];
    let hang = true;
    const handler: AgentHandler = async ({ taskId, idempotencyKey, signal }) => {
      calls.push({ task: taskId, idem: idempotencyKey });
      if (taskId === 'two' && hang)
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      return taskId;
    };
    const first = await instance('first', handler);
    const run = await first.engine.start(
      wf([
        { id: 'one', agent: 'a' },
        { id: 'two', agent: 'a', depends_on: ['one'] },
        { id: 'three', agent: 'a', depends_on: ['two'] },
      ]),
      {},
    );
    while (!calls.some((c) => c.task === 'two')) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    hang = false;
    const second = await instance('second', handler, 'second');
    await second.engine.resume(run.runId);
    const final = await second.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(calls.map((c) => c.task)).toEqual(['one', 'two', 'two', 'three']);
    expect(calls[2]!.idem).toBe(calls[1]!.idem);
    expect((await second.store.getRun('default', run.runId))?.epoch).toBe(2);
  });
});
