// Shared by the API benchmarks: a real `baton serve` child process (the built CLI) on a free loopback
// port and a temporary data directory, a no-op agent module for its workflows, and percentiles.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));

export interface BenchServer {
  readonly address: string;
  /**
   * Absolute path of an agent module that returns {ok: true} after a wait: BENCH_DELAY_<task id> ms if
   * set in the server's environment, else BENCH_AGENT_DELAY_MS (default 0).
   */
  readonly agentModule: string;
  stop(): Promise<void>;
}

export async function startBenchServer(env: Readonly<Record<string, string>> = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-api-'));
  const agentModule = join(dir, 'noop-agent.mjs');
  writeFileSync(
    agentModule,
    `export default async function noop(ctx) {
  const ms = Number(process.env['BENCH_DELAY_' + ctx.instanceKey] ?? process.env.BENCH_AGENT_DELAY_MS ?? 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return { ok: true };
}
`,
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const address = /on (\S+:\d+)$/.exec(line)?.[1];
  if (!address) throw new Error(`baton serve did not print its address: ${line}`);
  return {
    address,
    agentModule,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The q-quantile (0..1) of sorted samples, rounded to 0.01. */
export function quantile(sorted: readonly number[], q: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return Math.round(v * 100) / 100;
}

/** A chain of `n` tasks on the no-op agent. */
export function chainWorkflow(name: string, n: number, agentModule: string): string {
  const tasks = Array.from({ length: n }, (_, i) =>
    i === 0 ? `    - { id: t0, agent: noop }` : `    - { id: t${i}, agent: noop, depends_on: [t${i - 1}] }`,
  );
  return [
    'workflow:',
    `  name: ${name}`,
    '  version: "1"',
    '  agents:',
    `    noop: { type: noop, endpoint: { module: "${agentModule}" }, max_instances: 1000 }`,
    '  tasks:',
    ...tasks,
    '',
  ].join('\n');
}
