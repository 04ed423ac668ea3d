// `baton serve` as a user runs it: prints the address it bound, answers health checks, and on
// SIGTERM tells health watchers NOT_SERVING, ends their streams and exits 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  type HealthCheckResponse,
} from '../../../src/api/gen/grpc/health/v1/health.js';

const ROOT = join(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'baton-serve-'));

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves until SIGTERM on the address it prints', async () => {
  const script =
    "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
  child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', script, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const address = /^baton: serving gRPC on (127\.0\.0\.1:\d+)$/.exec(line)?.[1];
  expect(address, line).toBeDefined();

  const health = new HealthClient(address!, credentials.createInsecure());
  const status = await new Promise<HealthCheckResponse>((resolve, reject) =>
    health.check({ service: '' }, new Metadata(), (err, res) => (err ? reject(err) : resolve(res))),
  );
  expect(status).toEqual({ status: ServingStatus.SERVING });

  // A watcher hears NOT_SERVING and its stream ends, rather than holding the server open.
  const watch = health.watch({ service: '' });
  const seen: ServingStatus[] = [];
  watch.on('data', (r: HealthCheckResponse) => {
    seen.push(r.status);
    if (seen.length === 1) child!.kill('SIGTERM');
  });
  const [exited] = await Promise.all([once(child, 'exit'), once(watch, 'end')]);
  health.close();
  expect(exited).toEqual([0, null]);
  expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
});
