// A user's view (the built CLI as a child process, `npm run build` first): a pattern plugin installed in
// <data dir>/plugins is selected by `orchestration_pattern: owner/name@version`, runs sandboxed, and its
// verdicts show in the run's timeline; a workflow naming a plugin that is not installed is refused.

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from '../../e2e/cli-helpers.js';
import { builtFixtures } from '../../fixtures/plugins/build.js';

const tmp = tempDir();
const dataDir = join(tmp.dir, 'data');
const env = { ...process.env, BATON_SIDE_EFFECTS: join(tmp.dir, 'effects.txt') };

const workflow = (pattern: string) => `workflow:
  name: plug
  version: "1"
  orchestration_pattern: ${pattern}
  agents: { w: { type: w, endpoint: { module: "${join(ROOT, 'test/fixtures/agents/side-effect.js')}" } } }
  tasks: [{ id: one, agent: w }, { id: two, agent: w, depends_on: [one] }]
`;

beforeAll(async () => {
  mkdirSync(join(dataDir, 'plugins'), { recursive: true });
  cpSync(join(await builtFixtures(), 'test__counter'), join(dataDir, 'plugins/test__counter'), {
    recursive: true,
  });
}, 60_000);
afterAll(() => tmp.cleanup());

describe('baton run with a pattern plugin', () => {
  it('runs the workflow under the installed plugin and shows its verdicts in the timeline', async () => {
    const wf = join(tmp.dir, 'plug.yaml');
    writeFileSync(wf, workflow('test/counter@1.0.0'));
    const r = await baton(['run', wf, '--data-dir', dataDir], { env });
    expect(r.code).toBe(0);
    // Progress goes to stderr: the plugin's verdicts in it, and no warning from loading the host.
    expect(r.stderr).toContain('test/counter@1.0.0 on one: continue');
    expect(r.stderr).not.toContain('Warning');
    expect(JSON.parse(r.stdout)).toEqual({ two: { key: 'two', items: [1, 2, 3] } });
    const runs = await baton(['runs', '--json', '--data-dir', dataDir]);
    const [run] = JSON.parse(runs.stdout) as Array<{ runId: string }>;
    const events = await baton(['events', run!.runId, '--data-dir', dataDir]);
    const journal = events.stdout.split('\n').map((l) => l.replace(/^.*s {2}/, '').trim());
    expect(journal.filter((l) => l.startsWith('PatternDecided'))).toEqual([
      'PatternDecided       test/counter@1.0.0 on one: continue',
      'PatternDecided       test/counter@1.0.0 on two: continue',
    ]);
  });

  it('refuses a workflow whose plugin is not installed, before a run exists', async () => {
    const wf = join(tmp.dir, 'missing.yaml');
    writeFileSync(wf, workflow('acme/auction@1.2.0'));
    const r = await baton(['run', wf, '--data-dir', dataDir], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BATON_E_PATTERN_UNKNOWN');
    expect(r.stderr).toContain('acme/auction@1.2.0');
  });
});
