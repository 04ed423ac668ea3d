// Whether this machine can run the Python interop tests (Debian's python3 with python3-grpcio and
// python3-grpc-tools). Without them those tests are skipped with a printed reason naming the one command
// that enables them, so `npm test` passes on a fresh machine; CI (.ci/run) installs them and sets
// BATON_REQUIRE_PYTHON_INTEROP=1, which turns a missing module into a failure instead of a skip.

import { spawnSync } from 'node:child_process';
import { PYTHON } from './server.js';

export const PYTHON_INTEROP_SETUP = 'apt-get install -y python3-grpcio python3-grpc-tools';
export const REQUIRE_ENV = 'BATON_REQUIRE_PYTHON_INTEROP';

export interface Interop {
  readonly available: boolean;
  /** Why not, with the command that enables the tests; empty when available. */
  readonly reason: string;
}

export function pythonInterop(
  python: string = PYTHON,
  modules: readonly string[] = ['grpc', 'grpc_tools'],
  env: NodeJS.ProcessEnv = process.env,
): Interop {
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  const missing =
    r.error !== undefined
      ? `${python} is not installed`
      : r.status !== 0
        ? (/No module named '([^']+)'/.exec(r.stderr)?.[1] ?? r.stderr.trim().split('\n').at(-1) ?? 'unknown')
        : undefined;
  if (missing === undefined) return { available: true, reason: '' };
  const reason = `Python interop tests skipped: ${r.error ? missing : `${python} has no module "${missing}"`}; enable them with: ${PYTHON_INTEROP_SETUP}`;
  if (env[REQUIRE_ENV] === '1') throw new Error(`${REQUIRE_ENV}=1, but ${reason}`);
  return { available: false, reason };
}

/** For a test file: whether to run, printing the reason once when not. */
export function pythonInteropOrSkip(): boolean {
  const interop = pythonInterop();
  if (!interop.available) console.warn(interop.reason);
  return interop.available;
}
