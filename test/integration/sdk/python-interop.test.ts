// The Python interop tests skip with a printed reason on a machine without python3-grpcio /
// python3-grpc-tools (so `npm test` passes on a fresh machine), and fail instead in CI, which installs them.

import { expect, it } from 'vitest';
import { PYTHON } from './server.js';
import { PYTHON_INTEROP_SETUP, pythonInterop, REQUIRE_ENV } from './python-interop.js';

it('reports a missing module with the command that installs it', () => {
  const r = pythonInterop(PYTHON, ['baton_no_such_module'], {});
  expect(r.available).toBe(false);
  expect(r.reason).toBe(
    `Python interop tests skipped: ${PYTHON} has no module "baton_no_such_module"; enable them with: ${PYTHON_INTEROP_SETUP}`,
  );
});

it('reports a missing interpreter the same way', () => {
  const r = pythonInterop('/nonexistent/python3', ['grpc'], {});
  expect(r).toEqual({
    available: false,
    reason: `Python interop tests skipped: /nonexistent/python3 is not installed; enable them with: ${PYTHON_INTEROP_SETUP}`,
  });
});

it('fails instead of skipping where interop is required (CI)', () => {
  expect(() => pythonInterop(PYTHON, ['baton_no_such_module'], { [REQUIRE_ENV]: '1' })).toThrow(
    /BATON_REQUIRE_PYTHON_INTEROP=1, but Python interop tests skipped/,
  );
});

it('finds modules that are there', () => {
  expect(pythonInterop(PYTHON, ['json'], {})).toEqual({ available: true, reason: '' });
});
