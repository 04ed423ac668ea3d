// `baton serve` settings as a user gives them: a config file (YAML or JSON), BATON_* variables and
// flags, in that order of strength; a bad value stops the server with exit 2 and names the key and
// where the value came from.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { deletePrefix } from '../integration/bus/redis-harness.js';
import { freePort } from '../integration/bus/redis-server.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** An environment without any BATON_* variable of the test runner's own. */
const cleanEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_'))),
  ...extra,
});

function file(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

describe('baton serve settings: bad values', () => {
  it.each([
    {
      what: 'an environment variable',
      args: [],
      env: { BATON_LISTEN: 'localhost' },
      message: 'listen (from environment variable BATON_LISTEN): must be HOST:PORT',
    },
    {
      what: 'a flag',
      args: ['--drain-grace', 'forever'],
      env: {},
      message: 'drain_grace (from flag --drain-grace):',
    },
    {
      what: 'an out-of-range port in a flag',
      args: ['--listen', '127.0.0.1:70000'],
      env: {},
      message: 'listen (from flag --listen): the port must be 0..65535',
    },
    {
      what: 'a store URL in a flag',
      args: ['--store', 'mysql://db/baton'],
      env: {},
      message: 'store (from flag --store): store URL "mysql://db/baton" is not a store URL',
    },
    {
      what: 'a store URL in the environment',
      args: [],
      env: { BATON_STORE: 'postgres://baton:secret@db' },
      message:
        'store (from environment variable BATON_STORE): store URL "postgres://baton:***@db" names no database',
    },
    {
      what: 'a bus URL without a port in a flag',
      args: ['--bus', 'redis://localhost'],
      env: {},
      message: 'bus (from flag --bus): the port is missing',
    },
    {
      what: 'a bus of an unknown kind in the environment',
      args: [],
      env: { BATON_BUS: 'kafka://broker:9092' },
      message: 'bus (from environment variable BATON_BUS): unsupported scheme "kafka:"',
    },
    {
      what: 'a namespace in the environment',
      args: [],
      env: { BATON_NAMESPACE: 'a b' },
      message: 'namespace (from environment variable BATON_NAMESPACE)',
    },
  ])('names the key and its origin for $what (exit 2)', async ({ args, env, message }) => {
    const r = await baton(['serve', ...args, '--data-dir', join(tmp.dir, 'never')], { env: cleanEnv(env) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('BATON_E_CONFIG_INVALID');
    expect(r.stderr).toContain(message);
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });

  it('points at FILE:LINE:COL for a bad value in the config file', async () => {
    const cfg = file('bad.yaml', 'listen: 127.0.0.1:0\n# grace\ndrain_grace: soon\n');
    const r = await baton(['serve', '--config', cfg], { env: cleanEnv() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${cfg}:3:\\d+: invalid drain_grace: expected a duration`));
  });

  it('points at FILE:LINE:COL for a bad bus in the config file', async () => {
    const cfg = file('bad-bus.yaml', 'listen: 127.0.0.1:0\nbus: redis://h:6379/x\n');
    const r = await baton(['serve', '--config', cfg], { env: cleanEnv() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${cfg}:2:\\d+: .*"/x" is not a database number`));
  });

  it('refuses to start with BATON_E_BUS_UNAVAILABLE when the Redis it names does not answer', async () => {
    const port = await freePort();
    const r = await baton(
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--bus',
        `redis://127.0.0.1:${port}`,
        '--data-dir',
        join(tmp.dir, 'nobus'),
      ],
      { env: cleanEnv() },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`BATON_E_BUS_UNAVAILABLE  bus connect to redis://127.0.0.1:${port}/0 failed`);
    expect(existsSync(join(tmp.dir, 'nobus'))).toBe(false);
  });

  it('refuses an unknown key in the config file, naming it', async () => {
    const cfg = file('unknown.yaml', 'listen: 127.0.0.1:0\nlisten_adress: 127.0.0.1:1\n');
    const r = await baton(['serve', '--config', cfg], { env: cleanEnv() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${cfg}:2:1`);
    expect(r.stderr).toContain('listen_adress');
  });

  it('says so when the config file (from BATON_CONFIG) does not exist', async () => {
    const r = await baton(['serve'], { env: cleanEnv({ BATON_CONFIG: join(tmp.dir, 'missing.yaml') }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml: no such file');
  });
});

describe('baton serve settings: layers', () => {
  /** Starts serve, returns the first stdout line, and stops it with SIGTERM (expecting exit 0). */
  async function served(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), 'serve', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const line = await Promise.race([
      once(createInterface({ input: child.stdout }), 'line').then(([l]) => l as string),
      exited.then(() => `exited: ${stderr}`),
    ]);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, `${line} | ${stderr}`).toBe(0);
    return line;
  }

  it('takes the file, lets the environment override it and a flag override both', async () => {
    mkdirSync(join(tmp.dir, 'conf'), { recursive: true });
    // The file's data_dir is relative to the file; its listen address is overridden below.
    const cfg = file('conf/serve.json', JSON.stringify({ listen: '127.0.0.1:1', data_dir: 'state' }));
    const envWins = await served(['--config', cfg], cleanEnv({ BATON_LISTEN: '127.0.0.1:0' }));
    expect(envWins).toMatch(/^baton: serving gRPC on 127\.0\.0\.1:\d+$/);
    expect(envWins).not.toContain(':1\n');
    expect(existsSync(join(tmp.dir, 'conf/state/baton.db'))).toBe(true);

    const flagWins = await served(
      ['--config', cfg, '--listen', '127.0.0.1:0', '--data-dir', join(tmp.dir, 'flagdir')],
      cleanEnv({ BATON_LISTEN: 'not an address', BATON_DATA_DIR: join(tmp.dir, 'envdir') }),
    );
    expect(flagWins).toMatch(/^baton: serving gRPC on 127\.0\.0\.1:\d+$/);
    expect(existsSync(join(tmp.dir, 'flagdir'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'envdir'))).toBe(false);
  }, 60_000);

  it('serves over the Redis bus a flag names (Redis on 127.0.0.1:6379)', async () => {
    const prefix = `baton-e2e-${randomUUID()}`;
    try {
      const line = await served(
        [
          '--listen',
          '127.0.0.1:0',
          '--data-dir',
          join(tmp.dir, 'redisbus'),
          '--bus',
          `redis://127.0.0.1:6379?prefix=${prefix}`,
        ],
        cleanEnv({ BATON_BUS: 'not a bus' }),
      );
      expect(line).toMatch(/^baton: serving gRPC on 127\.0\.0\.1:\d+$/);
    } finally {
      await deletePrefix(prefix);
    }
  }, 60_000);
});
