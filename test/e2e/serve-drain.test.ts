// `baton serve` drained by SIGTERM in the middle of a run with slow agents, then started again on the
// same data directory: the drain refuses new runs, lets the attempt in flight finish, exits 0; the
// restart resumes the run to completion, and no task runs twice (side effects counted in a file).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { readErrorDetail } from '../../src/api/errors.js';
import { RunServiceClient, RunStatus, StartRunRequest, type Run } from '../../src/api/gen/baton/v1/run.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const WORKFLOW = `workflow:
  name: drainable
  version: "1"
  agents:
    worker:
      type: worker
      endpoint: { module: "${AGENT}" }
      max_instances: 2
  tasks:
    - { id: a, agent: worker }
    - { id: b, agent: worker, depends_on: [a] }
    - { id: c, agent: worker, depends_on: [b] }
    - { id: d, agent: worker, depends_on: [b] }
    - { id: e, agent: worker, depends_on: [c, d] }
`;
const KEYS = ['a', 'b', 'c', 'd', 'e'];
let effects = join(tmp.dir, 'effects.log');
let dataDir = join(tmp.dir, 'data');
// Slow enough that the SIGTERM lands while an attempt is in flight and a StartRun lands in the drain.
const env = () => ({
  ...process.env,
  BATON_SIDE_EFFECTS: effects,
  BATON_AGENT_DELAY_MS: '1500',
  NO_COLOR: '1',
});

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

async function until(ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Served {
  child: ChildProcess;
  address: string;
  stderr: () => string;
}

async function serve(extra: string[] = []): Promise<Served> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/baton.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extra],
    { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const address = /serving gRPC on (\S+)$/.exec(line)?.[1];
  if (!address) throw new Error(`no address in "${line}": ${stderr}`);
  return { child, address, stderr: () => stderr };
}

const startRun = (client: RunServiceClient) =>
  new Promise<Run>((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource: WORKFLOW }), (err, res) =>
      err ? reject(err) : resolve(res.run!),
    ),
  );
const getRun = (client: RunServiceClient, runId: string) =>
  new Promise<Run>((resolve, reject) =>
    client.getRun({ runId }, (err, res) => (err ? reject(err) : resolve(res.run!))),
  );

async function journal(runId: string) {
  const events = await baton(['events', runId, '--json', '--data-dir', dataDir], { env: env() });
  return events.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: { key?: string; by?: string } });
}

describe('baton serve: SIGTERM drain, restart resume', () => {
  it('drains a run at a checkpoint, refuses new runs meanwhile, and completes it after a restart', async () => {
    const first = await serve();
    const client = new RunServiceClient(first.address, credentials.createInsecure());
    const run = await startRun(client);
    // `a` done and `b` in flight (its side effect is written when its attempt starts).
    await until(() => lines(effects).length >= 2);
    first.child.kill('SIGTERM');
    await until(() => first.stderr().includes('draining'));

    const refused = await startRun(client).then(
      () => undefined,
      (e: unknown) => e as ServiceError,
    );
    expect(refused?.code).toBe(status.UNAVAILABLE);
    expect(refused?.details).toContain('shutting down');
    expect(readErrorDetail(refused!.metadata)?.code).toBe('BATON_E_SERVER_DRAINING');
    client.close();

    const [code] = (await once(first.child, 'exit')) as [number];
    expect(code, first.stderr()).toBe(0);
    expect(first.stderr()).toContain('drained 1 run(s); 0 attempt(s) abandoned');
    const drained = await journal(run.runId);
    // The attempt in flight finished and was journaled; nothing was dispatched after the pause.
    expect(drained.find((e) => e.type === 'RunPaused')?.data.by).toBe('server drain');
    expect(drained.filter((e) => e.type === 'TaskCompleted').map((e) => e.data.key)).toEqual(['a', 'b']);
    expect(lines(effects)).toHaveLength(2);

    const second = await serve();
    expect(second.stderr()).toContain('resumed 1 run(s)');
    const again = new RunServiceClient(second.address, credentials.createInsecure());
    await until(async () => (await getRun(again, run.runId)).status === RunStatus.RUN_STATUS_COMPLETED);
    again.close();
    second.child.kill('SIGTERM');
    expect(((await once(second.child, 'exit')) as [number])[0]).toBe(0);

    const calls = lines(effects).map((l) => l.split(' ')[0]);
    for (const key of KEYS)
      expect(
        calls.filter((k) => k === key),
        key,
      ).toHaveLength(1);
    const done = await journal(run.runId);
    for (const key of KEYS)
      expect(
        done.filter((e) => e.type === 'TaskCompleted' && e.data.key === key),
        key,
      ).toHaveLength(1);
    expect(done.find((e) => e.type === 'RunResumed')?.data.by).toBe('server restart');
    expect(done.at(-1)?.type).toBe('RunCompleted');
  }, 120_000);

  it('abandons an attempt still in flight when the grace ends; the restart re-issues it with the same key', async () => {
    effects = join(tmp.dir, 'effects-short.log');
    dataDir = join(tmp.dir, 'data-short');
    const first = await serve(['--drain-grace', '100ms']);
    const client = new RunServiceClient(first.address, credentials.createInsecure());
    const run = await startRun(client);
    client.close();
    await until(() => lines(effects).length >= 2);
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number];
    expect(code, first.stderr()).toBe(0);
    expect(first.stderr()).toContain('drained 1 run(s); 1 attempt(s) abandoned');

    const second = await serve();
    const again = new RunServiceClient(second.address, credentials.createInsecure());
    await until(async () => (await getRun(again, run.runId)).status === RunStatus.RUN_STATUS_COMPLETED);
    again.close();
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');

    const calls = lines(effects).map((l) => l.split(' ') as [string, string]);
    // b was interrupted: called again, with the idempotency key of its first call; the others once.
    const b = calls.filter(([k]) => k === 'b');
    expect(b).toHaveLength(2);
    expect(new Set(b.map(([, idem]) => idem)).size).toBe(1);
    for (const key of ['a', 'c', 'd', 'e'])
      expect(
        calls.filter(([k]) => k === key),
        key,
      ).toHaveLength(1);
    const done = await journal(run.runId);
    for (const key of KEYS)
      expect(
        done.filter((e) => e.type === 'TaskCompleted' && e.data.key === key),
        key,
      ).toHaveLength(1);
    expect(done.at(-1)?.type).toBe('RunCompleted');
  }, 120_000);
});
