// A client that knows nothing but reflection: `buf curl` lists the server's services, registers a
// workflow and reads it back as JSON, and gets a bad request's status and message.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

const BUF = join(import.meta.dirname, '../../../node_modules/.bin/buf');
let dir: string;
let app: App;
let api: BatonServer;
let target: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-buf-curl-'));
  const feed = new RunFeed();
  app = await openApp({ dataDir: join(dir, 'data'), onTurn: feed.publish });
  api = createServer({ runs: { engine: app.engine, store: app.store, feed } });
  target = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function curl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

const SOURCE =
  'workflow:\n  name: curled\n  version: "3"\n  agents: { w: { type: t } }\n  tasks:\n    - { id: a, agent: w }\n';

describe('buf curl by reflection', () => {
  it('lists the services', async () => {
    const { stdout } = await curl('--list-services', `http://${target}`);
    expect(stdout.trim().split('\n')).toEqual(
      expect.arrayContaining(['baton.v1.RunService', 'baton.v1.WorkflowService', 'grpc.health.v1.Health']),
    );
  }, 60_000);

  it('registers a workflow and reads it back', async () => {
    const reg = await curl(
      '-d',
      JSON.stringify({ source: SOURCE }),
      `http://${target}/baton.v1.WorkflowService/RegisterWorkflow`,
    );
    expect(reg.code, reg.stderr).toBe(0);
    expect(JSON.parse(reg.stdout)).toMatchObject({
      workflow: { name: 'curled', version: '3' },
      created: true,
    });
    const got = await curl(
      '-d',
      JSON.stringify({ workflow: { name: 'curled' } }),
      `http://${target}/baton.v1.WorkflowService/GetWorkflow`,
    );
    expect(JSON.parse(got.stdout)).toMatchObject({ workflow: { source: SOURCE } });
  }, 60_000);

  it('shows a bad request its status and the field at fault', async () => {
    const bad = await curl(
      '-d',
      JSON.stringify({ run_id: '' }),
      `http://${target}/baton.v1.RunService/GetRun`,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid_argument');
    expect(bad.stderr).toContain('run_id: is required');
  }, 60_000);
});
