// `baton run` prints a run's id only once the run exists on disk: kill -9 the moment the line appears,
// again and again, and every printed id is listed by `baton runs` and continued by `baton resume`.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const WORKFLOW = `workflow:
  name: printed
  version: "1"
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  tasks:
    - { id: a, agent: w }
    - { id: b, agent: w, depends_on: [a] }
`;
const KILLS = 8;

/** Starts `baton run` and SIGKILLs it as soon as its stderr shows the run id; resolves with the id. */
function runUntilIdPrinted(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let id: string | undefined;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      id ??= /run (run_\w+) \(data dir/.exec(stderr)?.[1];
      if (id) child.kill('SIGKILL');
    });
    child.on('close', () => (id ? resolve(id) : reject(new Error(`no run id printed: ${stderr}`))));
  });
}

it(`every id printed by baton run names a run, even when the process is killed -9 at once (${KILLS} kills)`, async () => {
  const dataDir = join(tmp.dir, 'data');
  const wf = join(tmp.dir, 'printed.yaml');
  writeFileSync(wf, WORKFLOW);
  const env = {
    ...process.env,
    NO_COLOR: '1',
    BATON_SIDE_EFFECTS: join(tmp.dir, 'effects.log'),
    BATON_AGENT_DELAY_MS: '0',
  };
  const ids: string[] = [];
  for (let i = 0; i < KILLS; i++) ids.push(await runUntilIdPrinted(['run', wf, '--data-dir', dataDir], env));

  const listed = await baton(['runs', '--json', '--limit', '100', '--data-dir', dataDir], { env });
  expect(listed.code, listed.stderr).toBe(0);
  const runs = (JSON.parse(listed.stdout) as Array<{ runId: string }>).map((r) => r.runId);
  expect(runs.sort()).toEqual([...ids].sort());

  // Each id is a run `baton resume` continues (three of them: each CLI start costs about a second here).
  for (const id of [ids[0]!, ids[KILLS >> 1]!, ids.at(-1)!]) {
    const resumed = await baton(['resume', id, '--data-dir', dataDir], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('BATON_E_RUN_NOT_FOUND');
  }
});
