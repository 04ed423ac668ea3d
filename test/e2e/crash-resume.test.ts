// kill -9 of `baton run` at many points, then `baton resume`: the run completes, no task that had
// completed runs again, and an interrupted attempt is re-issued with the same idempotency key.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const AGENT = join(ROOT, 'test/fixtures/agents/side-effect.js');
const WORKFLOW = `workflow:
  name: crashy
  version: "1"
  agents:
    worker:
      type: worker
      endpoint: { module: "${AGENT}" }
      max_instances: 3
  tasks:
    - { id: a, agent: worker }
    - { id: b, agent: worker, depends_on: [a] }
    - { id: fan, agent: worker, depends_on: [b], parallel: true, for_each: "tasks.b.output.items" }
    - { id: c, agent: worker, depends_on: [fan] }
    - { id: d, agent: worker, depends_on: [b] }
    - { id: e, agent: worker, depends_on: [c, d] }
`;
const KEYS = ['a', 'b', 'fan[0]', 'fan[1]', 'fan[2]', 'c', 'd', 'e'];

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** Starts `baton run`, kills it with SIGKILL once `after` side effects happened; resolves with the run id. */
function runAndKill(args: string[], effects: string, after: number, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/baton.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (lines(effects).length >= after) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 2);
    child.on('close', () => {
      clearInterval(poll);
      const id = /run (run_\w+)/.exec(stderr)?.[1];
      if (id) resolve(id);
      else reject(new Error(`no run id in: ${stderr}`));
    });
  });
}

describe('crash and resume', () => {
  it.each([1, 2, 3, 4, 5, 6, 7])(
    'kill -9 after %i side effects, then resume: completes with no completed task run again',
    async (after) => {
      const dir = join(tmp.dir, `k${after}`);
      const wf = join(tmp.dir, `wf-${after}.yaml`);
      const effects = join(tmp.dir, `effects-${after}.log`);
      writeFileSync(wf, WORKFLOW);
      const env = { ...process.env, BATON_SIDE_EFFECTS: effects, NO_COLOR: '1' };
      const runId = await runAndKill(['run', wf, '--data-dir', dir], effects, after, env);

      // Resume; crash the resumer once too for the later kill points, then resume again.
      if (after >= 5)
        await runAndKill(['resume', runId, '--data-dir', dir], effects, after + 1, env).catch(
          () => undefined,
        );
      const resumed = await baton(['resume', runId, '--data-dir', dir], { env });
      expect(resumed.stderr).not.toContain('BATON_E_INTERNAL');
      expect(resumed.code, resumed.stderr).toBe(0);

      const seen = lines(effects).map((l) => l.split(' ') as [string, string]);
      for (const key of KEYS) {
        const calls = seen.filter(([k]) => k === key);
        expect(calls.length, `${key} ran ${calls.length} times`).toBeGreaterThanOrEqual(1);
        // A second call is only ever the re-issue of an attempt interrupted in flight: same idempotency key.
        expect(new Set(calls.map(([, idem]) => idem)).size, `${key} got different idempotency keys`).toBe(1);
        expect(calls.length).toBeLessThanOrEqual(3);
      }
      const events = await baton(['events', runId, '--json', '--data-dir', dir]);
      const journal = events.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; data: { key?: string } });
      for (const key of KEYS) {
        expect(
          journal.filter((e) => e.type === 'TaskCompleted' && e.data.key === key),
          key,
        ).toHaveLength(1);
      }
      expect(journal.at(-1)?.type).toBe('RunCompleted');
      const status = JSON.parse((await baton(['status', runId, '--json', '--data-dir', dir])).stdout) as {
        status: string;
      };
      expect(status.status).toBe('completed');
    },
  );

  it('cancel of a run whose process was killed takes it over and compensates what had completed', async () => {
    const dir = join(tmp.dir, 'cancel');
    const wf = join(tmp.dir, 'wf-cancel.yaml');
    const effects = join(tmp.dir, 'effects-cancel.log');
    writeFileSync(
      wf,
      WORKFLOW.replace(
        '- { id: a, agent: worker }',
        '- { id: a, agent: worker, compensate: { agent: worker } }',
      ),
    );
    const env = { ...process.env, BATON_SIDE_EFFECTS: effects, NO_COLOR: '1' };
    const runId = await runAndKill(['run', wf, '--data-dir', dir], effects, 3, env);
    const cancelled = await baton(['cancel', runId, '--data-dir', dir], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr).toContain('cancelled');
    expect(lines(effects).map((l) => l.split(' ')[0])).toContain('a/compensate');
    const status = JSON.parse((await baton(['status', runId, '--json', '--data-dir', dir])).stdout) as {
      status: string;
    };
    expect(status.status).toBe('failed'); // the specification's status list has no "cancelled": a cancelled run failed
    const events = await baton(['events', runId, '--data-dir', dir]);
    expect(events.stdout).toMatch(/RunCancelRequested\s+cancel requested by cli/);
    expect(events.stdout).toMatch(/RunCancelled\s+run cancelled/);
  });
});
