// `baton serve` as people start it: `npx baton serve &` then `kill $!` signals npm, which does not pass
// the signal on; the server still drains and exits, whether npm ends by SIGTERM or is killed outright.
// And `agents_dir` in a config file resolves against the file's folder.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteRuns } from '../../src/api/client.js';
import { startServer } from '../integration/sdk/server.js';
import { ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Whether something accepts connections on the address. */
function listening(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npx baton serve, then the npm process goes away', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    '%s to npm: the server drains and exits',
    async (signal) => {
      const npm = spawn(
        NPX,
        ['baton', 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(tmp.dir, signal)],
        {
          cwd: ROOT,
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      npm.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [line] = (await once(createInterface({ input: npm.stdout }), 'line')) as [string];
      const address = /on (\S+:\d+)$/.exec(line)![1]!;
      expect(await listening(address)).toBe(true);
      // Both pipes close once every process holding them, the server included, has exited.
      const closed = Promise.all([once(npm.stdout, 'close'), once(npm.stderr, 'close')]);
      npm.kill(signal);
      await closed;
      expect(stderr).toMatch(/^baton: the npm process that started it \(pid \d+\) is gone: draining/m);
      expect(stderr).toMatch(/^baton: drained 0 run\(s\)/m);
      expect(await listening(address)).toBe(false);
    },
    // npx resolving the bin on a cold, loaded machine took ~40 s once: the bound is for a hang, not speed.
    120_000,
  );
});

describe('agents_dir', () => {
  it('in a config file, resolves against the file and serves the module paths of workflows sent over the API', async () => {
    const conf = join(tmp.dir, 'conf');
    mkdirSync(join(conf, 'agents'), { recursive: true });
    writeFileSync(join(conf, 'agents/echo.mjs'), 'export default async () => "echoed";\n');
    writeFileSync(join(conf, 'serve.yaml'), 'agents_dir: agents\n');
    const server = await startServer({
      dataDir: join(tmp.dir, 'agents-data'),
      cwd: tmp.dir,
      extraArgs: ['--config', join(conf, 'serve.yaml')],
    });
    const runs = new RemoteRuns(server.address);
    try {
      const run = await runs.start({
        source: `workflow:
  name: echo
  version: "1"
  agents: { e: { type: t, endpoint: { module: ./echo.mjs } } }
  tasks: [{ id: say, agent: e }]
`,
      });
      for await (const _ of runs.watch(run.runId));
      const done = await runs.get(run.runId);
      expect(done).toMatchObject({ status: 'completed', outputs: { say: 'echoed' } });
    } finally {
      runs.close();
      await server.stop();
    }
  }, 60_000);
});
