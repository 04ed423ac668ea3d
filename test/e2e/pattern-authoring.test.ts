// docs/writing-a-pattern.md, followed as written: every file it shows is written (`<!-- file: path -->`
// before a fenced block) and every shell block is run, in order, in a temp folder with BATON set to this
// checkout (the page's `export BATON=/path/to/baton` is the one block skipped). A user's pattern goes
// from an empty folder through the build, the conformance suite, registration and `baton run` to
// `baton events`; a page that drifts from Baton fails here.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

type Step = { kind: 'file'; path: string; text: string } | { kind: 'sh'; script: string };

/** The page's files and shell blocks, in order. */
function steps(markdown: string): Step[] {
  const out: Step[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const file = /^<!-- file: (.+) -->$/.exec(lines[i]!);
    const fence = /^```(\w*)$/.exec(lines[file ? ++i : i]!);
    if (!fence || (!file && fence[1] !== 'sh')) continue;
    const body: string[] = [];
    while (lines[++i] !== '```') body.push(lines[i]!);
    out.push(
      file
        ? { kind: 'file', path: file[1]!, text: body.join('\n') + '\n' }
        : { kind: 'sh', script: body.join('\n') },
    );
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'baton-pattern-authoring-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('docs/writing-a-pattern.md', () => {
  it('takes a new pattern from an empty folder to a run and its events, every command working', () => {
    const all = steps(readFileSync(join(ROOT, 'docs/writing-a-pattern.md'), 'utf8'));
    expect(all.filter((s) => s.kind === 'file').map((s) => (s as { path: string }).path)).toEqual([
      'critic/manifest.json',
      'critic/assembly/index.ts',
      'critic/conformance.yaml',
      'critic/workflow.yaml',
      'critic/agents/planner.js',
      'critic/agents/writer.js',
    ]);
    let cwd = work;
    const outputs: string[] = [];
    for (const step of all) {
      if (step.kind === 'file') {
        const path = join(work, step.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, step.text);
        continue;
      }
      if (step.script.includes('/path/to/baton')) continue;
      // Each block runs as a script; the folder it ends in is where the next one starts.
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', `${step.script}\necho "__cwd=$PWD"`], {
        cwd,
        env: { ...process.env, BATON: ROOT, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 180_000,
      });
      expect(r.status, `${step.script}\n${r.stdout}\n${r.stderr}`).toBe(0);
      cwd = /__cwd=(.+)\n$/.exec(r.stdout)![1]!;
      outputs.push(r.stdout);
    }
    const [mkdir, build, conformance, register, run, events] = outputs;
    expect(mkdir).toBe(`__cwd=${join(work, 'critic')}\n`);
    expect(build).toMatch(/built .*acme__critic\/manifest\.json/);
    expect(existsSync(join(work, 'critic/build/acme__critic/plugin.wasm'))).toBe(true);
    const checks = conformance!.split('\n').filter((l) => l.startsWith('✓ '));
    expect(checks.map((l) => l.slice(2, l.indexOf(':')))).toEqual([
      'describe/manifest agreement',
      'determinism',
      'replay equivalence',
      'bounded termination',
      'agent-failure handling',
    ]);
    expect(conformance).toContain('acme/critic@1.0.0: all 5 conformance checks passed');
    expect(register).toBe(`__cwd=${join(work, 'critic')}\n`);
    expect(JSON.parse(run!.replace(/__cwd=.*\n$/, ''))).toEqual({
      draft: { ok: true, text: 'Why, and how (say more about how).' },
    });
    expect(events).toContain('acme/critic@1.0.0 on draft: rerun');
    expect(events).toContain('acme/critic@1.0.0 on draft@2: continue');
    expect(events).toContain('run completed');

    // The same suite from the source folder (built into a temp folder, conformance.yaml found in it),
    // and a stated bound the pattern does not keep: exit 1, naming the check and why.
    const cli = (...args: string[]) =>
      spawnSync('node', [join(ROOT, 'bin/baton.js'), 'plugin', 'test', ...args], {
        cwd: join(work, 'critic'),
        env: { ...process.env, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 180_000,
      });
    const fromSource = cli('.', '--json');
    expect(fromSource.status, fromSource.stderr).toBe(0);
    expect(JSON.parse(fromSource.stdout)).toMatchObject({ plugin: 'acme/critic@1.0.0', ok: true });
    const strict = readFileSync(join(work, 'critic/conformance.yaml'), 'utf8').replace(
      'max_steps: 3',
      'max_steps: 2',
    );
    writeFileSync(join(work, 'critic/strict.yaml'), strict);
    const broken = cli('build/acme__critic', '--scenarios', 'strict.yaml');
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain(
      '✗ bounded termination: the adversarial run took 3 verdicts; the plugin states at most 2',
    );
    expect(broken.stderr).toContain('acme/critic@1.0.0: 1 of 5 conformance checks failed');
  }, 300_000);
});
