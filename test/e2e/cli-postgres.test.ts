// The CLI on a PostgreSQL store, as a user runs it (the built CLI): `baton run --store postgres://...`
// drives the reference workflow with its journal in the database, and `runs`, `status` and `events`
// read it back from there (BATON_STORE as well as --store), not from any data directory.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';
import { dropSchema, pgTestSchema } from '../integration/store/pg-schema.js';

const tmp = tempDir();
const { schema, url } = pgTestSchema('cli');
afterAll(async () => {
  await dropSchema(schema);
  tmp.cleanup();
});

describe('baton with --store postgres://', () => {
  const dataDir = join(tmp.dir, 'data');
  let runId = '';

  it('runs the reference workflow with its journal in PostgreSQL', async () => {
    const r = await baton([
      'run',
      'examples/research_and_analysis.yaml',
      '--data-dir',
      dataDir,
      '--store',
      url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    runId = /run (run_\w+) \(store postgres:\/\/postgres@127\.0\.0\.1:5432\/test\?schema=cli_/.exec(
      r.stderr,
    )![1]!;
    expect(r.stdout).toMatch(/^# Research report:/);
    expect(existsSync(join(dataDir, 'baton.db'))).toBe(false); // no SQLite store was opened
  });

  it('lists the run, its status and its journal from the database', async () => {
    const env = { ...process.env, BATON_STORE: url };
    const runs = await baton(['runs', '--data-dir', join(tmp.dir, 'elsewhere')], { env });
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+completed\\s+.*research_and_analysis@1\\.0`));
    const status = await baton(['status', runId, '--json', '--store', url]);
    expect(JSON.parse(status.stdout)).toMatchObject({ workflow_id: runId, status: 'completed' });
    const events = await baton(['events', runId, '--store', url]);
    expect(events.stdout.trimEnd().split('\n').at(-1)).toMatch(/RunCompleted\s+run completed$/);
  });

  it('serves the runs of the database: baton serve --store', async () => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/baton.js'),
        'serve',
        '--store',
        url,
        '--listen',
        '127.0.0.1:0',
        '--data-dir',
        join(tmp.dir, 'srv'),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const address = /serving gRPC on (\S+)/.exec(line)![1]!;
      const runs = await baton(['runs', '--server', address]);
      expect(runs.code, runs.stderr).toBe(0);
      expect(runs.stdout).toContain(runId);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a bad store URL as a usage error naming where it came from', async () => {
    const r = await baton(['runs', '--store', 'postgres://u:hunter2@db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'BATON_E_CONFIG_INVALID  store (from flag --store): store URL "postgres://u:***@db" names no database',
    );
    expect(r.stderr).not.toContain('hunter2');
    const env = { ...process.env, BATON_STORE: 'mysql://x/y' };
    const fromEnv = await baton(['runs'], { env });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('store (from environment variable BATON_STORE)');
  });
});
