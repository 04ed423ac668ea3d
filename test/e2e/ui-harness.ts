// What the web UI tests share: a `baton serve --http` child process (the built CLI), calls to its HTTP
// gateway, and Debian's chromium driven by playwright-core (undefined, with the reason printed, where
// /usr/bin/chromium is missing: `apt-get install -y chromium` installs it; CI does).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './cli-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results/ui');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (!existsSync(join(ROOT, 'dist/ui/index.html'))) return 'dist/ui is not built (npm run build)';
  return undefined;
}

/** The flags a closed network needs (Chromium's background connections are refused otherwise). */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless chromium; playwright gives it an empty user data directory of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface Served {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The gRPC API's HOST:PORT. */
  readonly grpc: string;
  readonly stderr: string[];
}

/** `baton serve --http 127.0.0.1:0` on `dataDir`; resolves once it prints the HTTP address. */
export async function serveHttp(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/baton.js'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
    ],
    {
      cwd: ROOT,
      env: { ...withoutBaton(process.env), NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  let grpc = '';
  const url = await new Promise<string>((resolve, reject) => {
    // One listener for every line: readline emits a chunk's lines at once.
    createInterface({ input: child.stdout }).on('line', (line) => {
      grpc = /serving gRPC on (\S+)/.exec(line)?.[1] ?? grpc;
      const m = /serving HTTP on (\S+)/.exec(line);
      if (m) resolve(`http://${m[1]}`);
    });
    child.once('exit', () => reject(new Error(`baton serve exited: ${stderr.join('\n')}`)));
  });
  return { child, url, grpc, stderr };
}

export async function stopServe(s: Served): Promise<void> {
  if (s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await once(s.child, 'exit');
}

function withoutBaton(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('BATON_')));
}

/** One call to the gateway: POST /api/baton.v1.<service>/<method>; the parsed JSON and the HTTP status. */
export async function api<T = Record<string, unknown>>(
  url: string,
  service: string,
  method: string,
  body: object,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${url}/api/baton.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/** Starts `source` as a run over the gateway; its run id. */
export async function startRun(url: string, source: string): Promise<string> {
  const r = await api<{ run: { runId: string } }>(url, 'RunService', 'StartRun', { workflowSource: source });
  if (r.status !== 200) throw new Error(`StartRun answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json.run.runId;
}

/** A screenshot kept as a test artifact in test-results/ui/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export const SLEEP_AGENT = join(ROOT, 'test/fixtures/ui/sleep-agent.js');

/** A workflow of `tasks` (id and dependencies) on the sleep agent. */
export function workflowOf(name: string, tasks: ReadonlyArray<[string, string[]]>): string {
  return `workflow:
  name: ${name}
  version: "1"
  agents: { w: { type: w, max_instances: 4, endpoint: { module: "${SLEEP_AGENT}" } } }
  tasks:
${tasks.map(([id, deps]) => `    - { id: ${id}, agent: w${deps.length ? `, depends_on: [${deps.join(', ')}]` : ''} }`).join('\n')}
`;
}
