// A plugin author's path with the built CLI, as child processes: `baton plugin build` a tiny pattern
// from a temp folder outside the repository, `baton plugin test` it, `baton plugin register --server`
// it (and BATON_SERVER) into a running `baton serve`, `baton plugin list`; then a workflow naming
// `acme/auction@1.2` runs to completion there on the highest 1.2.x, whose delete (through the SDK's
// plugins client) is refused while the run is bound and allowed after. Locally: register into a data
// dir and `baton run`.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  FailedPreconditionError,
  NotFoundError,
  RunStatus,
  type BatonClient,
} from '../../sdk/src/index.js';
import { startServer, type ServerHandle } from '../integration/sdk/server.js';
import { writeAuction } from '../integration/api/plugin-auction.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const env: NodeJS.ProcessEnv = { ...process.env, BATON_SIDE_EFFECTS: join(tmp.dir, 'effects.log') };
delete env.BATON_SERVER;
let server: ServerHandle;
let client: BatonClient;

const SALE = `workflow:
  name: sale
  version: "1"
  orchestration_pattern: acme/auction@1.2
  agents: { w: { type: w, endpoint: { module: "${AGENT}" } } }
  coordination: { type: hybrid, event_driven: [gavel] }
  tasks:
    - { id: bid, agent: w }
    - { id: close, agent: w, depends_on: [bid], wait_for: { channel: gavel, event: down, timeout: 5m } }
`;

/** The source folder of one version, built with `baton plugin build`; returns the built folder. */
async function built(version: string): Promise<string> {
  const src = writeAuction(join(tmp.dir, `auction-${version}`), version);
  const r = await baton(['plugin', 'build', src], { env, timeoutMs: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /built acme\/auction@\S+ -> .*acme__auction\/manifest\.json \(sha256 [0-9a-f]{64}\)/,
  );
  return join(src, 'build', 'acme__auction');
}

const out: Record<string, string> = {};

beforeAll(async () => {
  for (const v of ['1.2.0', '1.2.5', '1.3.0']) out[v] = await built(v);
  server = await startServer({ dataDir: join(tmp.dir, 'server-data'), env });
  client = createClient({ address: server.address, deadlineMs: 30_000 });
}, 300_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  tmp.cleanup();
});

describe('baton plugin', () => {
  it('test: runs the conformance suite with the scenarios file and reports each check; a failed one exits 1', async () => {
    const scenarios = join(tmp.dir, 'auction-conformance.yaml');
    const two = `{ name: two, version: "1", agents: { a: { type: t }, b: { type: t } },
    tasks: [{ id: one, agent: a }, { id: two, agent: b, depends_on: [one] }] }`;
    const write = (maxSteps: number) =>
      writeFileSync(
        scenarios,
        `workflow: ${two}
scripted: { agents: { a: { reply: { bid: 10 } } } }
adversarial: { max_steps: ${maxSteps}, agents: { a: { reply: { bid: 999 } } } }
failing: { agents: { b: { fail: "no bids" } }, expect: { status: failed, code: BATON_E_AGENT_REJECTED } }
`,
      );
    write(2);
    const r = await baton(['plugin', 'test', out['1.2.5']!, '--scenarios', scenarios, '--json'], {
      env,
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      plugin: string;
      ok: boolean;
      checks: Array<{ check: string; ok: boolean; detail: string }>;
    };
    expect(report.plugin).toBe('acme/auction@1.2.5');
    expect(report.checks.map((c) => [c.check, c.ok])).toEqual([
      ['describe/manifest agreement', true],
      ['determinism', true],
      ['replay equivalence', true],
      ['bounded termination', true],
      ['agent-failure handling', true],
    ]);
    // The auction judges each task once: stating a bound of 1 verdict is caught, by name and why.
    write(1);
    const failed = await baton(['plugin', 'test', out['1.2.5']!, '--scenarios', scenarios], {
      env,
      timeoutMs: 120_000,
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      '✗ bounded termination: the adversarial run took 2 verdicts; the plugin states at most 1',
    );
    expect(failed.stderr).toContain('acme/auction@1.2.5: 1 of 5 conformance checks failed');
    // Without a scenarios file the suite cannot run: a coded error says where to put one.
    const none = await baton(['plugin', 'test', out['1.2.5']!], { env, timeoutMs: 60_000 });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/BATON_E_CONFORMANCE_SCENARIOS .*no conformance\.yaml/);
  }, 240_000);

  it('register --server uploads each version once; list shows them; a tampered build is refused naming the file and check', async () => {
    for (const v of ['1.2.0', '1.2.5']) {
      const r = await baton(['plugin', 'register', out[v]!, '--server', server.address], {
        env,
        timeoutMs: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`registered acme/auction@${v} on ${server.address}`);
    }
    // BATON_SERVER works as --server does; the same bytes again are not an error.
    const viaEnv = { ...env, BATON_SERVER: server.address };
    const r13 = await baton(['plugin', 'register', out['1.3.0']!], { env: viaEnv, timeoutMs: 60_000 });
    expect(r13.code).toBe(0);
    const again = await baton(['plugin', 'register', out['1.2.5']!], { env: viaEnv, timeoutMs: 60_000 });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already registered acme/auction@1.2.5');

    const list = await baton(['plugin', 'list', '--server', server.address, '--json'], { env });
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ version: string }>).map((p) => p.version)).toEqual([
      '1.3.0',
      '1.2.5',
      '1.2.0',
    ]);

    // A build whose bytes no longer match its manifest: refused by the server's loader, exit 1.
    const manifest = join(out['1.2.0']!, 'manifest.json');
    const tampered = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifest, JSON.stringify({ ...tampered, version: '1.2.9' }));
    const bad = await baton(['plugin', 'register', manifest, '--server', server.address], {
      env,
      timeoutMs: 60_000,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BATON_E_PLUGIN_MANIFEST');
    expect(bad.stderr).toContain(manifest);
    expect(bad.stderr).toMatch(/baton_describe reports version "1\.2\.0"/);
    expect(await client.plugins.versions('acme/auction')).toEqual(['1.3.0', '1.2.5', '1.2.0']);
  }, 180_000);

  it('a workflow naming acme/auction@1.2 runs on the highest 1.2.x; its delete is refused while the run is bound', async () => {
    const run = await client.runs.start({ workflowSource: SALE });
    const history = async () => (await client.runs.history({ runId: run.runId, pageSize: 1000 })).events;
    let events = await history();
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'TaskCompleted' && e.taskId === 'bid'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      events = await history();
    }
    const started = events.find((e) => e.type === 'RunStarted')!;
    const pinned = await client.plugins.get({ name: 'acme/auction', version: '1.2.5' });
    expect((started.data as { options: { pattern: unknown } }).options.pattern).toMatchObject({
      name: 'acme/auction',
      version: '1.2.5',
      sha256: pinned.sha256,
    });

    const refused = await client.plugins
      .delete({ name: 'acme/auction', version: '1.2.5' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FailedPreconditionError);
    expect((refused as FailedPreconditionError).code).toBe('BATON_E_PLUGIN_IN_USE');
    expect((refused as FailedPreconditionError).message).toContain(run.runId);

    await client.runs.signal({ runId: run.runId, channel: 'gavel', event: 'down', eventId: 'down-1' });
    let final = await client.runs.get(run.runId);
    for (let i = 0; i < 500 && final.status !== RunStatus.RUN_STATUS_COMPLETED; i++) {
      await new Promise((r) => setTimeout(r, 20));
      final = await client.runs.get(run.runId);
    }
    expect(final.status).toBe(RunStatus.RUN_STATUS_COMPLETED);
    // The pattern judged both tasks: its verdicts are in the journal.
    expect((await history()).filter((e) => e.type === 'PatternDecided')).toHaveLength(2);

    await client.plugins.delete({ name: 'acme/auction', version: '1.2.5' });
    expect(await client.plugins.versions('acme/auction')).toEqual(['1.3.0', '1.2.0']);
    await expect(client.plugins.get({ name: 'acme/auction', version: '1.2.5' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const listed = await client.plugins.list({ kind: 'pattern' });
    expect(listed.plugins.map((p) => p.version)).toEqual(['1.3.0', '1.2.0']);
  }, 60_000);

  it('register into a local data dir, list it, and `baton run` a workflow naming acme/auction@1.3', async () => {
    const data = join(tmp.dir, 'local-data');
    const reg = await baton(['plugin', 'register', out['1.3.0']!, '--data-dir', data], {
      env,
      timeoutMs: 60_000,
    });
    expect(reg.code).toBe(0);
    expect(reg.stdout).toContain('registered acme/auction@1.3.0 in');
    const list = await baton(['plugin', 'list', '--data-dir', data], { env });
    expect(list.stdout).toMatch(/^acme\/auction@1\.3\.0\s+pattern\s+[0-9a-f]{12}\s+\d+ bytes$/m);
    const wf = join(tmp.dir, 'local.yaml');
    writeFileSync(
      wf,
      SALE.replace('acme/auction@1.2', 'acme/auction@1.3').replace(
        ', wait_for: { channel: gavel, event: down, timeout: 5m }',
        '',
      ),
    );
    const run = await baton(['run', wf, '--data-dir', data, '--json'], { env, timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { status: string }).status).toBe('completed');
  }, 120_000);

  it('errors name the file and the failed check, with exit code 1', async () => {
    const empty = join(tmp.dir, 'empty-plugin');
    writeAuction(empty, '0.0.1');
    writeFileSync(join(empty, 'assembly', 'index.ts'), 'export function broken(: i32 {}\n');
    const build = await baton(['plugin', 'build', empty], { env, timeoutMs: 120_000 });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('BATON_E_PLUGIN_BUILD');
    expect(build.stderr).toContain(empty);
    const missing = await baton(['plugin', 'test', join(tmp.dir, 'nowhere')], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/BATON_E_PLUGIN_NOT_FOUND .*nowhere: no such file or folder/);
    const usage = await baton(['plugin', 'list', '--kind', 'widget'], { env });
    expect(usage.code).toBe(2);
  }, 120_000);
});
