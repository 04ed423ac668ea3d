// Starts the built `baton serve` as a child process (as a user runs it) on a loopback port and a data
// directory, and stops it; the SDK and Python client tests talk to it over real gRPC.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BATON_BIN = join(ROOT, 'bin/baton.js');
/** Debian's python3 with its grpcio (the pyenv python3 on PATH has none). */
export const PYTHON = '/usr/bin/python3';
export const PYTHON_FIXTURES = join(ROOT, 'test/fixtures/python');

/**
 * Python stubs for baton/v1 in `dir`: from a `buf build` descriptor set, since Debian's grpc-tools
 * bundles a protoc too old for proto3 `optional` (see gen_stubs.py).
 */
export async function pythonStubs(dir: string): Promise<void> {
  const run = promisify(execFile);
  const descriptors = join(dir, 'baton.binpb');
  await run(
    process.execPath,
    [join(ROOT, 'node_modules/.bin/buf'), 'build', 'proto', '--path', 'proto/baton/v1', '-o', descriptors],
    { cwd: ROOT },
  );
  await run(PYTHON, [join(PYTHON_FIXTURES, 'gen_stubs.py'), descriptors, dir]);
}

export interface ServeOptions {
  readonly dataDir: string;
  /** HOST:PORT; port 0 (the default) picks a free one. */
  readonly listen?: string;
  /** Where relative module endpoints of started workflows resolve (default: the repository root). */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** More `baton serve` flags (e.g. --agents-dir). */
  readonly extraArgs?: readonly string[];
}

export interface ServerHandle {
  readonly address: string;
  readonly child: ChildProcess;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<ServerHandle> {
  const child = spawn(
    process.execPath,
    [
      BATON_BIN,
      'serve',
      '--listen',
      options.listen ?? '127.0.0.1:0',
      '--data-dir',
      options.dataDir,
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: options.cwd ?? ROOT,
      env: { ...(options.env ?? process.env), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`baton serve exited (${String(code)}) before listening: ${stderr}`);
  });
  const listening = once(createInterface({ input: child.stdout }), 'line').then(([line]) => {
    const address = /on (\S+:\d+)$/.exec(line as string)?.[1];
    if (!address) throw new Error(`unexpected first line from baton serve: ${String(line)}`);
    return address;
  });
  let address: string;
  try {
    address = await Promise.race([listening, exited]);
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  exited.catch(() => undefined);
  return {
    address,
    child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exit = once(child, 'exit');
      child.kill(signal);
      await exit;
    },
  };
}
