// The workflow registry (WorkflowService Register/Get/List/Delete) and StartRun by workflow_id, over a
// real loopback server on the embedded app (SQLite in a temp dir).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RunServiceClient, RunStatus, StartRunRequest, type Run } from '../../../src/api/gen/baton/v1/run.js';
import {
  WorkflowServiceClient,
  type DeleteWorkflowResponse,
  type GetWorkflowResponse,
  type ListWorkflowsResponse,
  type RegisterWorkflowResponse,
} from '../../../src/api/gen/baton/v1/workflow.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

let dir: string;
let app: App;
let api: BatonServer;
let workflows: WorkflowServiceClient;
let runs: RunServiceClient;
const feed = new RunFeed();
/** Calls of the `hold` agent wait until released (one opener per run). */
const held: Array<() => void> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-registry-'));
  app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    onTurn: feed.publish,
    adapterFor: (id) =>
      inProcessAdapter(
        id === 'hold'
          ? ({ signal }) =>
              new Promise((resolve, reject) => {
                held.push(() => resolve('released'));
                signal.addEventListener('abort', () => reject(new Error('aborted')));
              })
          : ({ taskId }) => ({ done: taskId }),
      ),
  });
  api = createServer({ runs: { engine: app.engine, store: app.store, feed } });
  const target = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  workflows = new WorkflowServiceClient(target, credentials.createInsecure());
  runs = new RunServiceClient(target, credentials.createInsecure());
});

afterAll(async () => {
  workflows.close();
  runs.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const source = (name: string, version: string, tasks = '    - { id: only, agent: work }\n') => `workflow:
  name: ${name}
  version: "${version}"
  description: ${name} version ${version}
  agents:
    work: { type: t }
    hold: { type: t }
  tasks:
${tasks}`;

type Cb<T> = (err: ServiceError | null, res: T) => void;
const promised = <T>(fn: (cb: Cb<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

const register = (src: string) =>
  promised<RegisterWorkflowResponse>((cb) => workflows.registerWorkflow({ source: src }, cb));
const get = (name: string, version = '') =>
  promised<GetWorkflowResponse>((cb) => workflows.getWorkflow({ workflow: { name, version } }, cb));
const list = (name = '', pageSize = 0, pageToken = '') =>
  promised<ListWorkflowsResponse>((cb) => workflows.listWorkflows({ name, pageSize, pageToken }, cb));
const remove = (name: string, version = '') =>
  promised<DeleteWorkflowResponse>((cb) => workflows.deleteWorkflow({ workflow: { name, version } }, cb));
const start = (workflowId: string, extra: Partial<StartRunRequest> = {}) =>
  promised<{ run?: Run }>((cb) =>
    runs.startRun(StartRunRequest.fromPartial({ workflowId, ...extra }), cb),
  ).then((r) => r.run!);
const getRun = (runId: string) =>
  promised<{ run?: Run }>((cb) => runs.getRun({ runId }, cb)).then((r) => r.run!);

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!err) throw new Error('the call succeeded');
  return err;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RegisterWorkflow', () => {
  it('stores a version once: the same source again is not created anew', async () => {
    const first = await register(source('reg', '1'));
    expect(first.created).toBe(true);
    expect(first.workflow).toMatchObject({ name: 'reg', version: '1', description: 'reg version 1' });
    expect(first.workflow?.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await register(source('reg', '1'));
    expect(again.created).toBe(false);
    expect(again.workflow?.sourceSha256).toBe(first.workflow?.sourceSha256);
  });

  it('refuses a changed source under a taken name@version, telling to bump the version', async () => {
    await register(source('bump', '1'));
    const err = await failure(register(source('bump', '1', '    - { id: other, agent: work }\n')));
    expect(err.code).toBe(status.ALREADY_EXISTS);
    expect(err.details).toMatch(
      /bump@1 is already registered with a different source.*bump workflow\.version/,
    );
    expect(readErrorDetail(err.metadata)?.code).toBe('BATON_E_WORKFLOW_CONFLICT');
    // The stored version is untouched.
    expect((await get('bump', '1')).workflow?.source).toBe(source('bump', '1'));
  });

  it('refuses an invalid source with the first problem located in the typed detail', async () => {
    const bad = source('broken', '1', '    - { id: a, agent: work, depends_on: [ghost] }\n');
    const err = await failure(register(bad));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain('ghost');
    const detail = readErrorDetail(err.metadata);
    expect(detail).toMatchObject({ line: 9, fieldPath: 'workflow.tasks.0.depends_on.0' });
    expect(detail?.column).toBeGreaterThan(0);
    expect(await failure(get('broken'))).toMatchObject({ code: status.NOT_FOUND });
  });

  it('requires a source', async () => {
    const err = await failure(register(''));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)?.fieldPath).toBe('source');
  });
});

describe('GetWorkflow and ListWorkflows', () => {
  it('gets the latest version by name and an exact one by name and version', async () => {
    await register(source('multi', '1'));
    await register(source('multi', '2'));
    expect((await get('multi')).workflow?.version).toBe('2');
    expect((await get('multi', '1')).workflow?.source).toBe(source('multi', '1'));
    const missing = await failure(get('multi', '9'));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.details).toContain('multi@9 is not registered');
    expect((await failure(get(''))).code).toBe(status.INVALID_ARGUMENT);
  });

  it('lists newest version first within a name, without sources, in pages', async () => {
    for (const v of ['1', '2', '3', '4', '5']) await register(source('paged', v));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await list('paged', 2, token);
      expect(page.workflows.every((w) => w.source === '')).toBe(true);
      seen.push(...page.workflows.map((w) => w.version));
      token = page.nextPageToken;
      pages++;
    } while (token !== '');
    expect(seen).toEqual(['5', '4', '3', '2', '1']);
    expect(pages).toBe(3);
    const all = await list();
    expect(all.workflows.map((w) => `${w.name}@${w.version}`)).toEqual(
      expect.arrayContaining(['paged@5', 'reg@1', 'multi@2']),
    );
  });

  it('refuses a page token issued for another name filter', async () => {
    const first = await list('paged', 1);
    const err = await failure(list('multi', 1, first.nextPageToken));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)?.fieldPath).toBe('page_token');
    expect((await failure(list('', 1, 'garbage'))).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('StartRun by workflow_id', () => {
  it('runs the latest version by name, and an exact version by name@version', async () => {
    await register(source('pinme', '1'));
    await register(
      source(
        'pinme',
        '2',
        '    - { id: first, agent: work }\n    - { id: second, agent: work, depends_on: [first] }\n',
      ),
    );
    const latest = await start('pinme');
    const exact = await start('pinme@1');
    const byField = await start('pinme', { workflowVersion: '1' });
    const done = (r: Run) => r.status === RunStatus.RUN_STATUS_COMPLETED;
    expect(done(await until(() => getRun(latest.runId), done))).toBe(true);
    expect(done(await until(() => getRun(exact.runId), done))).toBe(true);
    expect((await app.store.getRun('default', latest.runId))?.workflowVersion).toBe('2');
    expect((await app.store.getRun('default', exact.runId))?.workflowVersion).toBe('1');
    expect((await app.store.getRun('default', byField.runId))?.workflowVersion).toBe('1');
    expect((await app.engine.load(latest.runId)).tasks).toHaveLength(2);
    expect((await app.engine.load(exact.runId)).tasks).toHaveLength(1);
  });

  it('a running run keeps its version when a newer one is registered, and blocks deleting its own', async () => {
    await register(source('live', '1', '    - { id: wait, agent: hold }\n'));
    const run = await start('live');
    await until(
      () => Promise.resolve(held.length),
      (n) => n > 0,
    );
    await register(source('live', '2'));
    const blocked = await failure(remove('live', '1'));
    expect(blocked.code).toBe(status.FAILED_PRECONDITION);
    expect(blocked.details).toContain(run.runId);
    expect(readErrorDetail(blocked.metadata)?.code).toBe('BATON_E_WORKFLOW_IN_USE');
    // Another version of the name has no active run: it may go.
    expect((await remove('live', '2')).deleted).toBe(1);
    held.shift()!();
    const ended = await until(
      () => getRun(run.runId),
      (r) => r.status === RunStatus.RUN_STATUS_COMPLETED,
    );
    expect(ended.status).toBe(RunStatus.RUN_STATUS_COMPLETED);
    expect((await app.engine.load(run.runId)).workflow?.tasks.map((t) => t.id)).toEqual(['wait']);
    expect((await remove('live')).deleted).toBe(1);
    expect((await failure(get('live'))).code).toBe(status.NOT_FOUND);
  });

  it('names the field when the workflow is unknown or the id malformed', async () => {
    const unknown = await failure(start('nope'));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(unknown.details).toContain('workflow "nope" is not registered');
    expect(readErrorDetail(unknown.metadata)?.fieldPath).toBe('workflow_id');
    const noVersion = await failure(start('pinme@'));
    expect(noVersion.code).toBe(status.INVALID_ARGUMENT);
    expect(noVersion.details).toContain('workflow_id: has no version after "@"');
    const clash = await failure(start('pinme@1', { workflowVersion: '2' }));
    expect(clash.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(clash.metadata)?.fieldPath).toBe('workflow_version');
    const neither = await failure(start(''));
    expect(neither.code).toBe(status.INVALID_ARGUMENT);
    expect(neither.details).toContain('workflow_id: is required');
  });

  it('deleting an unknown version is NOT_FOUND', async () => {
    const err = await failure(remove('never', '1'));
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.details).toContain('never@1 is not registered');
  });
});
