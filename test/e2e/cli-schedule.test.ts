// `baton schedule add|list|show|pause|resume|rm` and `baton runs rm` as child processes, against a
// running `baton serve` and against the data directory a later `baton serve` fires from; and
// `baton serve --retention`, which purges ended runs older than the setting.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { RunServiceClient, StartRunRequest } from '../../src/api/gen/baton/v1/run.js';
import { baton, ROOT, tempDir, type CliResult } from './cli-helpers.js';

const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const QUICK = join(tmp.dir, 'quick.yaml');
writeFileSync(
  QUICK,
  `workflow:
  name: quick
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  tasks:
    - { id: one, agent: w }
`,
);
const WAITING = `workflow:
  name: waiting
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  coordination: { type: hybrid, event_driven: [approvals] }
  tasks:
    - { id: ship, agent: w, wait_for: { channel: approvals, event: approved, timeout: 5m } }
`;

const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BATON_'))),
  BATON_SIDE_EFFECTS: join(tmp.dir, 'effects.log'),
  NO_COLOR: '1',
};

interface Served {
  readonly child: ChildProcess;
  readonly address: string;
  stderr(): string;
}

async function serve(dataDir: string, ...args: string[]): Promise<Served> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/baton.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const port = /:(\d+)$/.exec(line)![1];
  return { child, address: `127.0.0.1:${port}`, stderr: () => stderr };
}

async function stop(s: Served): Promise<void> {
  s.child.kill('SIGTERM');
  const [code] = (await once(s.child, 'exit')) as [number];
  expect(code, s.stderr()).toBe(0);
}

const ok = (r: CliResult): CliResult => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not reached in 30 s');
}

interface ScheduleJson {
  id: string;
  paused: boolean;
  counts: { started: number };
  recentRuns: Array<{ runId: string; fireTime: string }>;
}

async function scheduleJson(id: string, where: string[]): Promise<ScheduleJson> {
  return JSON.parse(
    ok(await baton(['schedule', 'show', id, '--json', ...where], { env })).stdout,
  ) as ScheduleJson;
}

describe('baton schedule and baton runs rm against a server', () => {
  it('adds, lists, pauses and removes a schedule whose runs start every second; runs rm deletes ended runs only', async () => {
    const s = await serve(join(tmp.dir, 'server'));
    const at = ['--server', s.address];
    try {
      const added = ok(
        await baton(['schedule', 'add', 'tick', '--file', QUICK, '--every', '1s', ...at], { env }),
      );
      expect(added.stdout).toMatch(/^schedule tick created: every 1s, next fire \d{4}-\d\d-\d\dT/);

      const bad = await baton(
        ['schedule', 'add', 'bad', '--file', QUICK, '--cron', '* * *', '--timezone', 'Mars/Olympus', ...at],
        { env },
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('BATON_E_SCHEDULE_INVALID');
      expect(bad.stderr).toMatch(/--timezone: "Mars\/Olympus" is not an IANA timezone name/);
      expect(bad.stderr).toMatch(/--cron: "\* \* \*" has 3 field\(s\)/);

      await until(async () => (await scheduleJson('tick', at)).counts.started >= 2);
      const list = ok(await baton(['schedule', 'list', ...at], { env }));
      expect(list.stdout).toMatch(/^tick {2}active {2}every 1s {2}\(source\) {2}skip {2}next \d{4}-/);

      expect(ok(await baton(['schedule', 'pause', 'tick', '--note', 'quiet', ...at], { env })).stdout).toBe(
        'paused schedule tick\n',
      );
      const paused = await scheduleJson('tick', at);
      expect(paused.paused).toBe(true);

      const ended = paused.recentRuns.at(-1)!.runId;
      await until(async () =>
        (await baton(['status', ended, '--json', ...at], { env })).stdout.includes('"completed"'),
      );
      expect(ok(await baton(['runs', 'rm', ended, ...at], { env })).stdout).toBe(`deleted run ${ended}\n`);
      const gone = await baton(['status', ended, ...at], { env });
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('BATON_E_RUN_NOT_FOUND');

      const client = new RunServiceClient(s.address, credentials.createInsecure());
      const live = await new Promise<string>((resolve, reject) =>
        client.startRun(StartRunRequest.fromPartial({ workflowSource: WAITING }), (err, res) => {
          client.close();
          if (err) reject(err);
          else resolve(res.run!.runId);
        }),
      );
      const refused = await baton(['runs', 'rm', live, 'no-such-run', ...at], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`BATON_E_RUN_NOT_ENDED {2}run "${live}" is executing`));
      expect(refused.stderr).toContain('BATON_E_RUN_NOT_FOUND');
      ok(await baton(['status', live, ...at], { env }));

      expect(ok(await baton(['schedule', 'rm', 'tick', ...at], { env })).stdout).toBe(
        'deleted schedule tick\n',
      );
      expect(ok(await baton(['schedule', 'list', ...at], { env })).stdout).toBe('no schedules\n');
      const again = await baton(['schedule', 'rm', 'tick', ...at], { env });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('BATON_E_SCHEDULE_NOT_FOUND');
    } finally {
      await stop(s);
    }
  }, 90_000);
});

describe('baton schedule on the data directory, and retention', () => {
  it('a schedule added to the data directory fires once baton serve runs there; runs rm and --retention delete ended runs', async () => {
    const data = join(tmp.dir, 'local');
    const local = ['--data-dir', data];
    ok(await baton(['schedule', 'add', 'later', '--file', QUICK, '--every', '1s', ...local], { env }));
    expect(ok(await baton(['schedule', 'list', ...local], { env })).stdout).toMatch(
      /^later {2}active {2}every 1s/,
    );

    const s = await serve(data);
    await until(async () => (await scheduleJson('later', ['--server', s.address])).counts.started >= 2);
    ok(await baton(['schedule', 'pause', 'later', '--server', s.address], { env }));
    await stop(s);

    const runs = (await scheduleJson('later', local)).recentRuns.map((r) => r.runId);
    expect(ok(await baton(['runs', 'rm', runs[0]!, ...local], { env })).stdout).toBe(
      `deleted run ${runs[0]}\n`,
    );
    const left = JSON.parse(ok(await baton(['runs', '--json', ...local], { env })).stdout) as unknown[];
    expect(left).toHaveLength(runs.length - 1);

    // Every run there ended over a second ago: a server keeping runs for one second purges them all.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const keeper = await serve(data, '--retention', '1s');
    await until(() => Promise.resolve(keeper.stderr().includes('baton: retention: purged')));
    await stop(keeper);
    expect(keeper.stderr()).toMatch(
      new RegExp(`retention: purged ${left.length} run\\(s\\) of namespace "default"`),
    );
    expect(ok(await baton(['runs', ...local], { env })).stdout).toBe('no runs\n');
  }, 90_000);
});
