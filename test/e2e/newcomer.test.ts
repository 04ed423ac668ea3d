// A newcomer's first hour, taken from README.md itself: its first command (`npx baton run
// examples/research_and_analysis.yaml`, run here as the built bin it resolves to) and its SDK snippet
// exactly as written, against `baton serve` started with the README's flags. When the README changes,
// this test runs the new text.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../integration/sdk/server.js';
import { baton, ROOT, tempDir } from './cli-helpers.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tmp = tempDir();
let server: ServerHandle | undefined;

/** The newcomer's folder: the repository's examples where the README's commands expect them. */
beforeAll(() => {
  symlinkSync(join(ROOT, 'examples'), join(tmp.dir, 'examples'));
});

afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

/** The README's way to start the server for the SDK snippet: its `npx baton serve ... &` line. */
function readmeServe(): string[] {
  const line = /^npx baton (serve .*) &$/m.exec(README)?.[1];
  if (!line) throw new Error('README.md has no "npx baton serve ... &" line');
  return line.split(/\s+/);
}

it("the README's first command runs the reference workflow and prints its report, with no runtime warning", async () => {
  const first = /```\n(npm ci && npx baton run [^\n]+)\n```/.exec(README)?.[1];
  expect(first, "README.md's first command").toBe(
    'npm ci && npx baton run examples/research_and_analysis.yaml',
  );
  const args = first!.slice(first!.indexOf('npx baton ') + 'npx baton '.length).split(' ');
  const r = await baton(args, { cwd: tmp.dir, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^# Research report: How do lithium-ion batteries compare with pumped hydro/);
  expect(r.stdout).toContain('## Sources');
  // Progress only: no Node warning (WASI is experimental) a user cannot act on.
  expect(r.stderr).not.toMatch(/Warning|--trace-warnings/);
  expect(r.stderr).toMatch(/^run run_[0-9a-z]+_[0-9a-f]{10} \(data dir \.baton\)$/m);
}, 90_000);

it('the first `npx baton` in a built checkout runs the bin at once: it does not build the checkout again', async () => {
  // npx installs the checkout itself (a link in its cache) to find the `baton` bin, and runs its
  // `prepare`; a fresh npm cache makes this the newcomer's first npx.
  const main = join(ROOT, 'dist/src/cli/main.js');
  const before = statSync(main).mtimeMs;
  const t0 = Date.now();
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('npx', ['baton', '--version'], {
      cwd: ROOT,
      env: {
        ...process.env,
        npm_config_cache: join(tmp.dir, 'npm-cache'),
        npm_config_update_notifier: 'false',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  expect(statSync(main).mtimeMs, 'dist/ was rebuilt').toBe(before);
  expect(Date.now() - t0).toBeLessThan(20_000);
}, 60_000);

it("the README's SDK snippet runs as written against `baton serve` started with the README's flags", async () => {
  const serve = readmeServe();
  expect(serve).toEqual([
    'serve',
    '--listen',
    '127.0.0.1:50051',
    '--data-dir',
    '.baton',
    '--agents-dir',
    'examples',
  ]);
  // The README's flags, but a free port (the snippet reads BATON_SERVER, as the CLI does).
  const dataDir = serve[serve.indexOf('--data-dir') + 1]!;
  const agentsDir = serve[serve.indexOf('--agents-dir') + 1]!;
  server = await startServer({
    dataDir: join(tmp.dir, dataDir),
    cwd: tmp.dir,
    extraArgs: ['--agents-dir', agentsDir],
  });

  const snippet = /`client\.mjs`:\n\n```js\n([\s\S]*?)```/.exec(README)?.[1];
  expect(snippet, "README.md's client.mjs block").toBeDefined();
  // @baton/sdk as the README installs it: the package's own build (dist/sdk), under its name.
  const sdk = join(tmp.dir, 'node_modules/@baton/sdk');
  mkdirSync(sdk, { recursive: true });
  writeFileSync(
    join(sdk, 'package.json'),
    JSON.stringify({ name: '@baton/sdk', type: 'module', exports: './index.js' }),
  );
  writeFileSync(
    join(sdk, 'index.js'),
    `export * from ${JSON.stringify(join(ROOT, 'dist/sdk/src/index.js'))};\n`,
  );
  writeFileSync(join(tmp.dir, 'client.mjs'), snippet!);

  const r = await node(['client.mjs'], {
    cwd: tmp.dir,
    env: { ...process.env, BATON_SERVER: server.address },
  });
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('1 RunStarted');
  expect(lines.at(-1)).toMatch(/^\d+ RunCompleted$/);
  expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual(lines.map((_, i) => i + 1));
  expect(r.stderr).toBe('');
  expect(server.stderr()).not.toMatch(/Warning|--trace-warnings/);
}, 90_000);

function node(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
