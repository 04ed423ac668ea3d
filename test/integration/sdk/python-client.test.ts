// A client in another language: Python stubs generated from proto/ (buf build -> descriptor set ->
// Debian's grpc_tools protoc), and a Python script that starts the reference workflow on a real
// `baton serve`, watches it to completion and prints the result as JSON.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pythonInteropOrSkip } from './python-interop.js';
import { PYTHON, PYTHON_FIXTURES, pythonStubs, ROOT, startServer, type ServerHandle } from './server.js';

const run = promisify(execFile);
/** Debian's python, which has python3-grpcio and python3-grpc-tools (not the pyenv one on PATH). */
const FIXTURES = PYTHON_FIXTURES;

let dir: string;
let server: ServerHandle | undefined;

/** Without python3-grpcio / python3-grpc-tools the tests skip, printing why and how to enable them. */
const interop = pythonInteropOrSkip();

beforeAll(async () => {
  if (!interop) return;
  dir = mkdtempSync(join(tmpdir(), 'baton-python-'));
  await pythonStubs(dir);
}, 60_000);

afterAll(async () => {
  if (!interop) return;
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(!interop)(
  'a Python client starts the reference workflow, watches it to completion and reads its outputs',
  async () => {
    server = await startServer({ dataDir: join(dir, 'data'), cwd: join(ROOT, 'examples') });
    const { stdout } = await run(
      PYTHON,
      [
        join(FIXTURES, 'baton_client.py'),
        '--address',
        server.address,
        '--workflow',
        join(ROOT, 'examples/research_and_analysis.yaml'),
      ],
      { env: { ...process.env, PYTHONPATH: dir } },
    );
    const result = JSON.parse(stdout) as {
      status: string;
      seqs: string[] | number[];
      types: string[];
      outputs: Record<string, unknown>;
      missing: { status: string; code: string };
    };
    expect(result.status).toBe('RUN_STATUS_COMPLETED');
    const seqs = result.seqs.map(Number);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(result.types.at(-1)).toBe('RunCompleted');
    expect(JSON.stringify(result.outputs)).toContain('Pumped hydro');
    // The typed error detail decodes in Python too.
    expect(result.missing).toEqual({ status: 'NOT_FOUND', code: 'BATON_E_RUN_NOT_FOUND' });
  },
  60_000,
);
