// `baton serve --data-dir DIR` runs workflows over RunService in its own process: a run started by a
// client executes there (module endpoints resolved against the server's cwd) and is stored in DIR.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import { openApp } from '../../../src/app.js';
import {
  RunServiceClient,
  StartRunRequest,
  type RunEvent,
  type StartRunResponse,
  type WatchRunResponse,
} from '../../../src/api/gen/baton/v1/run.js';

const ROOT = join(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SOURCE = `workflow:
  name: served
  version: "1"
  agents:
    fx: { type: t, capabilities: [x], endpoint: { module: test/fixtures/agents/side-effect.js } }
  tasks:
    - { id: a, agent: fx }
`;

it('runs a workflow started over gRPC and keeps it in the data directory', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-serve-runs-'));
  const dataDir = join(dir, 'data');
  const effects = join(dir, 'effects.txt');
  const script =
    "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
  child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BATON_SIDE_EFFECTS: effects } },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const address = /on (127\.0\.0\.1:\d+)$/.exec(line)?.[1];
  expect(address, line).toBeDefined();

  const client = new RunServiceClient(address!, credentials.createInsecure());
  const started = await new Promise<StartRunResponse>((resolve, reject) =>
    client.startRun(
      StartRunRequest.fromPartial({ workflowSource: SOURCE }),
      (err: ServiceError | null, res) => (err ? reject(err) : resolve(res)),
    ),
  );
  const runId = started.run!.runId;
  const events: RunEvent[] = [];
  const stream = client.watchRun({ runId, afterCursor: '' });
  stream.on('data', (r: WatchRunResponse) => events.push(r.event!));
  await once(stream, 'end');
  client.close();
  expect(events.at(-1)!.type).toBe('RunCompleted');
  expect(readFileSync(effects, 'utf8')).toContain('a');

  child.kill('SIGTERM');
  expect(await once(child, 'exit')).toEqual([0, null]);
  // The server closed the app: the run is there for the next process to read.
  const app = await openApp({ dataDir });
  try {
    expect((await app.store.getRun('default', runId))?.status).toBe('completed');
  } finally {
    await app.close();
  }
});
